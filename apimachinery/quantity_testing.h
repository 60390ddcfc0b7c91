// Helpers shared by the quantity tests (ported from quantity_test.go).
#pragma once

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <string>
#include <string_view>

#include "apimachinery/quantity.h"

namespace pk::quantity_testing {

using Format = Quantity::Format;
inline constexpr Format kDecimalSI = Format::kDecimalSI;
inline constexpr Format kBinarySI = Format::kBinarySI;
inline constexpr Format kDecimalExponent = Format::kDecimalExponent;

inline Quantity MustParse(std::string_view text) {
  Result<Quantity> q = Quantity::Parse(text);
  INFO(std::string(text));
  REQUIRE(q.ok());
  return *q;
}

// Go's decQuantity(i, exponent, format): i * 10^exponent written in `format`.
inline Quantity Dec(int64_t i, int exponent, Format format) {
  Quantity q = MustParse(fmt::format("{}e{}", i, exponent));
  q.set_format(format);
  return q;
}

inline Quantity Negated(const Quantity& q) {
  Quantity result = Quantity::FromInt(0, q.format());
  result.Sub(q);
  return result;
}

}  // namespace pk::quantity_testing
