// Shared by the serviceaccount folder's files; not part of its interface.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pk::apiserver::serviceaccount {

// RFC 4648 base64url without padding (Go's base64.RawURLEncoding), as JWS uses.
std::string Base64Url(std::string_view data);
// nullopt for text that is not base64url without padding.
std::optional<std::string> FromBase64Url(std::string_view text);

}  // namespace pk::apiserver::serviceaccount
