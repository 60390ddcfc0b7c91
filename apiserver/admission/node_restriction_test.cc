// NodeRestriction: what a kubelet may write, with Kubernetes' messages (the cases of
// plugin/pkg/admission/noderestriction/admission_test.go that picokube covers).
#include "apiserver/admission/node_restriction.h"

#include <doctest/doctest.h>

#include "apimachinery/codec.h"
#include "proto/coordination/v1/coordination.pb.h"
#include "proto/core/v1/node.pb.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::admission {
namespace {

using k8s::coordination::v1::Lease;
using k8s::core::v1::Node;
using k8s::core::v1::Pod;

template <class T>
T FromJson(const std::string& json) {
  T m;
  Status s = json::Decode(json, &m, nullptr);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  return m;
}

struct Fixture {
  Fixture() : store(storage::NewMemoryStore()), plugin(NewNodeRestriction(store.get())) {
    auto node = std::make_unique<Node>(FromJson<Node>(R"({"metadata":{"name":"n1","uid":"u1"}})"));
    REQUIRE(store->Create(storage::ObjectKey("nodes", "", "n1"), std::move(node)).ok());
  }

  // The plugin's answer ("" when allowed) to USER (in system:nodes unless `node` is false).
  std::string Check(Operation op, const char* group, const char* resource, std::string ns,
                    std::string name, google::protobuf::Message* object,
                    const google::protobuf::Message* old, std::string subresource = "",
                    std::string user = "system:node:n1", bool node = true) {
    Attributes a;
    a.operation = op;
    a.type = Scheme::Builtin().FindResource(group, resource);
    REQUIRE(a.type != nullptr);
    a.subresource = std::move(subresource);
    a.ns = std::move(ns);
    a.name = std::move(name);
    a.user = std::move(user);
    if (node) a.groups = {"system:nodes", "system:authenticated"};
    a.object = object;
    a.old_object = old;
    Status s = plugin->Validate(a);
    if (!s.ok()) CHECK(s.code() == (s.reason() == Reason::kNotFound ? 404 : 403));
    return s.ok() ? "" : s.message();
  }

  std::unique_ptr<storage::Store> store;
  std::unique_ptr<Plugin> plugin;
};

Node NodeJson(const std::string& name, const std::string& extra = "") {
  return FromJson<Node>(R"({"metadata":{"name":")" + name + R"(")" + extra + "}}");
}

TEST_CASE_FIXTURE(Fixture, "a node writes only its own Node") {
  Node n2 = NodeJson("n2");
  CHECK(Check(Operation::kUpdate, "", "nodes", "", "n2", &n2, &n2) ==
        R"(nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2")");
  CHECK(Check(Operation::kUpdate, "", "nodes", "", "n2", &n2, &n2, "status") ==
        R"(nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2")");
  CHECK(Check(Operation::kCreate, "", "nodes", "", "n2", &n2, nullptr) ==
        R"(nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2")");
  CHECK(Check(Operation::kDelete, "", "nodes", "", "n2", nullptr, &n2) ==
        R"(nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2")");
  Node n1 = NodeJson("n1");
  CHECK(Check(Operation::kUpdate, "", "nodes", "", "n1", &n1, &n1) == "");
  CHECK(Check(Operation::kUpdate, "", "nodes", "", "n1", &n1, &n1, "status") == "");
}

TEST_CASE_FIXTURE(Fixture, "others are not restricted; a node user must name its node") {
  Node n2 = NodeJson("n2");
  CHECK(Check(Operation::kUpdate, "", "nodes", "", "n2", &n2, &n2, "", "alice") == "");
  CHECK(Check(Operation::kUpdate, "", "nodes", "", "n2", &n2, &n2, "", "system:node:n1", false) ==
        "");
  CHECK(Check(Operation::kUpdate, "", "nodes", "", "n2", &n2, &n2, "", "system:node:") ==
        R"(nodes "n2" is forbidden: could not determine node from user "system:node:")");
}

TEST_CASE_FIXTURE(Fixture, "labels and taints a node may not set on itself") {
  Node labelled = NodeJson(
      "n1",
      R"(,"labels":{"kubernetes.io/hostname":"n1","node.kubernetes.io/exclude":"x",)"
      R"("node-role.kubernetes.io/control-plane":"","foo.node-restriction.kubernetes.io/a":"b",)"
      R"("example.com/mine":"y"})");
  CHECK(Check(Operation::kCreate, "", "nodes", "", "n1", &labelled, nullptr) ==
        R"(nodes "n1" is forbidden: node "n1" is not allowed to set the following labels: )"
        R"(foo.node-restriction.kubernetes.io/a, node-role.kubernetes.io/control-plane)");
  Node plain = NodeJson("n1", R"(,"labels":{"kubernetes.io/hostname":"n1"})");
  CHECK(Check(Operation::kCreate, "", "nodes", "", "n1", &plain, nullptr) == "");
  Node relabelled = NodeJson("n1", R"(,"labels":{"node-restriction.kubernetes.io/pool":"gold"})");
  CHECK(Check(Operation::kUpdate, "", "nodes", "", "n1", &relabelled, &plain) ==
        R"(nodes "n1" is forbidden: is not allowed to modify labels: )"
        R"(node-restriction.kubernetes.io/pool)");
  Node tainted = FromJson<Node>(
      R"({"metadata":{"name":"n1"},"spec":{"taints":[{"key":"k","effect":"NoSchedule"}]}})");
  CHECK(Check(Operation::kUpdate, "", "nodes", "", "n1", &plain, &tainted) ==
        R"(nodes "n1" is forbidden: node "n1" is not allowed to modify taints)");
  CHECK(Check(Operation::kCreate, "", "nodes", "", "n1", &tainted, nullptr) == "");
}

Pod PodJson(const std::string& metadata_extra, const std::string& spec_extra) {
  return FromJson<Pod>(R"({"metadata":{"name":"p","namespace":"ns")" + metadata_extra +
                       R"(},"spec":{"containers":[{"name":"c","image":"i"}])" + spec_extra + "}}");
}

constexpr const char* kMirror = R"(,"annotations":{"kubernetes.io/config.mirror":"h"})";
constexpr const char* kOwner =
    R"(,"ownerReferences":[{"apiVersion":"v1","kind":"Node","name":"n1","uid":"u1","controller":true}])";

TEST_CASE_FIXTURE(Fixture, "a node creates only mirror pods of its own") {
  auto create = [&](Pod pod) {
    return Check(Operation::kCreate, "", "pods", "ns", "p", &pod, nullptr);
  };
  const std::string on_n1 = R"(,"nodeName":"n1")";
  CHECK(create(PodJson("", on_n1)) ==
        R"(pods "p" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, )"
        R"(node "n1" can only create mirror pods)");
  CHECK(
      create(PodJson(kMirror, R"(,"nodeName":"n2")")) ==
      R"(pods "p" is forbidden: node "n1" can only create pods with spec.nodeName set to itself)");
  CHECK(
      create(PodJson(kMirror, on_n1)) ==
      R"(pods "p" is forbidden: node "n1" can only create pods with an owner reference set to itself)");
  CHECK(create(PodJson(std::string(kMirror) + kOwner, on_n1)) == "");
  CHECK(
      create(PodJson(
          std::string(kMirror) +
              R"(,"ownerReferences":[{"apiVersion":"v1","kind":"Node","name":"n1","uid":"u1"}])",
          on_n1)) ==
      R"(pods "p" is forbidden: node "n1" can only create pods with a controller owner reference set to itself)");
  CHECK(
      create(PodJson(
          std::string(kMirror) +
              R"(,"ownerReferences":[{"apiVersion":"v1","kind":"Node","name":"n1","uid":"other","controller":true}])",
          on_n1)) == R"(pods "p" is forbidden: node n1 UID mismatch: expected other got u1)");
  CHECK(create(PodJson(std::string(kMirror) + kOwner,
                       on_n1 + R"(,"volumes":[{"name":"s","secret":{"secretName":"x"}}])")) ==
        R"(pods "p" is forbidden: node "n1" can not create pods that reference secrets)");
  CHECK(create(PodJson(std::string(kMirror) + kOwner, on_n1 + R"(,"serviceAccountName":"sa")")) ==
        R"(pods "p" is forbidden: node "n1" can not create pods that reference a service account)");
}

TEST_CASE_FIXTURE(Fixture, "a node deletes and updates the status of its own pods only") {
  Pod mine = PodJson("", R"(,"nodeName":"n1")");
  Pod theirs = PodJson("", R"(,"nodeName":"n2")");
  CHECK(
      Check(Operation::kDelete, "", "pods", "ns", "p", nullptr, &theirs) ==
      R"(pods "p" is forbidden: node "n1" can only delete pods with spec.nodeName set to itself)");
  CHECK(Check(Operation::kDelete, "", "pods", "ns", "p", nullptr, &mine) == "");
  CHECK(
      Check(Operation::kUpdate, "", "pods", "ns", "p", &theirs, &theirs, "status") ==
      R"(pods "p" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself)");
  CHECK(Check(Operation::kUpdate, "", "pods", "ns", "p", &mine, &mine, "status") == "");
  Pod relabelled = PodJson(R"(,"labels":{"a":"b"})", R"(,"nodeName":"n1")");
  CHECK(Check(Operation::kUpdate, "", "pods", "ns", "p", &relabelled, &mine, "status") ==
        R"(pods "p" is forbidden: node "n1" cannot update labels through pod status)");
  CHECK(
      Check(Operation::kUpdate, "", "pods", "ns", "p", &mine, &mine) ==
      R"(pods "p" is forbidden: unexpected operation "UPDATE", node "n1" can only create and delete mirror pods)");
  CHECK(
      Check(Operation::kCreate, "", "pods", "ns", "p", &mine, nullptr, "binding") ==
      R"(pods "p" is forbidden: unexpected pod subresource "binding", only 'status' and 'eviction' are allowed)");
}

TEST_CASE_FIXTURE(Fixture, "a node evicts only its own pods") {
  for (auto [name, node] : {std::pair{"mine", "n1"}, std::pair{"theirs", "n2"}}) {
    auto pod = std::make_unique<Pod>(PodJson("", std::string(R"(,"nodeName":")") + node + R"(")"));
    REQUIRE(store->Create(storage::ObjectKey("pods", "ns", name), std::move(pod)).ok());
  }
  Pod eviction;  // the plugin reads the pod named by the request, not the body
  CHECK(Check(Operation::kCreate, "", "pods", "ns", "mine", &eviction, nullptr, "eviction") == "");
  CHECK(
      Check(Operation::kCreate, "", "pods", "ns", "theirs", &eviction, nullptr, "eviction") ==
      R"(pods "theirs" is forbidden: node n1 can only evict pods with spec.nodeName set to itself)");
  CHECK(Check(Operation::kCreate, "", "pods", "ns", "gone", &eviction, nullptr, "eviction") ==
        R"(pods "gone" not found)");
}

TEST_CASE_FIXTURE(Fixture, "a node writes only its own Lease in kube-node-lease") {
  auto lease = FromJson<Lease>(R"({"metadata":{"name":"n1"}})");
  CHECK(Check(Operation::kUpdate, "coordination.k8s.io", "leases", "kube-node-lease", "n1", &lease,
              &lease) == "");
  CHECK(
      Check(Operation::kCreate, "coordination.k8s.io", "leases", "default", "n1", &lease,
            nullptr) ==
      R"(leases.coordination.k8s.io "n1" is forbidden: can only access leases in the "kube-node-lease" system namespace)");
  CHECK(
      Check(Operation::kDelete, "coordination.k8s.io", "leases", "kube-node-lease", "n2", nullptr,
            &lease) ==
      R"(leases.coordination.k8s.io "n2" is forbidden: can only access node lease with the same name as the requesting node)");
}

}  // namespace
}  // namespace pk::admission
