// Parsing, values and arithmetic: tests ported from
// k8s.io/apimachinery/pkg/api/resource/quantity_test.go (canonical strings are in
// quantity_string_test.cc).
#include "apimachinery/quantity.h"
#include "apimachinery/quantity_testing.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace pk {
namespace {

using namespace quantity_testing;  // NOLINT: test helpers
constexpr int64_t kMostPositive = std::numeric_limits<int64_t>::max();

struct ParseCase {
  std::string input;
  Quantity expect;
};

std::vector<ParseCase> ParseTable() {
  return {
      {"0", Dec(0, 0, kDecimalSI)},
      {"0n", Dec(0, 0, kDecimalSI)},
      {"0u", Dec(0, 0, kDecimalSI)},
      {"0m", Dec(0, 0, kDecimalSI)},
      {"0Ki", Dec(0, 0, kBinarySI)},
      {"0k", Dec(0, 0, kDecimalSI)},
      {"0Mi", Dec(0, 0, kBinarySI)},
      {"0M", Dec(0, 0, kDecimalSI)},
      {"0Gi", Dec(0, 0, kBinarySI)},
      {"0G", Dec(0, 0, kDecimalSI)},
      {"0Ti", Dec(0, 0, kBinarySI)},
      {"0T", Dec(0, 0, kDecimalSI)},
      // Quantity-less numbers are allowed.
      {"1", Dec(1, 0, kDecimalSI)},
      // Binary suffixes.
      {"1Ki", Dec(1024, 0, kBinarySI)},
      {"8Ki", Dec(8 * 1024, 0, kBinarySI)},
      {"7Mi", Dec(7 * 1024 * 1024, 0, kBinarySI)},
      {"6Gi", Dec(6LL * 1024 * 1024 * 1024, 0, kBinarySI)},
      {"5Ti", Dec(5LL * 1024 * 1024 * 1024 * 1024, 0, kBinarySI)},
      {"4Pi", Dec(4LL * 1024 * 1024 * 1024 * 1024 * 1024, 0, kBinarySI)},
      {"3Ei", Dec(3LL * 1024 * 1024 * 1024 * 1024 * 1024 * 1024, 0, kBinarySI)},
      {"10Ti", Dec(10LL * 1024 * 1024 * 1024 * 1024, 0, kBinarySI)},
      {"100Ti", Dec(100LL * 1024 * 1024 * 1024 * 1024, 0, kBinarySI)},
      // Decimal suffixes.
      {"5n", Dec(5, -9, kDecimalSI)},
      {"4u", Dec(4, -6, kDecimalSI)},
      {"3m", Dec(3, -3, kDecimalSI)},
      {"9", Dec(9, 0, kDecimalSI)},
      {"8k", Dec(8, 3, kDecimalSI)},
      {"50k", Dec(5, 4, kDecimalSI)},
      {"7M", Dec(7, 6, kDecimalSI)},
      {"6G", Dec(6, 9, kDecimalSI)},
      {"5T", Dec(5, 12, kDecimalSI)},
      {"40T", Dec(4, 13, kDecimalSI)},
      {"300T", Dec(3, 14, kDecimalSI)},
      {"2P", Dec(2, 15, kDecimalSI)},
      {"1E", Dec(1, 18, kDecimalSI)},
      // Decimal exponents.
      {"1E-3", Dec(1, -3, kDecimalExponent)},
      {"1e3", Dec(1, 3, kDecimalExponent)},
      {"1E6", Dec(1, 6, kDecimalExponent)},
      {"1e9", Dec(1, 9, kDecimalExponent)},
      {"1E12", Dec(1, 12, kDecimalExponent)},
      {"1e15", Dec(1, 15, kDecimalExponent)},
      {"1E18", Dec(1, 18, kDecimalExponent)},
      // Nonstandard but still parsable.
      {"1e14", Dec(1, 14, kDecimalExponent)},
      {"1e13", Dec(1, 13, kDecimalExponent)},
      {"100.035k", Dec(100035, 0, kDecimalSI)},
      // Things that look like floating point.
      {"0.001", Dec(1, -3, kDecimalSI)},
      {"0.0005k", Dec(5, -1, kDecimalSI)},
      {"0.005", Dec(5, -3, kDecimalSI)},
      {"0.05", Dec(5, -2, kDecimalSI)},
      {"0.5", Dec(5, -1, kDecimalSI)},
      {"0.00050k", Dec(5, -1, kDecimalSI)},
      {"0.00500", Dec(5, -3, kDecimalSI)},
      {"0.05000", Dec(5, -2, kDecimalSI)},
      {"0.50000", Dec(5, -1, kDecimalSI)},
      {"0.5e0", Dec(5, -1, kDecimalExponent)},
      {"0.5e-1", Dec(5, -2, kDecimalExponent)},
      {"0.5e-2", Dec(5, -3, kDecimalExponent)},
      {"10.035M", Dec(10035, 3, kDecimalSI)},
      {"1.2e3", Dec(12, 2, kDecimalExponent)},
      {"1.3E+6", Dec(13, 5, kDecimalExponent)},
      {"1.40e9", Dec(14, 8, kDecimalExponent)},
      {"1.53E12", Dec(153, 10, kDecimalExponent)},
      {"1.6e15", Dec(16, 14, kDecimalExponent)},
      {"1.7E18", Dec(17, 17, kDecimalExponent)},
      {"9.01", Dec(901, -2, kDecimalSI)},
      {"8.1k", Dec(81, 2, kDecimalSI)},
      {"7.123456M", Dec(7123456, 0, kDecimalSI)},
      {"6.987654321G", Dec(6987654321, 0, kDecimalSI)},
      {"5.444T", Dec(5444, 9, kDecimalSI)},
      {"40.1T", Dec(401, 11, kDecimalSI)},
      {"300.2T", Dec(3002, 11, kDecimalSI)},
      {"2.5P", Dec(25, 14, kDecimalSI)},
      {"1.01E", Dec(101, 16, kDecimalSI)},
      // Things that saturate or round.
      {"3.001n", Dec(4, -9, kDecimalSI)},
      {"1.1E-9", Dec(2, -9, kDecimalExponent)},
      {"0.0000000001", Dec(1, -9, kDecimalSI)},
      {"0.0000000005", Dec(1, -9, kDecimalSI)},
      {"0.00000000050", Dec(1, -9, kDecimalSI)},
      {"0.5e-9", Dec(1, -9, kDecimalExponent)},
      {"0.9n", Dec(1, -9, kDecimalSI)},
      {"0.00000012345", Dec(124, -9, kDecimalSI)},
      {"0.00000012354", Dec(124, -9, kDecimalSI)},
      {"9Ei", Quantity::FromInt(kMostPositive, kBinarySI)},
      {"9223372036854775807Ki", Quantity::FromInt(kMostPositive, kBinarySI)},
      {"12E", Dec(12, 18, kDecimalSI)},
      // Fractional binary quantities.
      {"100.035Ki", Dec(10243584, -2, kBinarySI)},
      {"0.5Mi", Dec(512 * 1024, 0, kBinarySI)},
      {"0.05Gi", Dec(536870912, -1, kBinarySI)},
      {"0.025Ti", Dec(274877906944, -1, kBinarySI)},
      // Things written by trolls.
      {"0.000000000001Ki", Dec(2, -9, kDecimalSI)},  // rounds up, changes format
      {".001", Dec(1, -3, kDecimalSI)},
      {".0001k", Dec(100, -3, kDecimalSI)},
      {"1.", Dec(1, 0, kDecimalSI)},
      {"1.G", Dec(1, 9, kDecimalSI)},
  };
}

TEST_CASE("Quantity::Parse matches Kubernetes' table, with either sign") {
  for (const ParseCase& item : ParseTable()) {
    for (const char* sign : {"", "+", "-"}) {
      const std::string input = sign + item.input;
      INFO(input);
      Result<Quantity> got = Quantity::Parse(input);
      REQUIRE(got.ok());
      const Quantity expect = std::string(sign) == "-" ? Negated(item.expect) : item.expect;
      CHECK(*got == expect);
      CHECK(got->format() == item.expect.format());
    }
  }
}

TEST_CASE("Quantity::Parse rejects malformed input with Kubernetes' messages") {
  const std::string format_wrong =
      "quantities must match the regular expression "
      "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
  const std::string suffix = "unable to parse quantity's suffix";
  const std::vector<std::pair<std::string, std::string>> invalid = {
      {"", format_wrong},
      {"1.1.M", format_wrong},
      {"1+1.0M", format_wrong},
      {"0.1mi", suffix},
      {"0.1am", format_wrong},
      {"aoeu", format_wrong},
      {".5i", suffix},
      {"1i", suffix},
      {"-3.01i", suffix},
      {"-3.01e-", suffix},
      {" 1", format_wrong},
      {"1 ", format_wrong},
      {"Non-Numeric", format_wrong},
      {"1e", suffix},
      {"1Ki1", suffix},
  };
  for (const auto& [input, message] : invalid) {
    INFO(input);
    Result<Quantity> got = Quantity::Parse(input);
    REQUIRE_FALSE(got.ok());
    CHECK(got.status().reason() == Reason::kBadRequest);
    CHECK(got.status().message() == message);
  }
}

TEST_CASE("Quantity::Parse follows Go's scanner on degenerate input") {
  // parseQuantityString accepts a lone "." (zero); off Go's fast path inf.Dec rejects it.
  CHECK(MustParse(".").IsZero());
  CHECK(MustParse("-.").IsZero());
  CHECK(MustParse("Ki").IsZero());
  CHECK(Quantity::Parse(".e-20").status().message() == "unable to parse numeric part of quantity");
}

TEST_CASE("Quantity magnitudes beyond 1e29 are rejected, not wrapped") {
  CHECK(MustParse("99999999999999999999999999999").ToString() == "99999999999999999999999999999");
  CHECK(MustParse("1e28").ToString() == "10e27");
  CHECK_FALSE(Quantity::Parse("1e29").ok());
  CHECK_FALSE(Quantity::Parse("100000000000E").ok());
  CHECK(MustParse("0e999999").IsZero());
  CHECK(MustParse("1e-99999").ToString() == "1e-9");  // rounds up to one nano
}

TEST_CASE("Quantity::Value and MilliValue round up, away from zero") {
  CHECK(MustParse("100m").Value() == 1);
  CHECK(MustParse("1n").Value() == 1);
  CHECK(MustParse("1n").MilliValue() == 1);
  CHECK(MustParse("1u").MilliValue() == 1);
  CHECK(MustParse("1m").MilliValue() == 1);
  CHECK(MustParse("1").MilliValue() == 1000);
  CHECK(MustParse("1.5").Value() == 2);
  CHECK(MustParse("-1.5").Value() == -2);
  CHECK(MustParse("-100m").Value() == -1);
  CHECK(MustParse("1Mi").Value() == 1024 * 1024);
  CHECK(MustParse("2Gi").MilliValue() == 2LL * 1024 * 1024 * 1024 * 1000);
  CHECK(MustParse("9.01").MilliValue() == 9010);
  CHECK(MustParse("1e25").Value() == kMostPositive);  // saturates (Go overflows)
  CHECK(Quantity().Value() == 0);
  CHECK(Quantity().MilliValue() == 0);
}

TEST_CASE("Quantity comparison") {
  CHECK(MustParse("0") == MustParse("0"));
  CHECK(MustParse("100m") > MustParse("50m"));
  CHECK(MustParse("50m") < MustParse("100m"));
  CHECK(MustParse("10000T") > MustParse("100Gi"));
  CHECK(MustParse("1Gi") == MustParse("1024Mi"));
  CHECK(MustParse("1000m") == MustParse("1"));
  CHECK(MustParse("-1") < MustParse("0"));
  CHECK(MustParse("1G") != MustParse("1Gi"));
  CHECK(MustParse("1.5").Sign() == 1);
  CHECK(MustParse("-1n").Sign() == -1);
  CHECK(MustParse("0Ki").Sign() == 0);
}

TEST_CASE("Quantity::Add and Sub") {
  SUBCASE("Go's TestAdd") {
    CHECK(Dec(10, 0, kDecimalSI).Add(Dec(1, 1, kDecimalSI)) == Dec(20, 0, kDecimalSI));
    Quantity mixed = Dec(10, 0, kDecimalSI);
    mixed.Add(Dec(1, 0, kBinarySI));
    CHECK(mixed == Dec(11, 0, kDecimalSI));
    CHECK(mixed.format() == kDecimalSI);
    Quantity binary = Dec(10, 0, kBinarySI);
    binary.Add(Dec(1, 0, kDecimalSI));
    CHECK(binary == Dec(11, 0, kBinarySI));
    CHECK(binary.format() == kBinarySI);
    CHECK(Quantity().Add(Dec(50, 0, kDecimalSI)) == Dec(50, 0, kDecimalSI));
    CHECK(Dec(50, 0, kDecimalSI).Add(Quantity()) == Dec(50, 0, kDecimalSI));
    CHECK(Quantity().Add(Quantity()).IsZero());
  }
  SUBCASE("Go's TestSub") {
    CHECK(Dec(10, 0, kDecimalSI).Sub(Dec(1, 1, kDecimalSI)).IsZero());
    CHECK(Dec(10, 0, kDecimalSI).Sub(Dec(1, 0, kBinarySI)) == Dec(9, 0, kDecimalSI));
    Quantity binary = Dec(10, 0, kBinarySI);
    binary.Sub(Dec(1, 0, kDecimalSI));
    CHECK(binary == Dec(9, 0, kBinarySI));
    CHECK(binary.format() == kBinarySI);
    CHECK(Quantity().Sub(Dec(50, 0, kDecimalSI)) == Dec(-50, 0, kDecimalSI));
    CHECK(Dec(50, 0, kDecimalSI).Sub(Quantity()) == Dec(50, 0, kDecimalSI));
  }
  SUBCASE("adding or subtracting zero preserves the suffix") {
    for (const char* text : {"100m", "1Gi"}) {
      const Quantity value = MustParse(text);
      const Quantity zero = MustParse("0");
      CHECK(Quantity(value).Add(zero).ToString() == text);
      CHECK(Quantity(zero).Add(value).ToString() == text);
      CHECK(Quantity(value).Sub(zero).ToString() == text);
      CHECK(Quantity(zero).Sub(value).ToString() == std::string("-") + text);
    }
  }
  SUBCASE("sums are exact across scales") {
    Quantity sum;
    sum.Add(MustParse("1n")).Add(MustParse("1Gi")).Add(MustParse("1.5"));
    CHECK(sum.ToString() == "1073741825500000001n");
    sum.Sub(MustParse("1n")).Sub(MustParse("1.5"));
    CHECK(sum.ToString() == "1073741824");
    CHECK(MustParse("500m").Add(MustParse("500m")).ToString() == "1");
    CHECK(MustParse("250m").Add(MustParse("250m")).Add(MustParse("1")).ToString() == "1500m");
  }
  SUBCASE("2^63 is not wrapped") {
    Quantity q = Quantity::FromInt(0, kDecimalSI);
    q.Sub(Quantity::FromInt(std::numeric_limits<int64_t>::min(), kBinarySI));
    CHECK(q.format() == kBinarySI);
    CHECK(q.ToString() == "8Ei");
    CHECK(q == MustParse("9223372036854775808"));
    Quantity one = Quantity::FromInt(1);
    one.Sub(Quantity::FromInt(std::numeric_limits<int64_t>::min()));
    CHECK(one.ToString() == "9223372036854775809");
  }
}

}  // namespace
}  // namespace pk
