// LIST continue tokens, encoded exactly as Kubernetes does (k8s.io/apiserver/pkg/storage
// continue.go): base64url without padding of {"v":"meta.k8s.io/v1","rv":REV,"start":KEY},
// KEY being the first key of the next page relative to the list's prefix. A continued list
// is served at the token's revision, so the pages together form one consistent list.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "apimachinery/status.h"

namespace pk::storage {

// The token for a next page starting at `next_key` (which begins with `prefix`).
std::string EncodeContinueToken(std::string_view next_key, std::string_view prefix,
                                int64_t revision);

struct ContinuePoint {
  std::string start_key;  // absolute: prefix + the token's key
  int64_t revision = 0;
};
// BadRequest ("invalid continue token: continue key is not valid: ...") for anything that is
// not a token Kubernetes would accept, including keys that would escape `prefix`.
Result<ContinuePoint> DecodeContinueToken(std::string_view token, std::string_view prefix);

// RFC 4648 base64url without padding (Go's base64.RawURLEncoding). Decode fails (nullopt
// semantics: returns false) on characters outside the alphabet or a dangling 6-bit group.
std::string Base64RawUrlEncode(std::string_view data);
bool Base64RawUrlDecode(std::string_view text, std::string* out);

}  // namespace pk::storage
