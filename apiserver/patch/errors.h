// Internal: the error values of this folder, in Kubernetes' wording.
#pragma once

#include <string>
#include <string_view>

#include "apiserver/patch/patch.h"

namespace pk::patch {

// errors.NewGenericServerResponse(422, ...): what Kubernetes answers when a JSON patch or a
// strategic patch cannot be applied (the real cause is not in the message).
Status UnprocessableGeneric();
// A non-Status Go error surfacing from the handler: 500 with the error text.
Status GoError(std::string message);
// Go's encoding/json messages for a body that does not parse, or has the wrong JSON type.
std::string GoJsonSyntaxError(std::string_view text);
std::string GoJsonTypeName(const Json& value);  // "object", "array", "string", "number"...
// fmt's %v of a decoded JSON value (map[a:1 b:[x y]]), for messages that print one.
std::string GoValueString(const Json& value);

}  // namespace pk::patch
