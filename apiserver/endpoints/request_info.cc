#include "apiserver/endpoints/request_info.h"

#include <vector>

namespace pk::apiserver {
namespace {

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) parts.push_back(PercentDecode(path.substr(i, j - i), false));
    i = j + 1;
  }
  return parts;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A non-resource request's verb is its method in lower case ("get", "post"), as Kubernetes'
// RequestInfoFactory has it; a resource request's is the API verb of the method.
std::string LowerMethod(const std::string& method) {
  std::string lower;
  for (char c : method) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return lower;
}

std::string VerbOf(const std::string& method) {
  if (method == "POST") return "create";
  if (method == "GET" || method == "HEAD") return "get";
  if (method == "PUT") return "update";
  return LowerMethod(method);  // PATCH, DELETE and the rest are their own verbs
}

}  // namespace

std::string PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (plus_is_space && s[i] == '+') ? ' ' : s[i];
  }
  return out;
}

std::multimap<std::string, std::string> ParseQuery(std::string_view raw) {
  std::multimap<std::string, std::string> query;
  size_t i = 0;
  while (i <= raw.size() && !raw.empty()) {
    size_t j = raw.find('&', i);
    if (j == std::string_view::npos) j = raw.size();
    std::string_view pair = raw.substr(i, j - i);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string key = PercentDecode(pair.substr(0, eq), true);
      std::string value =
          eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1), true);
      query.emplace(std::move(key), std::move(value));
    }
    if (j == raw.size()) break;
    i = j + 1;
  }
  return query;
}

RequestInfo ParseRequestInfo(const Request& request) {
  RequestInfo info;
  info.path = request.path;
  info.verb = LowerMethod(request.method);
  std::vector<std::string> parts = SplitPath(request.path);
  if (parts.empty() || (parts[0] != "api" && parts[0] != "apis")) return info;
  info.api_prefix = parts[0];
  size_t at = 1;
  if (info.api_prefix == "apis") {
    if (parts.size() < 3) return info;  // /apis, /apis/GROUP: discovery
    info.api_group = parts[at++];
  } else if (parts.size() < 2) {
    return info;  // /api
  }
  info.api_version = parts[at++];
  if (at >= parts.size()) return info;  // /api/v1, /apis/G/V: discovery
  info.is_resource_request = true;
  info.verb = VerbOf(request.method);
  std::vector<std::string> rest(parts.begin() + static_cast<long>(at), parts.end());
  // namespaces/NS/RESOURCE/...; but namespaces/NS and namespaces/NS/{status,finalize} are
  // the namespace object itself.
  if (rest[0] == "namespaces" && rest.size() >= 2) {
    info.ns = rest[1];
    if (rest.size() > 2 && rest[2] != "status" && rest[2] != "finalize") {
      rest.erase(rest.begin(), rest.begin() + 2);
    }
  }
  info.resource = rest[0];
  if (rest.size() >= 2) info.name = rest[1];
  if (rest.size() >= 3) info.subresource = rest[2];
  if (info.resource == "namespaces" && !info.name.empty()) info.ns.clear();
  if (info.name.empty()) {
    if (info.verb == "get") info.verb = "list";
    if (info.verb == "delete") info.verb = "deletecollection";
  }
  if ((info.verb == "list" || info.verb == "get") && request.QueryBool("watch")) {
    info.verb = "watch";
  }
  return info;
}

}  // namespace pk::apiserver
