// The on-disk value of one object: fixed64 mod_revision, fixed64 expire_at_ms (0: never),
// then the object's protobuf bytes without metadata.resourceVersion (the revision is the
// header's; the store sets resourceVersion when it loads the object). Little-endian.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "apimachinery/status.h"

namespace pk::storage {

inline constexpr size_t kValueHeaderSize = 16;

void PutFixed64(char* out, uint64_t value);
uint64_t GetFixed64(const char* in);

// Starts a value: the header with `expire_at_ms` and a zero revision, to which the caller
// appends the protobuf bytes. The revision is filled in later by SetValueRevision, when the
// write is ordered (so serialization can happen before the revision is known).
inline std::string NewValue(int64_t expire_at_ms) {
  std::string value(kValueHeaderSize, '\0');
  PutFixed64(value.data() + 8, static_cast<uint64_t>(expire_at_ms));
  return value;
}
inline void SetValueRevision(std::string* value, int64_t revision) {
  PutFixed64(value->data(), static_cast<uint64_t>(revision));
}

struct DecodedValue {
  int64_t mod_revision = 0;
  int64_t expire_at_ms = 0;
  std::string_view payload;  // protobuf bytes; a view into the decoded value
};
// InternalError when the value is too short to hold the header.
Result<DecodedValue> DecodeValue(std::string_view value);

}  // namespace pk::storage
