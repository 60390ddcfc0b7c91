#include "apiserver/filters/chain.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "apiserver/audit/audit.h"

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
  // system:masters is never refused (maxinflight.go): the requests act as "jane" unless they
  // carry the admin's token.
  options.authenticator = [](const Request& r) -> Result<UserInfo> {
    if (r.Header("authorization") == "Bearer admin") {
      return UserInfo{"admin", "", {"system:masters", "system:authenticated"}};
    }
    return UserInfo{"jane", "", {"system:authenticated"}};
  };
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
  CHECK(refused.body == "Too many requests, please try again later.\n");
  CHECK(refused.content_type == "text/plain; charset=utf-8");
  Request admin = Get("/api/v1/namespaces/a/pods/b");  // a get: not held by the handler
  admin.headers["authorization"] = "Bearer admin";
  CHECK(chain(admin).code == 200);
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
  CHECK(late.body.find("\"Timeout: request did not complete within the allotted timeout\"") !=
        std::string::npos);
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
  options.authorizer = [](const Request& r, std::string*) -> Status {
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
  options.authorizer = [&](const Request& r, std::string*) -> Status {
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

namespace pk::apiserver::filters {
namespace {

std::string HeaderOf(const Response& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "";
}

TEST_CASE("CORS: a preflight from an allowed origin is answered; other origins get no headers") {
  ChainOptions options;
  options.cors_allowed_origins = {"//example\\.com(:|$)", "^https://ui\\.local$"};
  REQUIRE(ValidateCorsAllowedOrigins(options.cors_allowed_origins).ok());
  int served = 0;
  Handler chain = BuildHandlerChain(
      [&](Request&) {
        ++served;
        return Response{};
      },
      options);

  Request preflight = Get("/api/v1/pods");
  preflight.method = "OPTIONS";
  preflight.headers["origin"] = "https://example.com:8443";
  Response p = chain(preflight);
  CHECK(p.code == 204);
  CHECK(served == 0);  // answered before authentication and the API
  CHECK(HeaderOf(p, "Access-Control-Allow-Origin") == "https://example.com:8443");
  CHECK(HeaderOf(p, "Access-Control-Allow-Methods") == "POST, GET, OPTIONS, PUT, DELETE, PATCH");
  CHECK(HeaderOf(p, "Access-Control-Allow-Headers") ==
        "Content-Type, Content-Length, Accept-Encoding, X-CSRF-Token, Authorization, "
        "X-Requested-With, If-Modified-Since");
  CHECK(HeaderOf(p, "Access-Control-Expose-Headers") == "Date");
  CHECK(HeaderOf(p, "Access-Control-Allow-Credentials") == "true");

  Request get = Get("/api/v1/pods");
  get.headers["origin"] = "https://ui.local";
  Response g = chain(get);
  CHECK(g.code == 200);
  CHECK(served == 1);
  CHECK(HeaderOf(g, "Access-Control-Allow-Origin") == "https://ui.local");

  // Not allowed (example.com.evil.net does not end the host): served, no CORS headers.
  Request evil = Get("/api/v1/pods");
  evil.headers["origin"] = "https://example.com.evil.net";
  Response e = chain(evil);
  CHECK(served == 2);
  CHECK(HeaderOf(e, "Access-Control-Allow-Origin").empty());
  CHECK(HeaderOf(e, "Access-Control-Allow-Credentials").empty());
}

TEST_CASE("--cors-allowed-origins must pin the host, as kube-apiserver validates it") {
  CHECK(ValidateCorsAllowedOrigins({"^https://example\\.com(:|$)"}).ok());
  Status loose = ValidateCorsAllowedOrigins({"example.com"});
  CHECK_FALSE(loose.ok());
  CHECK(loose.message().starts_with(
      "--cors-allowed-origins has an invalid regular expression: regular expression does not "
      "pin to start/end of host in the origin header, help: List of allowed origins for CORS"));
  CHECK(ValidateCorsAllowedOrigins({""}).message().starts_with(
      "empty value in --cors-allowed-origins"));
  CHECK_FALSE(ValidateCorsAllowedOrigins({"^(unclosed$"}).ok());
}

TEST_CASE("the wait group: once shutdown waits, new requests get 503 with Retry-After") {
  RequestWaitGroup group;
  ChainOptions options;
  options.wait_group = &group;
  std::mutex mu;
  std::condition_variable cv;
  bool release = false, inside = false;
  Handler chain = BuildHandlerChain(
      [&](Request& r) {
        if (r.method == "POST") {
          std::unique_lock<std::mutex> lock(mu);
          inside = true;
          cv.notify_all();
          cv.wait_for(lock, std::chrono::seconds(10), [&] { return release; });
        }
        return Response{};
      },
      options);
  Response slow_answer;
  std::thread slow([&] {
    Request post = Get("/api/v1/namespaces/a/pods");
    post.method = "POST";
    slow_answer = chain(post);
  });
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, std::chrono::seconds(10), [&] { return inside; });
  }
  // Shutdown starts: it waits for the POST in flight.
  std::atomic<bool> drained{false};
  std::thread shutdown(
      [&] { drained = group.Wait(std::chrono::steady_clock::now() + std::chrono::seconds(10)); });
  for (int i = 0; i < 1000 && !group.shutting_down(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  Request late = Get("/api/v1/pods");
  Response refused = chain(late);
  CHECK(refused.code == 503);
  CHECK(refused.body.find("\"message\":\"apiserver is shutting down\"") != std::string::npos);
  CHECK(refused.body.find("\"reason\":\"ServiceUnavailable\"") != std::string::npos);
  CHECK(HeaderOf(refused, "Retry-After") == "1");
  Request probe = Get("/readyz");
  CHECK(chain(probe).code == 200);  // health probes are still served
  Request watch = Get("/api/v1/pods");
  watch.query.emplace("watch", "true");
  CHECK(chain(watch).code == 200);  // long-running: not counted, not refused
  CHECK_FALSE(drained);
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  slow.join();
  shutdown.join();
  CHECK(drained);
  CHECK(slow_answer.code == 200);  // the request in flight finished normally
  // A bounded wait returns false while a request is still in flight.
  RequestWaitGroup stuck;
  REQUIRE(stuck.Add());
  CHECK_FALSE(stuck.Wait(std::chrono::steady_clock::now() + std::chrono::milliseconds(20)));
  CHECK_FALSE(stuck.Add());
  stuck.Done();
}

TEST_CASE("every answer carries the Audit-Id header: the client's Audit-ID or a new UUID") {
  Handler chain = BuildHandlerChain([](Request&) { return Response{}; }, {});
  Request r = Get("/api/v1/pods");
  std::string id = HeaderOf(chain(r), "Audit-Id");
  CHECK(id.size() == 36);
  CHECK(id == r.audit_id);
  Request given = Get("/api/v1/pods");
  given.headers["audit-id"] = "my-id";
  CHECK(HeaderOf(chain(given), "Audit-Id") == "my-id");
  Handler failing =
      BuildHandlerChain([](Request&) -> Response { throw std::runtime_error("x"); }, {});
  Request f = Get("/api/v1/pods");
  CHECK(HeaderOf(failing(f), "Audit-Id") == f.audit_id);  // a 500 too
}

}  // namespace
}  // namespace pk::apiserver::filters

namespace pk::apiserver::filters {
namespace {

// A watch body that ends after one chunk.
class OneChunk : public BodyStream {
 public:
  void Start(std::function<void()>) override {}
  bool Read(std::string* out) override {
    *out += "{}\n";
    return false;
  }
  void Close() override {}
};

struct AuditFixture {
  AuditFixture() {
    dir = std::filesystem::temp_directory_path() / ("chain_audit_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/policy.yaml") << R"(apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: None
  nonResourceURLs: ["/healthz*"]
- level: RequestResponse
  resources: [{group: "", resources: ["pods"]}]
- level: Metadata
)";
    audit::Options o;
    o.policy_file = dir + "/policy.yaml";
    o.log.path = dir + "/audit.log";
    auto made = audit::NewAuditor(o);
    REQUIRE(made.ok());
    auditor = std::move(made).value();
  }
  ~AuditFixture() { std::filesystem::remove_all(dir); }
  std::vector<nlohmann::json> Events() {
    auditor->backend()->Flush();
    std::vector<nlohmann::json> out;
    std::ifstream in(dir + "/audit.log");
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
  }
  std::string dir;
  std::unique_ptr<audit::Auditor> auditor;
};

TEST_CASE("the audit filter: stages, user, objectRef, status, bodies and annotations") {
  AuditFixture fx;
  ChainOptions options;
  options.auditor = fx.auditor.get();
  options.authenticator = [](const Request& r) -> Result<UserInfo> {
    if (r.Header("authorization") == "Bearer good") {
      return UserInfo{"alice", "42", {"dev", "system:authenticated"}};
    }
    return Status::Unauthorized("Unauthorized");
  };
  options.authorizer = [](const Request& r, std::string* reason) -> Status {
    if (r.info.verb == "delete") return Status::Forbidden("alice may not delete");
    if (reason) *reason = "allowed by test";
    return Status();
  };
  Handler chain = BuildHandlerChain(
      [](Request& r) -> Response {
        Response out;
        if (r.path == "/api/v1/namespaces/a/pods/boom") throw std::runtime_error("boom");
        if (r.info.verb == "watch") {
          out.stream = std::make_shared<OneChunk>();
          return out;
        }
        if (r.method == "POST") out.code = 201;
        out.body = R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":"web","uid":"u1"}})";
        return out;
      },
      options);

  Request create = Get("/api/v1/namespaces/a/pods");
  create.method = "POST";
  create.request_uri = "/api/v1/namespaces/a/pods?fieldManager=kubectl-create";
  create.peer_address = "127.0.0.1";
  create.headers["authorization"] = "Bearer good";
  create.headers["user-agent"] = "kubectl/v1.32.0";
  create.body = R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":"web"}})";
  Response created = chain(create);
  REQUIRE(created.code == 201);
  auto events = fx.Events();
  REQUIRE(events.size() == 2);
  CHECK(events[0]["stage"] == "RequestReceived");
  CHECK_FALSE(events[0].contains("responseStatus"));
  const auto& e = events[1];
  CHECK(e["stage"] == "ResponseComplete");
  CHECK(e["level"] == "RequestResponse");
  CHECK(e["auditID"] == HeaderOf(created, "Audit-Id"));
  CHECK(e["auditID"] == events[0]["auditID"]);
  CHECK(e["verb"] == "create");
  CHECK(e["requestURI"] == "/api/v1/namespaces/a/pods?fieldManager=kubectl-create");
  CHECK(e["user"].dump() ==
        R"({"groups":["dev","system:authenticated"],"uid":"42","username":"alice"})");
  CHECK(e["sourceIPs"].dump() == R"(["127.0.0.1"])");
  CHECK(e["userAgent"] == "kubectl/v1.32.0");
  CHECK(e["objectRef"].dump() ==
        R"({"apiVersion":"v1","name":"web","namespace":"a","resource":"pods"})");
  CHECK(e["responseStatus"].dump() == R"({"code":201,"metadata":{}})");
  CHECK(e["requestObject"]["metadata"]["name"] == "web");
  CHECK(e["responseObject"]["metadata"]["uid"] == "u1");
  CHECK(e["annotations"]["authorization.k8s.io/decision"] == "allow");
  CHECK(e["annotations"]["authorization.k8s.io/reason"] == "allowed by test");

  Request del = Get("/api/v1/namespaces/a/pods/web");
  del.method = "DELETE";
  del.headers["authorization"] = "Bearer good";
  CHECK(chain(del).code == 403);
  events = fx.Events();
  REQUIRE(events.size() == 4);
  CHECK(events[3]["responseStatus"]["code"] == 403);
  CHECK(events[3]["responseStatus"]["reason"] == "Forbidden");
  CHECK(events[3]["responseStatus"]["message"] == "alice may not delete");
  CHECK(events[3]["annotations"]["authorization.k8s.io/decision"] == "forbid");

  Request bad = Get("/api/v1/pods");
  bad.headers["authorization"] = "Bearer wrong";
  CHECK(chain(bad).code == 401);
  events = fx.Events();
  REQUIRE(events.size() == 5);  // one event, at ResponseStarted (WithFailedAuthenticationAudit)
  CHECK(events[4]["stage"] == "ResponseStarted");
  CHECK(events[4]["user"].dump() == "{}");
  CHECK(events[4]["responseStatus"].dump() ==
        R"({"code":401,"message":"Authentication failed, attempted: bearer","metadata":{}})");
  Request cert = Get("/api/v1/pods");
  cert.headers["authorization"] = "Bearer wrong";
  cert.client_certificate = std::make_shared<const std::string>("DER");
  CHECK(chain(cert).code == 401);
  CHECK(fx.Events().back()["responseStatus"]["message"] ==
        "Authentication failed, attempted: bearer, x509");

  Request watch = Get("/api/v1/namespaces/a/pods");
  watch.query.emplace("watch", "true");
  watch.headers["authorization"] = "Bearer good";
  Response streamed = chain(watch);
  REQUIRE(streamed.stream);
  events = fx.Events();
  REQUIRE(events.size() == 8);
  CHECK(events[7]["stage"] == "ResponseStarted");
  std::string chunk;
  CHECK_FALSE(streamed.stream->Read(&chunk));  // the watch ends
  streamed.stream->Close();
  events = fx.Events();
  REQUIRE(events.size() == 9);
  CHECK(events[8]["stage"] == "ResponseComplete");
  CHECK(events[8]["verb"] == "watch");

  Request boom = Get("/api/v1/namespaces/a/pods/boom");
  boom.headers["authorization"] = "Bearer good";
  CHECK(chain(boom).code == 500);
  events = fx.Events();
  REQUIRE(events.size() == 11);
  CHECK(events[10]["stage"] == "Panic");
  CHECK(events[10]["responseStatus"]["message"] == "APIServer panic'd: boom");

  Request as = Get("/api/v1/namespaces/a/pods/web");
  as.headers["authorization"] = "Bearer good";
  as.headers["impersonate-user"] = "bob";
  CHECK(chain(as).code == 200);
  events = fx.Events();
  REQUIRE(events.size() == 13);
  CHECK(events[12]["user"]["username"] == "alice");
  CHECK(events[12]["impersonatedUser"]["username"] == "bob");

  Request health = Get("/healthz");
  health.headers["authorization"] = "Bearer good";
  chain(health);
  CHECK(fx.Events().size() == 13);  // level None
}

}  // namespace
}  // namespace pk::apiserver::filters

namespace pk::apiserver::filters {
namespace {

TEST_CASE("--shutdown-send-retry-after: during shutdown 429 with Retry-After: 5, probes served") {
  RequestWaitGroup group;
  ChainOptions options;
  options.wait_group = &group;
  options.shutdown_send_retry_after = true;
  Handler chain = BuildHandlerChain([](Request&) { return Response{}; }, options);
  Request before = Get("/api/v1/pods");
  CHECK(chain(before).code == 200);
  CHECK(group.Wait(std::chrono::steady_clock::now()));  // nothing in flight: drained at once
  Request after = Get("/api/v1/pods");
  Response refused = chain(after);
  CHECK(refused.code == 429);
  CHECK(refused.body == "The apiserver is shutting down, please try again later.\n");
  CHECK(HeaderOf(refused, "Retry-After") == "5");
  CHECK(HeaderOf(refused, "Connection") == "close");
  Request probe = Get("/livez");
  CHECK(chain(probe).code == 200);
  Request loopback = Get("/api/v1/pods");
  loopback.headers["user-agent"] = "kube-apiserver/v1.32.0";
  CHECK(chain(loopback).code == 200);
}

}  // namespace
}  // namespace pk::apiserver::filters
