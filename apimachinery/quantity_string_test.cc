// Canonical strings of quantities: tests ported from
// k8s.io/apimachinery/pkg/api/resource/quantity_test.go.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <vector>

#include "apimachinery/quantity.h"
#include "apimachinery/quantity_testing.h"

namespace pk {
namespace {

using namespace quantity_testing;  // NOLINT: test helpers

struct StringCase {
  Quantity in;
  std::string expect;
  std::string alternate;
};

TEST_CASE("Quantity::ToString writes Kubernetes' canonical form") {
  const std::vector<StringCase> table = {
      {Dec(1024 * 1024 * 1024, 0, kBinarySI), "1Gi", "1024Mi"},
      {Dec(300 * 1024 * 1024, 0, kBinarySI), "300Mi", "307200Ki"},
      {Dec(6 * 1024, 0, kBinarySI), "6Ki", ""},
      {Dec(1001LL * 1024 * 1024 * 1024, 0, kBinarySI), "1001Gi", "1025024Mi"},
      {Dec(1024LL * 1024 * 1024 * 1024, 0, kBinarySI), "1Ti", "1024Gi"},
      {Dec(5, 0, kBinarySI), "5", "5000m"},
      {Dec(500, -3, kBinarySI), "500m", "0.5"},
      {Dec(1, 9, kDecimalSI), "1G", "1000M"},
      {Dec(1000, 6, kDecimalSI), "1G", "0.001T"},
      {Dec(1000000, 3, kDecimalSI), "1G", ""},
      {Dec(1000000000, 0, kDecimalSI), "1G", ""},
      {Dec(1, -3, kDecimalSI), "1m", "1000u"},
      {Dec(80, -3, kDecimalSI), "80m", ""},
      {Dec(1080, -3, kDecimalSI), "1080m", "1.08"},
      {Dec(108, -2, kDecimalSI), "1080m", "1080000000n"},
      {Dec(10800, -4, kDecimalSI), "1080m", ""},
      {Dec(300, 6, kDecimalSI), "300M", ""},
      {Dec(1, 12, kDecimalSI), "1T", ""},
      {Dec(1, 18, kDecimalSI), "1E", ""},
      // DecimalSI has no suffix beyond "E": larger exponents fall back to "e".
      {Dec(1, 21, kDecimalSI), "1e21", "1000E"},
      {Dec(5, 21, kDecimalSI), "5e21", "5000E"},
      {Dec(1, 24, kDecimalSI), "1e24", "1000000E"},
      {Dec(1234567, 6, kDecimalSI), "1234567M", ""},
      {Dec(1234567, -3, kBinarySI), "1234567m", ""},
      {Dec(3, 3, kDecimalSI), "3k", ""},
      {Dec(1025, 0, kBinarySI), "1025", ""},
      {Dec(0, 0, kDecimalSI), "0", ""},
      {Dec(0, 0, kBinarySI), "0", ""},
      {Dec(1, 9, kDecimalExponent), "1e9", ".001e12"},
      {Dec(1, -3, kDecimalExponent), "1e-3", "0.001e0"},
      {Dec(1, -9, kDecimalExponent), "1e-9", "1000e-12"},
      {Dec(80, -3, kDecimalExponent), "80e-3", ""},
      {Dec(300, 6, kDecimalExponent), "300e6", ""},
      {Dec(1, 12, kDecimalExponent), "1e12", ""},
      {Dec(1, 3, kDecimalExponent), "1e3", ""},
      {Dec(3, 3, kDecimalExponent), "3e3", ""},
      {Dec(0, 0, kDecimalExponent), "0", "00"},
      {Dec(1, -9, kDecimalSI), "1n", ""},
      {Dec(80, -9, kDecimalSI), "80n", ""},
      {Dec(1080, -9, kDecimalSI), "1080n", ""},
      {Dec(108, -8, kDecimalSI), "1080n", ""},
      {Dec(10800, -10, kDecimalSI), "1080n", ""},
      {Dec(1, -6, kDecimalSI), "1u", ""},
      {Dec(80, -6, kDecimalSI), "80u", ""},
      {Dec(1080, -6, kDecimalSI), "1080u", ""},
  };
  for (const StringCase& item : table) {
    INFO(item.expect);
    CHECK(item.in.ToString() == item.expect);
    CHECK(MustParse(item.expect).ToString() == item.expect);
    if (!item.alternate.empty()) {
      INFO(item.alternate);
      CHECK(MustParse(item.alternate).ToString() == item.expect);
    }
    if (!item.in.IsZero()) CHECK(Negated(item.in).ToString() == "-" + item.expect);
  }
}

TEST_CASE("Quantity parse then emit, with either sign") {
  const std::vector<std::pair<std::string, std::string>> table = {
      {"1Ki", "1Ki"},
      {"1Mi", "1Mi"},
      {"1Gi", "1Gi"},
      {"1024Mi", "1Gi"},
      {"1000M", "1G"},
      {".001Ki", "1024m"},
      {".000001Ki", "1024u"},
      {".000000001Ki", "1024n"},
      {".000000000001Ki", "2n"},
      {"1000m", "1"},
      {"0.5", "500m"},
      {"2000", "2k"},
      {"1500", "1500"},
      {"1.5Gi", "1536Mi"},
      {"1536Mi", "1536Mi"},
      {"1.5", "1500m"},
      {"18446744073709551616", "18446744073709551616"},
      {"1.2345", "1234500u"},
      {"8Ki", "8Ki"},
      {"1025Ki", "1025Ki"},
  };
  for (const auto& [in, expect] : table) {
    INFO(in);
    CHECK(MustParse(in).ToString() == expect);
    CHECK(MustParse("-" + in).ToString() == "-" + expect);
  }
}

TEST_CASE("Quantity::ToString returns a canonical-looking input as written, as Go does") {
  // Go keeps the parsed text when its int64 fast path sees a canonical-looking input.
  CHECK(MustParse("1E3").ToString() == "1E3");
  CHECK(MustParse("+1").ToString() == "+1");
  CHECK(MustParse("01").ToString() == "01");
  CHECK(MustParse("1.500k").ToString() == "1.500k");
  CHECK(MustParse("1000e0").ToString() == "1e3");
  // Any change drops the kept text.
  Quantity q = MustParse("1E3");
  q.Add(Quantity());
  CHECK(q.ToString() == "1e3");
  Quantity formatted = MustParse("+1");
  formatted.set_format(kDecimalSI);
  CHECK(formatted.ToString() == "1");
}

TEST_CASE("Quantity::FromMilli and FromInt") {
  CHECK(Quantity::FromMilli(1, kDecimalSI).ToString() == "1m");
  CHECK(Quantity::FromMilli(1000, kDecimalSI).ToString() == "1");
  CHECK(Quantity::FromMilli(1234000, kDecimalSI).ToString() == "1234");
  CHECK(Quantity::FromMilli(1024, kBinarySI).ToString() == "1024m");  // format changes
  CHECK(Quantity::FromMilli(1000000, kDecimalExponent).ToString() == "1e3");
  CHECK(Quantity::FromMilli(1024 * 1024, kBinarySI).ToString() == "1048576m");
  CHECK(Quantity::FromInt(1, kDecimalSI).ToString() == "1");
  CHECK(Quantity::FromInt(1000, kDecimalSI).ToString() == "1k");
  CHECK(Quantity::FromInt(1234000, kDecimalSI).ToString() == "1234k");
  CHECK(Quantity::FromInt(1024, kBinarySI).ToString() == "1Ki");
  CHECK(Quantity::FromInt(1000000, kDecimalExponent).ToString() == "1e6");
  CHECK(Quantity::FromInt(1024 * 1024, kBinarySI).ToString() == "1Mi");
  for (int64_t milli : {1LL, 1000LL, 1234000LL}) {
    CHECK(MustParse(Quantity::FromMilli(milli).ToString()).MilliValue() == milli);
  }
  for (int64_t value : {1LL, 1000LL, 1234000LL, 1024LL, 1048576LL}) {
    CHECK(MustParse(Quantity::FromInt(value, kBinarySI).ToString()).Value() == value);
  }
  CHECK(Quantity().ToString() == "0");
  CHECK(MustParse("0").ToString() == "0");
}

}  // namespace
}  // namespace pk
