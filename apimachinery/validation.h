// Kubernetes' string format checks (k8s.io/apimachinery/pkg/util/validation): each returns why
// a value is not of the format, in Kubernetes' exact words, or nothing when it is. Callers wrap
// the messages into field errors ("metadata.name: Invalid value: \"X\": <message>").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pk::validation {

using Errors = std::vector<std::string>;

Errors IsDNS1123Subdomain(std::string_view value);  // object names, at most 253
Errors IsDNS1123Label(std::string_view value);      // namespaces, container names, at most 63
Errors IsDNS1035Label(std::string_view value);      // service names: starts with a letter
Errors IsQualifiedName(std::string_view value);     // label keys: [prefix/]name
Errors IsValidLabelValue(std::string_view value);
Errors IsConfigMapKey(std::string_view value);  // ConfigMap and Secret data keys
Errors IsValidPortNum(int64_t port);            // 1..65535
Errors IsValidPortName(std::string_view port);  // IANA_SVC_NAME
// path.IsValidPathSegmentName: names that must only be usable as a URL path segment.
Errors IsValidPathSegmentName(std::string_view name);

// Go's %q of a string and %#v of a []string, as field errors print bad values.
std::string GoQuote(std::string_view s);
std::string GoStringSlice(const std::vector<std::string>& values);

// "must be between <lo> and <hi>, inclusive".
std::string InclusiveRangeError(int64_t lo, int64_t hi);

// Name validators as generateName uses them (`prefix`): a trailing '-' is allowed, as
// apimachinery's maskTrailingDash does.
Errors NameIsDNSSubdomain(std::string_view name, bool prefix);
Errors NameIsDNSLabel(std::string_view name, bool prefix);
Errors NameIsDNS1035Label(std::string_view name, bool prefix);
Errors ValidatePathSegmentName(std::string_view name, bool prefix);

}  // namespace pk::validation
