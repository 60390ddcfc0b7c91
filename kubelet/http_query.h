// The query of a request to the kubelet's server (server.h): decoded, repeated keys kept
// (exec's command=sh&command=-c&command=...).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pk::kubelet {

using Query = std::multimap<std::string, std::string>;

Query ParseQuery(std::string_view text);  // "a=1&b=x%20y" (+ as space)
std::vector<std::string> All(const Query& q, const std::string& key);
std::optional<int64_t> Number(const Query& q, const std::string& key);
bool Flag(const Query& q, const std::string& key);  // "true" or "1"

}  // namespace pk::kubelet
