// The pod-flow trace through a whole in-process apiserver: pods written over REST and gRPC,
// their apiserver spans read back at /debug/picokube/traces/, components' spans through the
// TraceService on the gRPC port.
#include <doctest/doctest.h>
#include <grpcpp/grpcpp.h>

#include <fstream>

// clang-format off
#include <utility>  // before Boost 1.74's asio, which needs std::exchange
// clang-format on

#include <fmt/format.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "apiserver/apiserver.h"
#include "apiserver/testing_http.h"
#include "client/clientset.h"
#include "proto/core/v1/binding.pb.h"
#include "proto/trace/v1/trace.grpc.pb.h"
#include "tests/testing.h"
#include "trace/trace.h"

namespace pk::apiserver {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using nlohmann::json;

using http_testing::HttpAnswer;

// As kubectl sends it: the trace draws the client's lifeline from its user agent.
HttpAnswer Http(uint16_t port, bhttp::verb verb, const std::string& target,
                const std::string& body = "") {
  return http_testing::Http(port, verb, target, body, "application/json",
                            "kubectl/v1.30.0 (linux/amd64) kubernetes/7c48c2b");
}

struct Server {
  explicit Server(size_t trace_pods = 5000) {
    Options options;
    options.data_dir = (dir.path() / "data").string();
    options.trace_pods = trace_pods;
    auto started = ApiServer::Start(options);
    REQUIRE_MESSAGE(started.ok(), started.status().ToString());
    server = std::move(started).value();
    // What the controller-manager's serviceaccount controller would make: pods need it.
    HttpAnswer sa =
        Http(server->port(), bhttp::verb::post, "/api/v1/namespaces/default/serviceaccounts",
             R"({"metadata":{"name":"default"}})");
    REQUIRE_MESSAGE(sa.code == 201, sa.body);
  }
  std::shared_ptr<grpc::Channel> Channel() const {
    return grpc::CreateChannel(fmt::format("127.0.0.1:{}", server->grpc_port()),
                               grpc::InsecureChannelCredentials());
  }
  json Trace(const std::string& pod) const {
    HttpAnswer a = Http(server->port(), bhttp::verb::get, "/debug/picokube/traces/default/" + pod);
    REQUIRE_MESSAGE(a.code == 200, a.body);
    return json::parse(a.body);
  }
  pk::testing::TempDir dir;
  std::unique_ptr<ApiServer> server;
};

std::vector<std::string> Steps(const json& trace) {
  std::vector<std::string> steps;
  for (const auto& s : trace["spans"]) steps.push_back(s["step"]);
  return steps;
}

const std::vector<std::string> kCreateSteps = {"request received",
                                               "authentication",
                                               "authorization",
                                               "decode",
                                               "managed fields",
                                               "admission: NamespaceLifecycle",
                                               "admission: LimitRanger",
                                               "admission: ServiceAccount",
                                               "admission: PodSecurity",
                                               "admission: Priority",
                                               "admission: DefaultTolerationSeconds",
                                               "admission: MutatingAdmissionWebhook",
                                               "admission: ValidatingAdmissionWebhook",
                                               "admission: ResourceQuota",
                                               "validation",
                                               "admission: NamespaceLifecycle",
                                               "admission: LimitRanger",
                                               "admission: ServiceAccount",
                                               "admission: PodSecurity",
                                               "admission: Priority",
                                               "admission: DefaultTolerationSeconds",
                                               "admission: MutatingAdmissionWebhook",
                                               "admission: ValidatingAdmissionWebhook",
                                               "admission: ResourceQuota",
                                               "store write",
                                               "response"};

const char* kPodJson = R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"nginx"},)"
                       R"("spec":{"containers":[{"name":"c","image":"nginx"}]}})";

TEST_CASE("a pod created over REST: the apiserver's spans in order, by name, in 3 formats") {
  Server s;
  uint16_t port = s.server->port();
  HttpAnswer created = Http(port, bhttp::verb::post, "/api/v1/namespaces/default/pods", kPodJson);
  REQUIRE_MESSAGE(created.code == 201, created.body);
  json trace = s.Trace("nginx");
  CHECK(trace["pod"]["name"] == "nginx");
  CHECK(trace["pod"]["uid"] == json::parse(created.body)["metadata"]["uid"]);
  CHECK(Steps(trace) == kCreateSteps);
  const json& spans = trace["spans"];
  CHECK(spans[0]["client"] == "kubectl");
  CHECK(spans[0]["detail"].get<std::string>().find("POST /api/v1/namespaces/default/pods via "
                                                   "REST") == 0);
  CHECK(spans[1]["detail"].get<std::string>().find("system:anonymous") != std::string::npos);
  for (size_t i = 5; i <= 13; ++i) CHECK(spans[i]["detail"] == "mutating: ok");
  for (size_t i = 15; i <= 23; ++i) CHECK(spans[i]["detail"] == "validating: ok");
  std::string rv = json::parse(created.body)["metadata"]["resourceVersion"];
  CHECK(spans[24]["detail"] == "create, revision " + rv);
  CHECK(spans[25]["detail"] == "201");
  for (size_t i = 1; i < spans.size(); ++i) {
    CHECK(spans[i]["startUnixNano"] >= spans[i - 1]["startUnixNano"]);
  }
  HttpAnswer text =
      Http(port, bhttp::verb::get, "/debug/picokube/traces/default/nginx?format=text");
  CHECK(text.code == 200);
  CHECK(text.content_type.find("text/plain") == 0);
  CHECK(text.body.find("store write") != std::string::npos);
  CHECK(text.body.find("Longest hop:") != std::string::npos);
  HttpAnswer svg = Http(port, bhttp::verb::get, "/debug/picokube/traces/default/nginx?format=svg");
  CHECK(svg.code == 200);
  CHECK(svg.content_type == "image/svg+xml");
  CHECK(svg.body.find(">kubectl<") != std::string::npos);
}

TEST_CASE("binding, status and deletion join the trace; a deleted pod's trace stays readable") {
  Server s;
  uint16_t port = s.server->port();
  REQUIRE(Http(port, bhttp::verb::post, "/api/v1/namespaces/default/pods", kPodJson).code == 201);
  std::string binding =
      R"({"apiVersion":"v1","kind":"Binding","metadata":{"name":"nginx"},"target":{"name":"n1"}})";
  std::string path = "/api/v1/namespaces/default/pods/nginx/binding";
  REQUIRE(Http(port, bhttp::verb::post, path, binding).code == 201);
  CHECK(Http(port, bhttp::verb::post, path, binding).code == 409);  // bound already
  client::Clientset cs(s.Channel());
  auto pod = cs.Pods("default").Get("nginx");
  REQUIRE(pod.ok());
  k8s::core::v1::Pod running = **pod;
  running.mutable_status()->set_phase("Running");
  REQUIRE(cs.Pods("default").UpdateStatus(running).ok());
  REQUIRE(
      Http(port, bhttp::verb::delete_, "/api/v1/namespaces/default/pods/nginx?gracePeriodSeconds=0")
          .code == 200);
  json trace = s.Trace("nginx");
  std::vector<std::string> writes, answers;
  for (const auto& span : trace["spans"]) {
    if (span["step"] == "store write") writes.push_back(span["detail"]);
    if (span["step"] == "response") answers.push_back(span["detail"]);
  }
  REQUIRE(writes.size() == 5);  // create, bind, the refused bind, status, delete
  CHECK(writes[1].find("update, revision") == 0);
  CHECK(writes[2].find("update failed: ") == 0);
  CHECK(writes[3].find("update, revision") == 0);
  CHECK(writes[4].find("delete, revision") == 0);
  REQUIRE(answers.size() == 5);
  CHECK(answers[2].find("409 Conflict") == 0);
  CHECK(trace["spans"].back()["step"] == "response");
}

TEST_CASE("a pod created over gRPC; components' spans arrive through the TraceService") {
  Server s;
  client::Clientset cs(s.Channel());
  k8s::core::v1::Pod pod;
  pod.mutable_metadata()->set_name("web");
  auto* c = pod.mutable_spec()->add_containers();
  c->set_name("c");
  c->set_image("nginx");
  auto created = cs.Pods("default").Create(pod);
  REQUIRE(created.ok());
  {
    trace::RecorderOptions options;
    options.component = "kubelet";
    trace::Recorder recorder(s.Channel(), options);
    trace::ScopedSpan span(recorder, trace::PodRef::Of(**created), "pod seen");
  }  // the recorder sends on destruction
  json trace = s.Trace("web");
  std::vector<std::string> steps = Steps(trace);
  REQUIRE(steps.size() == kCreateSteps.size() + 1);
  CHECK(std::vector<std::string>(steps.begin(), steps.end() - 1) == kCreateSteps);
  CHECK(trace["spans"][0]["detail"].get<std::string>().find("via gRPC") != std::string::npos);
  CHECK(trace["spans"].back()["component"] == "kubelet");
  CHECK(trace["hops"].back()["to"] == "kubelet");
}

// One Record call of `spans` spans of a pod, as `token` (none: anonymous).
grpc::Status RecordAs(const std::shared_ptr<grpc::Channel>& channel, const std::string& token,
                      int spans, picokube::trace::v1::RecordResponse* out) {
  picokube::trace::v1::RecordRequest request;
  for (int i = 0; i < spans; ++i) {
    trace::Span* span = request.add_spans();
    span->set_pod_uid("uid-rbac");
    span->set_namespace_("default");
    span->set_pod_name("rbac");
    span->set_component("scheduler");
    span->set_step(fmt::format("step {}", i));
  }
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  return picokube::trace::v1::TraceService::NewStub(channel)->Record(&context, request, out);
}

TEST_CASE("the TraceService runs through the handler chain: only components may add spans") {
  pk::testing::TempDir dir;
  Options options;
  options.data_dir = (dir.path() / "data").string();
  options.trace_pods = 100;
  options.authorization_mode = "Node,RBAC";
  options.authentication.token_auth_file = (dir.path() / "tokens.csv").string();
  std::ofstream(options.authentication.token_auth_file)
      << "admin-token,system:admin,admin,system:masters\n"
      << "scheduler-token,system:kube-scheduler,scheduler\n"
      << "node-token,system:node:n1,node-n1,system:nodes\n"
      << "someone-token,someone,someone\n";
  auto started = ApiServer::Start(options);
  REQUIRE_MESSAGE(started.ok(), started.status().ToString());
  auto channel = grpc::CreateChannel(fmt::format("127.0.0.1:{}", (*started)->grpc_port()),
                                     grpc::InsecureChannelCredentials());
  picokube::trace::v1::RecordResponse out;
  for (const char* refused : {"someone-token", ""}) {
    CAPTURE(refused);
    grpc::Status s = RecordAs(channel, refused, 1, &out);
    CHECK(s.error_code() == grpc::StatusCode::PERMISSION_DENIED);
    CHECK(s.error_message().find("/debug/picokube/traces") != std::string::npos);
  }
  CHECK(RecordAs(channel, "wrong-token", 1, &out).error_code() ==
        grpc::StatusCode::UNAUTHENTICATED);
  for (const char* allowed : {"scheduler-token", "node-token", "admin-token"}) {
    CAPTURE(allowed);
    grpc::Status s = RecordAs(channel, allowed, 2, &out);
    CHECK_MESSAGE(s.ok(), s.error_message());
    CHECK(out.accepted() == 2);
  }
  // What was refused never reached the store: the 3 x 2 accepted spans are all there is.
  HttpAnswer trace = http_testing::HttpWithHeaders(
      (*started)->port(), bhttp::verb::get, "/debug/picokube/traces/default/rbac?uid=uid-rbac",
      "", {{"Authorization", "Bearer admin-token"}});
  REQUIRE_MESSAGE(trace.code == 200, trace.body);
  CHECK(json::parse(trace.body)["spans"].size() == 6);
}

TEST_CASE("errors are Kubernetes Status objects that say what to fix; reads are not traced") {
  Server s;
  uint16_t port = s.server->port();
  HttpAnswer missing = Http(port, bhttp::verb::get, "/debug/picokube/traces/default/nope");
  CHECK(missing.code == 404);
  json status = json::parse(missing.body);
  CHECK(status["kind"] == "Status");
  CHECK(status["reason"] == "NotFound");
  CHECK(status["message"].get<std::string>().find("check the pod's name and namespace") !=
        std::string::npos);
  CHECK(Http(port, bhttp::verb::get, "/debug/picokube/traces/default").code == 404);
  REQUIRE(Http(port, bhttp::verb::post, "/api/v1/namespaces/default/pods", kPodJson).code == 201);
  CHECK(Http(port, bhttp::verb::get, "/debug/picokube/traces/default/nginx?format=xml").code ==
        400);
  REQUIRE(Http(port, bhttp::verb::get, "/api/v1/namespaces/default/pods/nginx").code == 200);
  CHECK(s.Trace("nginx")["spans"].size() == kCreateSteps.size());
}

TEST_CASE("with --trace-pods 0 nothing is traced and the page says how to turn it on") {
  Server s(0);
  uint16_t port = s.server->port();
  REQUIRE(Http(port, bhttp::verb::post, "/api/v1/namespaces/default/pods", kPodJson).code == 201);
  HttpAnswer off = Http(port, bhttp::verb::get, "/debug/picokube/traces/default/nginx");
  CHECK(off.code == 404);
  CHECK(off.body.find("--trace-pods") != std::string::npos);
}

}  // namespace
}  // namespace pk::apiserver
