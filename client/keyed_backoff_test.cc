#include "client/keyed_backoff.h"

#include <doctest/doctest.h>

namespace pk::client {
namespace {

using std::chrono::seconds;

TEST_CASE("keyed back-off doubles from initial to max, measured from the event") {
  FakeClock clock;
  KeyedBackoff backoff(seconds(10), seconds(300), &clock);
  auto t0 = clock.WallNow();
  CHECK_FALSE(backoff.IsInBackOffSince("c", t0));
  backoff.Next("c", t0);
  CHECK(backoff.Get("c") == seconds(10));
  CHECK(backoff.IsInBackOffSince("c", t0));
  clock.Advance(seconds(11));
  CHECK_FALSE(backoff.IsInBackOffSince("c", t0));
  for (int i = 0; i < 10; ++i) backoff.Next("c", clock.WallNow());
  CHECK(backoff.Get("c") == seconds(300));
  CHECK(backoff.Get("other") == Clock::Duration{});
}

TEST_CASE("since-update back-off ends its delay after the last failure (image pulls)") {
  FakeClock clock;
  KeyedBackoff backoff(seconds(10), seconds(300), &clock);
  CHECK_FALSE(backoff.IsInBackOffSinceUpdate("pull", clock.WallNow()));
  backoff.Next("pull", clock.WallNow());  // the pull failed
  clock.Advance(seconds(5));
  CHECK(backoff.IsInBackOffSinceUpdate("pull", clock.WallNow()));  // ImagePullBackOff
  clock.Advance(seconds(6));
  CHECK_FALSE(backoff.IsInBackOffSinceUpdate("pull", clock.WallNow()));  // pull again
  // Measured from "now", the other form would never end until the key expires.
  CHECK(backoff.IsInBackOffSince("pull", clock.WallNow()));
}

TEST_CASE("a key left alone for 2 x max starts over, and GC forgets it") {
  FakeClock clock;
  KeyedBackoff backoff(seconds(10), seconds(300), &clock);
  backoff.Next("c", clock.WallNow());
  backoff.Next("c", clock.WallNow());
  CHECK(backoff.Get("c") == seconds(20));
  clock.Advance(seconds(601));
  CHECK_FALSE(backoff.IsInBackOffSince("c", clock.WallNow()));
  backoff.Next("c", clock.WallNow());
  CHECK(backoff.Get("c") == seconds(10));
  clock.Advance(seconds(601));
  backoff.GC();
  CHECK(backoff.Get("c") == Clock::Duration{});
}

}  // namespace
}  // namespace pk::client
