#include "apimachinery/time.h"

#include <doctest/doctest.h>

namespace pk {
namespace {

TEST_CASE("RFC 3339 formatting and parsing") {
  CHECK(FormatRfc3339(0) == "1970-01-01T00:00:00Z");
  CHECK(FormatRfc3339(1678345149) == "2023-03-09T06:59:09Z");
  CHECK(FormatRfc3339(951782400) == "2000-02-29T00:00:00Z");  // leap day
  CHECK(FormatRfc3339Micro({1688507928, 65888000}) == "2023-07-04T21:58:48.065888Z");

  auto t = ParseRfc3339("2023-03-09T06:59:09Z");
  REQUIRE(t.ok());
  CHECK(t->seconds == 1678345149);
  t = ParseRfc3339("2023-07-04T21:58:48.065888Z");
  REQUIRE(t.ok());
  CHECK(t->nanos == 65888000);
  t = ParseRfc3339("2023-03-09T08:59:09+02:00");
  REQUIRE(t.ok());
  CHECK(t->seconds == 1678345149);
  for (const char* bad : {"", "2023-03-09", "2023-03-09T06:59:09", "2023-13-09T06:59:09Z",
                          "2023-03-09T06:59:09Zjunk", "2023-03-09T06:59:09.Z"}) {
    CAPTURE(bad);
    CHECK(ParseRfc3339(bad).status().reason() == Reason::kBadRequest);
  }
}

TEST_CASE("HTTP dates, as Go's net/http writes the Date header") {
  CHECK(FormatHttpDate(0) == "Thu, 01 Jan 1970 00:00:00 GMT");
  CHECK(FormatHttpDate(-1) == "Wed, 31 Dec 1969 23:59:59 GMT");
  CHECK(FormatHttpDate(1653274069) == "Mon, 23 May 2022 02:47:49 GMT");  // from an apiserver
  CHECK(FormatHttpDate(1796562178) == "Sun, 06 Dec 2026 13:02:58 GMT");
  CHECK(FormatHttpDate(951782400) == "Tue, 29 Feb 2000 00:00:00 GMT");
}

TEST_CASE("Go durations") {
  CHECK(FormatGoDuration(0) == "0s");
  CHECK(FormatGoDuration(1500000000) == "1.5s");
  CHECK(FormatGoDuration(90000000000) == "1m30s");
  CHECK(FormatGoDuration(3600000000000) == "1h0m0s");
  CHECK(FormatGoDuration(250000000) == "250ms");
  CHECK(FormatGoDuration(-2000000000) == "-2s");
  CHECK(*ParseGoDuration("1m30s") == 90000000000);
  CHECK(*ParseGoDuration("1.5h") == 5400000000000);
  CHECK(*ParseGoDuration("300ms") == 300000000);
  CHECK(!ParseGoDuration("10 parsecs").ok());
  CHECK(!ParseGoDuration("").ok());
}

}  // namespace
}  // namespace pk
