// Kubernetes protobuf bodies: the tables resolve against proto/, real kubectl v1.32 bodies
// (tests/fixtures/protobuf/, see its README) decode to the objects kubectl meant, embedded
// structs and unknown fields are handled, and bad input is an error, never a crash.
#include "apimachinery/k8s_protobuf.h"

#include <doctest/doctest.h>

#include <random>
#include <set>

#include "apimachinery/codec.h"
#include "apimachinery/k8s_protobuf_index.h"
#include "apimachinery/scheme.h"
#include "proto/apps/v1/apps.pb.h"
#include "proto/batch/v1/batch.pb.h"
#include "proto/core/v1/config.pb.h"
#include "proto/core/v1/namespace.pb.h"
#include "proto/core/v1/pod.pb.h"
#include "proto/core/v1/policy.pb.h"
#include "proto/core/v1/service.pb.h"
#include "proto/rbac/v1/rbac.pb.h"
#include "proto/scheduling/v1/scheduling.pb.h"
#include "tests/testing.h"

namespace pk {
namespace {

using google::protobuf::Descriptor;
using k8s_protobuf::Index;

// Decodes a fixture, checks its kind and that no field was skipped, returns it as T.
template <class T>
T DecodeFixture(const std::string& name, const GroupVersionKind& want) {
  GroupVersionKind kind;
  std::vector<std::string> unknown;
  auto object = DecodeKubernetesProtobuf(testing::Fixture("protobuf/" + name), &kind, &unknown);
  REQUIRE_MESSAGE(object.ok(), object.status().message());
  CHECK(kind == want);
  CHECK(unknown.empty());
  REQUIRE((*object)->GetDescriptor() == T::descriptor());
  return static_cast<const T&>(**object);
}

// Minimal protobuf writer for hand-made Kubernetes bodies.
std::string Varint(uint64_t v) {
  std::string s;
  for (; v >= 0x80; v >>= 7) s.push_back(static_cast<char>(v | 0x80));
  s.push_back(static_cast<char>(v));
  return s;
}
std::string Int(uint32_t field, uint64_t v) { return Varint(field << 3) + Varint(v); }
std::string Bytes(uint32_t field, const std::string& v) {
  return Varint((field << 3) | 2) + Varint(v.size()) + v;
}
std::string Body(const std::string& api_version, const std::string& kind, const std::string& raw,
                 const std::string& encoding = "") {
  return std::string("k8s\0", 4) + Bytes(1, Bytes(1, api_version) + Bytes(2, kind)) +
         Bytes(2, raw) + Bytes(3, encoding) + Bytes(4, "");
}

TEST_CASE("every table entry names a field of our message") {
  for (const std::string& problem : Index::Get().problems()) CHECK_MESSAGE(false, problem);
}

// Every message reachable from `type` (map entries aside) has a table.
void CheckCovered(const Descriptor* type, std::set<const Descriptor*>* seen) {
  if (!seen->insert(type).second) return;
  if (!type->options().map_entry())
    CHECK_MESSAGE(Index::Get().For(type) != nullptr, type->full_name());
  for (int i = 0; i < type->field_count(); ++i) {
    if (type->field(i)->message_type() != nullptr)
      CheckCovered(type->field(i)->message_type(), seen);
  }
}

TEST_CASE("every resource of the scheme, and all it contains, has Kubernetes field numbers") {
  std::set<const Descriptor*> seen;
  for (const ResourceType& type : Scheme::Builtin().resources()) {
    CAPTURE(type.kind.kind);
    CheckCovered(type.prototype->GetDescriptor(), &seen);
  }
  CheckCovered(k8s::meta::v1::DeleteOptions::descriptor(), &seen);
}

TEST_CASE("kubectl create namespace") {
  auto ns = DecodeFixture<k8s::core::v1::Namespace>("namespace.bin", {"", "v1", "Namespace"});
  CHECK(ns.metadata().name() == "demo");
  CHECK(ns.metadata().creation_timestamp().seconds() == 0);
  CHECK(json::Encode(ns) ==
        R"({"metadata":{"name":"demo","creationTimestamp":null},"spec":{},"status":{}})");
}

TEST_CASE("DeleteOptions decode in any group version (kubectl drain's delete)") {
  // gracePeriodSeconds 30 (field 1), propagationPolicy "Background" (field 4).
  const std::string raw = Int(1, 30) + Bytes(4, "Background");
  for (const char* version : {"v1", "apps/v1"}) {
    GroupVersionKind kind;
    auto object = DecodeKubernetesProtobuf(Body(version, "DeleteOptions", raw), &kind);
    REQUIRE_MESSAGE(object.ok(), object.status().message());
    REQUIRE((*object)->GetDescriptor() == k8s::meta::v1::DeleteOptions::descriptor());
    const auto& options = static_cast<const k8s::meta::v1::DeleteOptions&>(**object);
    CHECK(options.grace_period_seconds() == 30);
    CHECK(options.propagation_policy() == "Background");
  }
  CHECK(DecodeKubernetesProtobuf(Body("v1", "ListOptions", ""), nullptr).status().message() ==
        "no kind \"ListOptions\" is registered for version \"v1\"");
}

TEST_CASE("kubectl create configmap and secret generic") {
  auto cm = DecodeFixture<k8s::core::v1::ConfigMap>("configmap.bin", {"", "v1", "ConfigMap"});
  CHECK(cm.metadata().name() == "settings");
  CHECK(cm.data().size() == 2);
  CHECK(cm.data().at("color") == "blue");
  CHECK(cm.data().at("size") == "10");
  auto secret = DecodeFixture<k8s::core::v1::Secret>("secret.bin", {"", "v1", "Secret"});
  CHECK(secret.metadata().name() == "creds");
  CHECK(secret.data().at("user") == "admin");
  CHECK(secret.data().at("pass") == "s3cr3t!");
}

TEST_CASE("kubectl create serviceaccount, role, rolebinding, clusterrole") {
  auto sa = DecodeFixture<k8s::core::v1::ServiceAccount>("serviceaccount.bin",
                                                         {"", "v1", "ServiceAccount"});
  CHECK(sa.metadata().name() == "robot");
  const GroupVersionKind role_kind{"rbac.authorization.k8s.io", "v1", "Role"};
  auto role = DecodeFixture<k8s::rbac::v1::Role>("role.bin", role_kind);
  CHECK(role.metadata().name() == "reader");
  REQUIRE(role.rules_size() == 1);
  CHECK(std::vector<std::string>(role.rules(0).verbs().begin(), role.rules(0).verbs().end()) ==
        std::vector<std::string>{"get", "list"});
  CHECK(role.rules(0).resources_size() == 2);
  CHECK(role.rules(0).resources(1) == "configmaps");
  auto binding = DecodeFixture<k8s::rbac::v1::RoleBinding>(
      "rolebinding.bin", {"rbac.authorization.k8s.io", "v1", "RoleBinding"});
  CHECK(binding.role_ref().kind() == "Role");
  CHECK(binding.role_ref().name() == "reader");
  REQUIRE(binding.subjects_size() == 1);
  CHECK(binding.subjects(0).kind() == "ServiceAccount");
  CHECK(binding.subjects(0).name() == "robot");
  CHECK(binding.subjects(0).namespace_() == "default");
  auto cluster_role = DecodeFixture<k8s::rbac::v1::ClusterRole>(
      "clusterrole.bin", {"rbac.authorization.k8s.io", "v1", "ClusterRole"});
  REQUIRE(cluster_role.rules_size() == 1);
  CHECK(cluster_role.rules(0).resources(0) == "nodes");
}

TEST_CASE("kubectl create deployment") {
  auto d = DecodeFixture<k8s::apps::v1::Deployment>("deployment.bin", {"apps", "v1", "Deployment"});
  CHECK(d.metadata().name() == "web");
  CHECK(d.metadata().labels().at("app") == "web");
  REQUIRE(d.spec().has_replicas());
  CHECK(d.spec().replicas() == 2);
  CHECK(d.spec().selector().match_labels().at("app") == "web");
  CHECK(d.spec().template_().metadata().labels().at("app") == "web");
  REQUIRE(d.spec().template_().spec().containers_size() == 1);
  const auto& c = d.spec().template_().spec().containers(0);
  CHECK(c.name() == "nginx");
  CHECK(c.image() == "nginx");
  REQUIRE(c.ports_size() == 1);
  CHECK(c.ports(0).container_port() == 80);
  CHECK(c.has_resources());
}

TEST_CASE("kubectl create job, service clusterip, priorityclass, quota") {
  auto job = DecodeFixture<k8s::batch::v1::Job>("job.bin", {"batch", "v1", "Job"});
  const auto& pod = job.spec().template_().spec();
  CHECK(pod.restart_policy() == "Never");
  REQUIRE(pod.containers_size() == 1);
  CHECK(pod.containers(0).image() == "busybox");
  CHECK(std::vector<std::string>(pod.containers(0).command().begin(),
                                 pod.containers(0).command().end()) ==
        std::vector<std::string>{"echo", "hi"});
  auto svc = DecodeFixture<k8s::core::v1::Service>("service.bin", {"", "v1", "Service"});
  CHECK(svc.spec().type() == "ClusterIP");
  CHECK(svc.spec().selector().at("app") == "mysvc");
  REQUIRE(svc.spec().ports_size() == 1);
  CHECK(svc.spec().ports(0).port() == 80);
  CHECK(svc.spec().ports(0).target_port().int_val() == 8080);
  auto pc = DecodeFixture<k8s::scheduling::v1::PriorityClass>(
      "priorityclass.bin", {"scheduling.k8s.io", "v1", "PriorityClass"});
  CHECK(pc.value() == 1000);
  CHECK(pc.description() == "important");
  auto quota =
      DecodeFixture<k8s::core::v1::ResourceQuota>("resourcequota.bin", {"", "v1", "ResourceQuota"});
  CHECK(quota.spec().hard().at("pods").string() == "10");
  CHECK(quota.spec().hard().at("cpu").string() == "2");
}

// kubectl printed each object with --dry-run=client -o json too (the .json fixtures): both
// encodings of the same object must give the same message.
TEST_CASE("protobuf and JSON from kubectl decode to the same objects") {
  const Scheme& scheme = Scheme::Builtin();
  for (const char* name :
       {"namespace", "configmap", "secret", "deployment", "serviceaccount", "role", "rolebinding",
        "priorityclass", "job", "service", "clusterrole", "resourcequota"}) {
    CAPTURE(name);
    const std::string base = std::string("protobuf/") + name;
    auto from_proto = DecodeKubernetesProtobuf(testing::Fixture(base + ".bin"), nullptr);
    auto from_json = scheme.DecodeAny(testing::Fixture(base + ".json"), nullptr);
    REQUIRE_MESSAGE(from_proto.ok(), from_proto.status().message());
    REQUIRE_MESSAGE(from_json.ok(), from_json.status().message());
    CHECK(scheme.Encode(**from_proto) == scheme.Encode(**from_json));
  }
}

// A Pod as Kubernetes encodes it, with embedded structs (ProbeHandler, VolumeSource,
// LocalObjectReference in ConfigMapKeySelector) and a negative int32.
TEST_CASE("embedded Go structs are flattened into our messages") {
  const std::string probe =
      Bytes(1, Bytes(2, Bytes(1, "/healthz") + Bytes(2, Int(1, 0) + Int(2, 8080)))) + Int(2, 5);
  const std::string env =
      Bytes(1, "MODE") + Bytes(3, Bytes(3, Bytes(1, Bytes(1, "cfg")) + Bytes(2, "mode")));
  const std::string container = Bytes(1, "app") + Bytes(7, env) + Bytes(10, probe) +
                                Int(6 + 100, 1);  // 106: a field from the future
  const std::string volume = Bytes(1, "scratch") + Bytes(2, Bytes(2, Bytes(1, "Memory")));
  const std::string spec =
      Bytes(1, volume) + Bytes(2, container) + Int(4, static_cast<uint64_t>(int64_t{-1}));
  std::vector<std::string> unknown;
  auto object = DecodeKubernetesProtobuf(
      Body("v1", "Pod", Bytes(1, Bytes(1, "p")) + Bytes(2, spec)), nullptr, &unknown);
  REQUIRE_MESSAGE(object.ok(), object.status().message());
  const auto& pod = static_cast<const k8s::core::v1::Pod&>(**object);
  CHECK(pod.spec().volumes(0).empty_dir().medium() == "Memory");
  CHECK(pod.spec().termination_grace_period_seconds() == -1);
  const auto& c = pod.spec().containers(0);
  CHECK(c.liveness_probe().http_get().path() == "/healthz");
  CHECK(c.liveness_probe().http_get().port().int_val() == 8080);
  CHECK(c.liveness_probe().initial_delay_seconds() == 5);
  CHECK(c.env(0).value_from().config_map_key_ref().name() == "cfg");
  CHECK(c.env(0).value_from().config_map_key_ref().key() == "mode");
  CHECK(unknown == std::vector<std::string>{"k8s.core.v1.Container: field 106"});
}

TEST_CASE("envelope errors") {
  auto reason = [](std::string_view body) {
    auto r = DecodeKubernetesProtobuf(body, nullptr);
    return r.ok() ? Reason::kUnknown : r.status().reason();
  };
  const std::string ns = testing::Fixture("protobuf/namespace.bin");
  CHECK(reason("") == Reason::kBadRequest);
  CHECK(reason("{\"kind\":\"Namespace\"}") == Reason::kBadRequest);
  CHECK(reason("k8s\x01" + ns.substr(4)) == Reason::kBadRequest);
  CHECK(reason(Body("v1", "Nope", "")) == Reason::kBadRequest);
  CHECK(reason(Body("", "", "")) == Reason::kBadRequest);
  CHECK(reason(Body("v1", "Namespace", "", "gzip")) == Reason::kUnsupportedMediaType);
  CHECK(reason(Body("v1", "Namespace", Int(1, 5))) == Reason::kBadRequest);  // wire type
  GroupVersionKind kind;
  auto ok = DecodeKubernetesProtobuf(Body("apps/v1", "Deployment", ""), &kind);
  CHECK(ok.ok());
  CHECK(kind == GroupVersionKind{"apps", "v1", "Deployment"});
}

// Found by tests/fuzz/fuzz_k8s_protobuf: a quantity was taken as any string, so the object
// decoded but its JSON did not. Go's Quantity.Unmarshal runs ParseQuantity.
TEST_CASE("quantities are parsed and written canonically, as Go's Quantity.Unmarshal does") {
  auto quota = [](const std::string& text) {
    const std::string hard = Bytes(1, Bytes(1, "cpu") + Bytes(2, Bytes(1, text)));
    return DecodeKubernetesProtobuf(Body("v1", "ResourceQuota", Bytes(2, hard)), nullptr);
  };
  auto bad = quota("\x04");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().reason() == Reason::kBadRequest);
  CHECK(bad.status().message().starts_with("quantities must match the regular expression"));
  auto good = quota("1000m");
  REQUIRE(good.ok());
  CHECK(static_cast<const k8s::core::v1::ResourceQuota&>(**good).spec().hard().at("cpu").string() ==
        "1");
}

TEST_CASE("truncated, mutated and random bodies fail cleanly") {
  std::mt19937 rng(20261123);
  int decoded = 0, rejected = 0;
  auto check = [&](const std::string& body) {
    auto r = DecodeKubernetesProtobuf(body, nullptr);
    if (r.ok()) {
      ++decoded;
    } else {
      ++rejected;
      CHECK((r.status().reason() == Reason::kBadRequest ||
             r.status().reason() == Reason::kUnsupportedMediaType));
    }
  };
  for (const char* name : {"namespace.bin", "configmap.bin", "secret.bin", "deployment.bin",
                           "job.bin", "service.bin", "rolebinding.bin"}) {
    const std::string body = testing::Fixture(std::string("protobuf/") + name);
    for (size_t n = 0; n < body.size(); ++n) check(body.substr(0, n));
    for (int i = 0; i < 3000; ++i) {
      std::string s = body;
      for (int k = 1 + static_cast<int>(rng() % 3); k > 0; --k)
        s[4 + rng() % (s.size() - 4)] = static_cast<char>(rng());
      check(s);
    }
  }
  for (int i = 0; i < 2000; ++i) {
    std::string s("k8s\0", 4);
    for (int k = static_cast<int>(rng() % 64); k > 0; --k) s.push_back(static_cast<char>(rng()));
    check(s);
  }
  CHECK(decoded > 0);
  CHECK(rejected > 0);
}

}  // namespace
}  // namespace pk
