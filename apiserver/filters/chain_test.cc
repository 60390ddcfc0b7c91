#include "apiserver/filters/chain.h"

#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace pk::apiserver::filters {
namespace {

Request Get(const std::string& path) {
  Request r;
  r.method = "GET";
  r.path = path;
  return r;
}

TEST_CASE("the chain fills request info and the user before the API handler") {
  RequestInfo seen;
  UserInfo user;
  Handler chain = BuildHandlerChain(
      [&](Request& r) {
        seen = r.info;
        user = r.user;
        return Response{};
      },
      {});
  Request r = Get("/api/v1/namespaces/a/pods/b");
  CHECK(chain(r).code == 200);
  CHECK(seen.resource == "pods");
  CHECK(seen.name == "b");
  CHECK(user.name == "system:admin");  // insecure serving: no authenticator
  CHECK(r.deadline != std::chrono::steady_clock::time_point::max());
}

TEST_CASE("an exception in a handler is a 500 Status, not a crash") {
  Handler chain =
      BuildHandlerChain([](Request&) -> Response { throw std::runtime_error("boom"); }, {});
  Request r = Get("/api/v1/pods");
  Response out = chain(r);
  CHECK(out.code == 500);
  CHECK(out.body.find("InternalError") != std::string::npos);
  CHECK(out.body.find("boom") != std::string::npos);
}

TEST_CASE("over the in-flight limit a request gets 429 with Retry-After; watches are exempt") {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> inside{0};
  ChainOptions options;
  options.max_requests_in_flight = 2;
  Handler chain = BuildHandlerChain(
      [&](Request& r) {
        if (r.info.verb == "list") {
          inside++;
          std::unique_lock<std::mutex> lock(mu);
          cv.wait_for(lock, std::chrono::seconds(10), [&] { return release; });
        }
        return Response{};
      },
      options);
  std::vector<std::thread> holders;
  for (int i = 0; i < 2; ++i) {
    holders.emplace_back([&] {
      Request r = Get("/api/v1/pods");
      chain(r);
    });
  }
  for (int i = 0; i < 1000 && inside < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE(inside == 2);
  Request third = Get("/api/v1/pods");
  Response refused = chain(third);
  CHECK(refused.code == 429);
  CHECK(refused.body.find("TooManyRequests") != std::string::npos);
  bool retry_after = false;
  for (const auto& [name, value] : refused.headers)
    retry_after |= name == "Retry-After" && value == "1";
  CHECK(retry_after);
  Request watch = Get("/api/v1/pods");
  watch.query.emplace("watch", "true");
  CHECK(chain(watch).code == 200);
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  for (auto& t : holders) t.join();
  Request after = Get("/api/v1/pods");
  CHECK(chain(after).code == 200);  // slots are given back
}

TEST_CASE("a client timeout shortens the deadline; a bad one is 400") {
  std::chrono::steady_clock::time_point deadline;
  Handler chain = BuildHandlerChain(
      [&](Request& r) {
        deadline = r.deadline;
        return Response{};
      },
      {});
  Request r = Get("/api/v1/pods");
  r.query.emplace("timeout", "2s");
  auto before = std::chrono::steady_clock::now();
  chain(r);
  CHECK(deadline - before <= std::chrono::seconds(3));
  Request bad = Get("/api/v1/pods");
  bad.query.emplace("timeout", "soon");
  CHECK(chain(bad).code == 400);
}

TEST_CASE("a read that overruns its deadline is 504; a write reports what it did") {
  Handler chain = BuildHandlerChain(
      [](Request&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1100));
        return Response{};
      },
      {});
  Request read = Get("/api/v1/pods");
  read.query.emplace("timeout", "1s");
  Response late = chain(read);
  CHECK(late.code == 504);
  CHECK(late.body.find("request did not complete within requested timeout") != std::string::npos);
  Request write = Get("/api/v1/namespaces/a/pods");
  write.method = "POST";
  write.query.emplace("timeout", "1s");
  CHECK(chain(write).code == 200);
}

TEST_CASE("the authentication and authorization slots refuse with their Status") {
  ChainOptions options;
  options.authenticator = [](const Request& r) -> Result<UserInfo> {
    if (r.Header("authorization") == "Bearer good") return UserInfo{"alice", "", {}};
    return Status::Unauthorized("Unauthorized");
  };
  options.authorizer = [](const Request& r) -> Status {
    if (r.info.verb == "delete") return Status::Forbidden("alice may not delete");
    return Status();
  };
  Handler chain = BuildHandlerChain([](Request&) { return Response{}; }, options);
  Request anonymous = Get("/api/v1/pods");
  CHECK(chain(anonymous).code == 401);
  Request alice = Get("/api/v1/pods");
  alice.headers["authorization"] = "Bearer good";
  CHECK(chain(alice).code == 200);
  Request del = alice;
  del.method = "DELETE";
  del.path = "/api/v1/namespaces/a/pods/b";
  CHECK(chain(del).code == 403);
}

}  // namespace
}  // namespace pk::apiserver::filters

namespace pk::apiserver::filters {
namespace {

TEST_CASE("impersonation: each impersonated name is authorized, then the request acts as it") {
  std::vector<std::string> asked;  // "verb resource ns/name" the authorizer was asked
  ChainOptions options;
  options.authorizer = [&](const Request& r) -> Status {
    if (r.info.verb == "impersonate") {
      asked.push_back(r.info.resource + " " + r.info.ns + "/" + r.info.name);
      if (r.info.name == "root") return Status::Forbidden("users \"root\" is forbidden");
    }
    return {};
  };
  UserInfo user;
  Handler chain = BuildHandlerChain(
      [&](Request& r) {
        user = r.user;
        return Response{};
      },
      options);

  Request r = Get("/api/v1/pods");
  r.headers["impersonate-user"] = "jane";
  r.headers["impersonate-group"] = "dev, ops";  // two headers, as the HTTP layer joins them
  REQUIRE(chain(r).code == 200);
  CHECK(user.name == "jane");
  CHECK(user.groups == std::vector<std::string>{"dev", "ops", "system:authenticated"});
  CHECK(asked == std::vector<std::string>{"users /jane", "groups /dev", "groups /ops"});

  asked.clear();
  r = Get("/api/v1/pods");
  r.headers["impersonate-user"] = "system:serviceaccount:team:builder";
  REQUIRE(chain(r).code == 200);
  CHECK(asked == std::vector<std::string>{"serviceaccounts team/builder"});
  CHECK(user.groups == std::vector<std::string>{"system:serviceaccounts",
                                                "system:serviceaccounts:team",
                                                "system:authenticated"});

  r = Get("/api/v1/pods");
  r.headers["impersonate-user"] = "root";
  CHECK(chain(r).code == 403);
  r = Get("/api/v1/pods");
  r.headers["impersonate-group"] = "dev";  // a group without a user
  CHECK(chain(r).code == 400);
}

}  // namespace
}  // namespace pk::apiserver::filters
