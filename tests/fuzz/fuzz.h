// Shared by the libFuzzer targets: how a broken property (not a crash) becomes a finding.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace pk::fuzz {

// Aborts with `what` and the two sides when a property of the code under test does not hold;
// libFuzzer keeps the input as a crash-* file, like any other crash.
inline void Require(bool holds, std::string_view what, std::string_view got = {},
                    std::string_view want = {}) {
  if (holds) return;
  std::fprintf(stderr, "property violated: %.*s\n  got:  %.*s\n  want: %.*s\n",
               static_cast<int>(what.size()), what.data(), static_cast<int>(got.size()), got.data(),
               static_cast<int>(want.size()), want.data());
  std::abort();
}

inline std::string_view AsText(const unsigned char* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace pk::fuzz
