#include "kubelet/http_query.h"

#include <cstdlib>

namespace pk::kubelet {
namespace {

std::string Decode(std::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out += ' ';
    } else if (in[i] == '%' && i + 2 < in.size() && std::isxdigit(in[i + 1]) &&
               std::isxdigit(in[i + 2])) {
      out += char(std::strtol(std::string(in.substr(i + 1, 2)).c_str(), nullptr, 16));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

}  // namespace

Query ParseQuery(std::string_view text) {
  Query q;
  while (!text.empty()) {
    auto amp = text.find('&');
    std::string_view item = text.substr(0, amp);
    auto eq = item.find('=');
    q.emplace(Decode(item.substr(0, eq)),
              eq == std::string_view::npos ? "" : Decode(item.substr(eq + 1)));
    if (amp == std::string_view::npos) break;
    text.remove_prefix(amp + 1);
  }
  return q;
}

std::vector<std::string> All(const Query& q, const std::string& key) {
  std::vector<std::string> out;
  for (auto [it, end] = q.equal_range(key); it != end; ++it) out.push_back(it->second);
  return out;
}

std::optional<int64_t> Number(const Query& q, const std::string& key) {
  auto it = q.find(key);
  if (it == q.end() || it->second.empty()) return std::nullopt;
  return std::strtoll(it->second.c_str(), nullptr, 10);
}

bool Flag(const Query& q, const std::string& key) {
  auto it = q.find(key);
  return it != q.end() && (it->second == "true" || it->second == "1");
}

}  // namespace pk::kubelet
