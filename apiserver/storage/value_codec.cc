#include "apiserver/storage/value_codec.h"

namespace pk::storage {

void PutFixed64(char* out, uint64_t value) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

uint64_t GetFixed64(const char* in) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) {
    value |= static_cast<uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  }
  return value;
}

Result<DecodedValue> DecodeValue(std::string_view value) {
  if (value.size() < kValueHeaderSize) {
    return Status::InternalError("corrupt store value: shorter than its header");
  }
  DecodedValue out;
  out.mod_revision = static_cast<int64_t>(GetFixed64(value.data()));
  out.expire_at_ms = static_cast<int64_t>(GetFixed64(value.data() + 8));
  out.payload = value.substr(kValueHeaderSize);
  return out;
}

}  // namespace pk::storage
