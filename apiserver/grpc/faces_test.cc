// The same requests, good and bad, through both faces of one in-process apiserver: REST with
// Kubernetes JSON and gRPC with typed objects must give the same objects and the same errors.
#include <doctest/doctest.h>
#include <grpcpp/grpcpp.h>

// clang-format off
#include <utility>  // before Boost 1.74's asio, which needs std::exchange
// clang-format on

#include <fmt/format.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "apimachinery/api_status.h"
#include "apimachinery/codec.h"
#include "apimachinery/scheme.h"
#include "apiserver/apiserver.h"
#include "apiserver/grpc/resource_service.h"
#include "apiserver/grpc/watch_reactor.h"
#include "apiserver/testing_http.h"
#include "client/errors.h"
#include "proto/api/resource.grpc.pb.h"
#include "proto/core/v1/pod.pb.h"
#include "tests/testing.h"

namespace pk::apiserver {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using k8s::core::v1::Pod;

using http_testing::Http;
using http_testing::HttpAnswer;

// A Kubernetes Status from a REST error body.
Status RestError(const HttpAnswer& answer) {
  k8s::meta::v1::Status api;
  json::DecodeReport report;
  REQUIRE(json::Decode(answer.body, &api, &report).ok());
  return FromApiStatus(api);
}

Pod PodFromJson(const std::string& text) {
  Pod pod;
  json::DecodeReport report;
  REQUIRE(json::Decode(text, &pod, &report).ok());
  return pod;
}

// What differs between two otherwise identical creations.
Pod Normalized(Pod pod) {
  auto* meta = pod.mutable_metadata();
  meta->clear_name();
  meta->clear_uid();
  meta->clear_resource_version();
  meta->clear_creation_timestamp();
  meta->clear_managed_fields();
  // The ServiceAccount plugin names the token volume at random (kube-api-access-XXXXX).
  for (auto& v : *pod.mutable_spec()->mutable_volumes()) {
    if (v.name().starts_with("kube-api-access-")) v.set_name("kube-api-access");
  }
  for (auto& c : *pod.mutable_spec()->mutable_containers()) {
    for (auto& m : *c.mutable_volume_mounts()) {
      if (m.name().starts_with("kube-api-access-")) m.set_name("kube-api-access");
    }
  }
  return pod;
}

struct Faces {
  Faces() {
    Options options;
    options.data_dir = (dir.path() / "data").string();
    auto started = ApiServer::Start(options);
    REQUIRE(started.ok());
    server = std::move(started).value();
    // What the controller-manager's serviceaccount controller would make: pods need it.
    REQUIRE(Http(server->port(), bhttp::verb::post, "/api/v1/namespaces/default/serviceaccounts",
                 R"({"metadata":{"name":"default"}})")
                .code == 201);
    auto channel = grpc::CreateChannel(fmt::format("127.0.0.1:{}", server->grpc_port()),
                                       grpc::InsecureChannelCredentials());
    service = k8s::api::ResourceService::NewStub(channel);
  }

  k8s::api::ObjectRequest PodRequest(const std::string& name) {
    k8s::api::ObjectRequest in;
    in.mutable_ref()->set_version("v1");
    in.mutable_ref()->set_resource("pods");
    in.mutable_ref()->set_namespace_("default");
    in.mutable_ref()->set_name(name);
    return in;
  }

  // gRPC create of `pod`: the answer's pod, or the error.
  Result<Pod> GrpcCreate(const Pod& pod) {
    auto in = PodRequest("");
    in.mutable_object()->set_type("k8s.core.v1.Pod");
    pod.SerializeToString(in.mutable_object()->mutable_data());
    k8s::api::ObjectResponse out;
    grpc::ClientContext context;
    grpc::Status status = service->Create(&context, in, &out);
    if (!status.ok()) return client::FromGrpcStatus(status);
    Pod created;
    REQUIRE(created.ParseFromString(out.object().data()));
    return created;
  }

  testing::TempDir dir;
  std::unique_ptr<ApiServer> server;
  std::unique_ptr<k8s::api::ResourceService::Stub> service;
};

const char* kPodJson = R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"NAME",
  "labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"nginx:1.25"}]}})";

std::string PodJson(const std::string& name) {
  std::string text = kPodJson;
  text.replace(text.find("NAME"), 4, name);
  return text;
}

TEST_CASE("a create through either face stores the same defaulted object") {
  Faces f;
  HttpAnswer rest = Http(f.server->port(), bhttp::verb::post, "/api/v1/namespaces/default/pods",
                         PodJson("via-rest"));
  REQUIRE(rest.code == 201);
  auto grpc_pod = f.GrpcCreate(PodFromJson(PodJson("via-grpc")));
  REQUIRE(grpc_pod.ok());
  Pod rest_pod = PodFromJson(rest.body);
  CHECK(grpc_pod->metadata().name() == "via-grpc");
  CHECK(grpc_pod->metadata().uid().size() == 36);
  CHECK(grpc_pod->spec().restart_policy() == "Always");
  CHECK(Normalized(rest_pod).SerializeAsString() == Normalized(*grpc_pod).SerializeAsString());

  // And each face reads what the other wrote.
  k8s::api::ObjectResponse out;
  grpc::ClientContext context;
  REQUIRE(f.service->Get(&context, f.PodRequest("via-rest"), &out).ok());
  Pod read;
  REQUIRE(read.ParseFromString(out.object().data()));
  CHECK(read.metadata().uid() == rest_pod.metadata().uid());
  HttpAnswer get =
      Http(f.server->port(), bhttp::verb::get, "/api/v1/namespaces/default/pods/via-grpc");
  CHECK(PodFromJson(get.body).metadata().uid() == grpc_pod->metadata().uid());
}

TEST_CASE("failing requests fail alike: invalid, duplicate, missing, stale, bad namespace") {
  Faces f;
  uint16_t port = f.server->port();
  auto same = [](const Status& rest, const Status& grpc) {
    CHECK(rest.reason() == grpc.reason());
    CHECK(rest.code() == grpc.code());
    CHECK(rest.message() == grpc.message());
    CHECK(rest.details().causes == grpc.details().causes);
  };

  std::string invalid = R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"Bad_Name"},
    "spec":{"containers":[{"name":"c"}]}})";
  HttpAnswer rest = Http(port, bhttp::verb::post, "/api/v1/namespaces/default/pods", invalid);
  CHECK(rest.code == 422);
  auto grpc_invalid = f.GrpcCreate(PodFromJson(invalid));
  REQUIRE_FALSE(grpc_invalid.ok());
  same(RestError(rest), grpc_invalid.status());

  REQUIRE(f.GrpcCreate(PodFromJson(PodJson("dup"))).ok());
  rest = Http(port, bhttp::verb::post, "/api/v1/namespaces/default/pods", PodJson("dup"));
  CHECK(rest.code == 409);
  same(RestError(rest), f.GrpcCreate(PodFromJson(PodJson("dup"))).status());

  rest = Http(port, bhttp::verb::get, "/api/v1/namespaces/default/pods/nope");
  k8s::api::ObjectResponse out;
  grpc::ClientContext context;
  grpc::Status missing = f.service->Get(&context, f.PodRequest("nope"), &out);
  CHECK(missing.error_code() == grpc::StatusCode::NOT_FOUND);
  same(RestError(rest), client::FromGrpcStatus(missing));

  // A stale update: resourceVersion 1 is long gone.
  Pod stale = PodFromJson(PodJson("dup"));
  stale.mutable_metadata()->set_resource_version("1");
  rest = Http(port, bhttp::verb::put, "/api/v1/namespaces/default/pods/dup",
              json::Encode(stale, &Scheme::Builtin().FindResource("", "pods")->kind));
  CHECK(rest.code == 409);
  auto update = f.PodRequest("dup");
  update.mutable_object()->set_type("k8s.core.v1.Pod");
  stale.SerializeToString(update.mutable_object()->mutable_data());
  grpc::ClientContext update_context;
  grpc::Status conflict = f.service->Update(&update_context, update, &out);
  CHECK(conflict.error_code() == grpc::StatusCode::ABORTED);
  same(RestError(rest), client::FromGrpcStatus(conflict));

  Pod elsewhere = PodFromJson(PodJson("x"));
  elsewhere.mutable_metadata()->set_namespace_("ghost");
  rest = Http(port, bhttp::verb::post, "/api/v1/namespaces/default/pods",
              json::Encode(elsewhere, &Scheme::Builtin().FindResource("", "pods")->kind));
  CHECK(rest.code == 400);
  same(RestError(rest), f.GrpcCreate(elsewhere).status());
}

TEST_CASE("gRPC list, patch, watch and delete run the REST rules") {
  Faces f;
  for (const char* name : {"a", "b"}) REQUIRE(f.GrpcCreate(PodFromJson(PodJson(name))).ok());
  auto list_request = f.PodRequest("");
  list_request.mutable_options()->set_field_selector("metadata.name=b");
  k8s::api::ListResponse list;
  grpc::ClientContext list_context;
  REQUIRE(f.service->List(&list_context, list_request, &list).ok());
  REQUIRE(list.items_size() == 1);
  CHECK(list.type() == "k8s.core.v1.Pod");
  CHECK(!list.metadata().resource_version().empty());

  grpc::ClientContext watch_context;
  auto watch_request = f.PodRequest("");
  watch_request.mutable_options()->set_resource_version(list.metadata().resource_version());
  watch_request.mutable_options()->set_timeout_seconds(10);
  auto stream = f.service->Watch(&watch_context, watch_request);

  k8s::api::PatchRequest patch;
  *patch.mutable_ref() = f.PodRequest("a").ref();
  patch.set_patch_type("application/merge-patch+json");
  patch.set_patch(R"({"metadata":{"labels":{"tier":"x"}}})");
  k8s::api::ObjectResponse patched;
  grpc::ClientContext patch_context;
  REQUIRE(f.service->Patch(&patch_context, patch, &patched).ok());
  Pod pod;
  REQUIRE(pod.ParseFromString(patched.object().data()));
  CHECK(pod.metadata().labels().at("tier") == "x");

  k8s::api::ObjectResponse deleted;
  grpc::ClientContext delete_context;
  REQUIRE(f.service->Delete(&delete_context, f.PodRequest("a"), &deleted).ok());

  std::vector<std::string> types;
  k8s::api::WatchEvent event;
  while (types.size() < 2 && stream->Read(&event)) types.push_back(event.type());
  CHECK(types == std::vector<std::string>{"MODIFIED", "DELETED"});
  watch_context.TryCancel();
}

TEST_CASE("propagationPolicy reaches the delete from REST's body and gRPC's options") {
  Faces f;
  for (const char* name : {"fg", "or", "bad"}) {
    REQUIRE(f.GrpcCreate(PodFromJson(PodJson(name))).ok());
  }
  HttpAnswer rest =
      Http(f.server->port(), bhttp::verb::delete_, "/api/v1/namespaces/default/pods/fg",
           R"({"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Foreground"})");
  REQUIRE(rest.code == 200);
  Pod fg = PodFromJson(rest.body);
  CHECK(fg.metadata().has_deletion_timestamp());
  CHECK(std::vector<std::string>(fg.metadata().finalizers().begin(),
                                 fg.metadata().finalizers().end()) ==
        std::vector<std::string>{"foregroundDeletion"});

  auto request = f.PodRequest("or");
  request.mutable_options()->set_propagation_policy("Orphan");
  k8s::api::ObjectResponse deleted;
  grpc::ClientContext context;
  REQUIRE(f.service->Delete(&context, request, &deleted).ok());
  Pod orphaned;
  REQUIRE(orphaned.ParseFromString(deleted.object().data()));
  REQUIRE(orphaned.metadata().finalizers_size() == 1);
  CHECK(orphaned.metadata().finalizers(0) == "orphan");

  rest = Http(f.server->port(), bhttp::verb::delete_,
              "/api/v1/namespaces/default/pods/bad?propagationPolicy=Sideways");
  CHECK(rest.code == 400);
  CHECK(RestError(rest).message() ==
        "propagationPolicy: Unsupported value: \"Sideways\": supported values: \"Foreground\", "
        "\"Background\", \"Orphan\", \"nil\"");
}

TEST_CASE("a gRPC watch ends at its timeout; a refused watch carries the Status") {
  Faces f;
  grpc::ClientContext context;
  auto request = f.PodRequest("");
  request.mutable_options()->set_timeout_seconds(1);
  auto start = std::chrono::steady_clock::now();
  auto stream = f.service->Watch(&context, request);
  k8s::api::WatchEvent event;
  while (stream->Read(&event)) {
  }
  CHECK(stream->Finish().ok());
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));

  grpc::ClientContext bad_context;
  auto bad = f.PodRequest("");
  bad.mutable_options()->set_resource_version("abc");
  auto refused = f.service->Watch(&bad_context, bad);
  CHECK_FALSE(refused->Read(&event));
  grpc::Status status = refused->Finish();
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(client::FromGrpcStatus(status).code() == 400);
}

TEST_CASE("gRPC serves on a unix socket too") {
  testing::TempDir dir;
  Options options;
  options.data_dir = (dir.path() / "data").string();
  options.grpc_port = -1;
  options.grpc_socket = (dir.path() / "api.sock").string();
  auto server = ApiServer::Start(options);
  REQUIRE(server.ok());
  CHECK((*server)->grpc_port() == 0);
  auto service = k8s::api::ResourceService::NewStub(
      grpc::CreateChannel("unix:" + options.grpc_socket, grpc::InsecureChannelCredentials()));
  k8s::api::ObjectRequest in;
  in.mutable_ref()->set_version("v1");
  in.mutable_ref()->set_resource("namespaces");
  in.mutable_ref()->set_name("default");
  k8s::api::ObjectResponse out;
  grpc::ClientContext context;
  REQUIRE(service->Get(&context, in, &out).ok());
  CHECK(out.object().type() == "k8s.core.v1.Namespace");
}

TEST_CASE("the bearer token in gRPC metadata reaches the authentication slot") {
  filters::ChainOptions options;
  options.authenticator = [](const Request& r) -> Result<UserInfo> {
    if (r.Header("authorization") == "Bearer s3cret") return UserInfo{"alice", "", {}};
    return Status::Unauthorized("Unauthorized");
  };
  std::string seen_user;
  filters::Handler chain = filters::BuildHandlerChain(
      [&](Request& r) {
        seen_user = r.user.name;
        Response ok;
        ok.object = std::make_shared<Pod>();
        return ok;
      },
      options);
  auto server = grpcface::GrpcServer::Start({}, grpcface::NewResourceService(&chain));
  REQUIRE(server.ok());
  auto service = k8s::api::ResourceService::NewStub(grpc::CreateChannel(
      fmt::format("127.0.0.1:{}", (*server)->port()), grpc::InsecureChannelCredentials()));
  k8s::api::ObjectRequest in;
  in.mutable_ref()->set_version("v1");
  in.mutable_ref()->set_resource("pods");
  in.mutable_ref()->set_namespace_("default");
  in.mutable_ref()->set_name("p");
  k8s::api::ObjectResponse out;
  grpc::ClientContext anonymous;
  grpc::Status refused = service->Get(&anonymous, in, &out);
  CHECK(refused.error_code() == grpc::StatusCode::UNAUTHENTICATED);
  CHECK(client::FromGrpcStatus(refused).code() == 401);
  grpc::ClientContext alice;
  alice.AddMetadata("authorization", "Bearer s3cret");
  CHECK(service->Get(&alice, in, &out).ok());
  CHECK(seen_user == "alice");
}

TEST_CASE("a committed event's object is serialized once for all its watchers") {
  auto pod = std::make_shared<Pod>();
  pod->mutable_metadata()->set_name("a");
  storage::Event event;
  event.type = storage::Event::Type::kModified;
  event.object = pod;
  event.encoded = std::make_shared<storage::EncodedObject>();
  k8s::api::WatchEvent first = grpcface::ToWireEvent(event, nullptr);
  CHECK(first.type() == "MODIFIED");
  CHECK(first.object().type() == "k8s.core.v1.Pod");
  CHECK(first.object().data() == pod->SerializeAsString());
  REQUIRE(event.encoded->object == event.object);
  // Another watcher's copy of the event takes the stored bytes (marked here to tell).
  event.encoded->bytes = "stored";
  storage::Event copy = event;
  CHECK(grpcface::ToWireEvent(copy, nullptr).object().data() == "stored");
  // A filter's substitute object (a DELETED of the previous state) is serialized itself.
  auto other = std::make_shared<Pod>();
  other->mutable_metadata()->set_name("b");
  copy.type = storage::Event::Type::kDeleted;
  copy.object = other;
  CHECK(grpcface::ToWireEvent(copy, nullptr).object().data() == other->SerializeAsString());
}

}  // namespace
}  // namespace pk::apiserver

namespace pk::apiserver {
namespace {

// The audit log records the gRPC face as it does REST, its typed objects encoded to JSON.
TEST_CASE("a gRPC create is audited with its objects as JSON") {
  testing::TempDir dir;
  std::ofstream(dir.path() / "policy.yaml")
      << "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: RequestResponse\n";
  Options options;
  options.data_dir = (dir.path() / "data").string();
  options.audit.policy_file = (dir.path() / "policy.yaml").string();
  options.audit.log.path = (dir.path() / "audit.log").string();
  options.admission.disable = {"ServiceAccount"};  // no controller makes "default"
  auto server = ApiServer::Start(options);
  REQUIRE(server.ok());
  auto service = k8s::api::ResourceService::NewStub(grpc::CreateChannel(
      fmt::format("127.0.0.1:{}", (*server)->grpc_port()), grpc::InsecureChannelCredentials()));
  Pod pod = PodFromJson(PodJson("audited"));
  k8s::api::ObjectRequest in;
  in.mutable_ref()->set_version("v1");
  in.mutable_ref()->set_resource("pods");
  in.mutable_ref()->set_namespace_("default");
  in.mutable_object()->set_type("k8s.core.v1.Pod");
  pod.SerializeToString(in.mutable_object()->mutable_data());
  k8s::api::ObjectResponse out;
  grpc::ClientContext context;
  context.AddMetadata("audit-id", "grpc-audit-1");
  REQUIRE(service->Create(&context, in, &out).ok());
  (*server)->Stop();  // flushes the log

  std::ifstream log(dir.path() / "audit.log");
  nlohmann::json event;
  for (std::string line; std::getline(log, line);) {
    auto e = nlohmann::json::parse(line);
    if (e["auditID"] == "grpc-audit-1" && e["stage"] == "ResponseComplete") event = e;
  }
  REQUIRE(event.is_object());
  CHECK(event["verb"] == "create");
  CHECK(event["objectRef"]["name"] == "audited");  // from the typed object
  CHECK(event["sourceIPs"] == nlohmann::json::array({"127.0.0.1"}));
  CHECK(event["responseStatus"]["code"] == 201);
  CHECK(event["requestObject"]["spec"]["containers"][0]["image"] == "nginx:1.25");
  CHECK_FALSE(event["responseObject"]["metadata"]["uid"].get<std::string>().empty());
}

}  // namespace
}  // namespace pk::apiserver
