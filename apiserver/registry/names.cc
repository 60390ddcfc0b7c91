#include "apiserver/registry/names.h"

#include <fmt/format.h>

#include <random>

namespace pk::registry {
namespace {

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

}  // namespace

std::string NewUid() {
  uint64_t hi = Rng()(), lo = Rng()();
  hi = (hi & ~0xF000ULL) | 0x4000ULL;              // version 4
  lo = (lo & ~(0xC0ULL << 56)) | (0x80ULL << 56);  // variant 10
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xFFFF,
                     hi & 0xFFFF, lo >> 48, lo & 0xFFFFFFFFFFFFULL);
}

std::string GenerateName(std::string_view base) {
  static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  constexpr size_t kMaxName = 63, kRandom = 5;
  std::string name(base.substr(0, std::min(base.size(), kMaxName - kRandom)));
  std::uniform_int_distribution<size_t> pick(0, kAlphabet.size() - 1);
  for (size_t i = 0; i < kRandom; ++i) name += kAlphabet[pick(Rng())];
  return name;
}

}  // namespace pk::registry
