// Parses a request's path, method and query into its RequestInfo, as Kubernetes'
// RequestInfoFactory does: /api/v1/namespaces/NS/pods/NAME/status -> get pods "NAME" in NS,
// subresource status.
#pragma once

#include "apiserver/endpoints/request.h"

namespace pk::apiserver {

RequestInfo ParseRequestInfo(const Request& request);

// Splits "a=1&b=%2F" into decoded pairs ('+' is a space, as Go's url.ParseQuery reads it).
std::multimap<std::string, std::string> ParseQuery(std::string_view raw);
// Percent-decodes a path or query component; malformed escapes are kept as they are.
std::string PercentDecode(std::string_view s, bool plus_is_space);

}  // namespace pk::apiserver
