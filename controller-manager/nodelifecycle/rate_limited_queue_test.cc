#include "controller-manager/nodelifecycle/rate_limited_queue.h"

#include <doctest/doctest.h>

#include <vector>

namespace pk::controllers {
namespace {

using std::chrono::milliseconds;

TEST_CASE("the tainting queue takes nodes in order at its rate, once until removed") {
  client::FakeClock clock;
  RateLimitedTimedQueue q(2, clock);  // one node per 500 ms, burst 1
  CHECK(q.Add("a"));
  CHECK(q.Add("b"));
  CHECK(!q.Add("a"));  // already queued
  std::vector<std::string> done;
  auto take = [&](const std::string& n) {
    done.push_back(n);
    return std::pair<bool, client::Clock::Duration>{true, {}};
  };
  q.Try(take);
  CHECK(done == std::vector<std::string>{"a"});
  clock.Advance(milliseconds(200));
  q.Try(take);
  CHECK(done.size() == 1);  // no token yet
  clock.Advance(milliseconds(400));
  q.Try(take);
  CHECK(done == std::vector<std::string>{"a", "b"});
  CHECK(!q.Add("a"));    // processed nodes stay known...
  CHECK(q.Remove("a"));  // ...until they are removed (reachable again)
  CHECK(q.Add("a"));
}

TEST_CASE("a failed node is retried after its delay; a zero rate stops the queue") {
  client::FakeClock clock;
  RateLimitedTimedQueue q(1000, clock);
  q.Add("a");
  int tries = 0;
  auto fail_once = [&](const std::string&) {
    ++tries;
    return std::pair<bool, client::Clock::Duration>{tries > 1, milliseconds(50)};
  };
  q.Try(fail_once);
  CHECK(tries == 1);
  clock.Advance(milliseconds(10));
  q.Try(fail_once);
  CHECK(tries == 1);  // not due yet
  clock.Advance(milliseconds(50));
  q.Try(fail_once);
  CHECK(tries == 2);
  q.Remove("a");
  q.Add("b");
  q.SwapLimiter(0);
  clock.Advance(milliseconds(1000));
  q.Try(fail_once);
  CHECK(tries == 2);
}

}  // namespace
}  // namespace pk::controllers
