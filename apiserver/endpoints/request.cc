#include "apiserver/endpoints/request.h"

namespace pk::apiserver {

std::optional<std::string> Request::Query(std::string_view name) const {
  auto it = query.find(std::string(name));
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::string Request::QueryOr(std::string_view name, std::string fallback) const {
  auto value = Query(name);
  return value ? *value : std::move(fallback);
}

bool Request::QueryBool(std::string_view name) const {
  auto value = Query(name);
  if (!value) return false;
  static const char* const kTrue[] = {"1", "t", "T", "TRUE", "true", "True"};
  for (const char* t : kTrue) {
    if (*value == t) return true;
  }
  return false;
}

std::string Request::Header(std::string_view lower_name) const {
  auto it = headers.find(std::string(lower_name));
  return it == headers.end() ? std::string() : it->second;
}

bool IsLongRunning(const Request& request) {
  const RequestInfo& info = request.info;
  if (!info.is_resource_request) return false;
  if (info.verb == "watch") return true;
  const std::string& sub = info.subresource;
  return sub == "exec" || sub == "attach" || sub == "portforward" || sub == "proxy" ||
         (sub == "log" && request.QueryBool("follow"));
}

}  // namespace pk::apiserver
