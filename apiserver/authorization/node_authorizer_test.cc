// The Node authorizer: a kubelet reaches its own Node, its Lease and what its pods use, and
// nothing of other nodes (after node_authorizer_test.go).
#include <doctest/doctest.h>

#include "apiserver/authorization/internal.h"

namespace pk::apiserver::authorization {
namespace {

std::shared_ptr<k8s::core::v1::Pod> MakePod(const std::string& ns, const std::string& name,
                                            const std::string& node) {
  auto pod = std::make_shared<k8s::core::v1::Pod>();
  pod->mutable_metadata()->set_name(name);
  pod->mutable_metadata()->set_namespace_(ns);
  pod->mutable_spec()->set_node_name(node);
  auto* v = pod->mutable_spec()->add_volumes();
  v->set_name("creds");
  v->mutable_secret()->set_secret_name(name + "-secret");
  auto* c = pod->mutable_spec()->add_containers();
  c->set_name("app");
  c->add_env_from()->mutable_config_map_ref()->set_name(name + "-config");
  auto* claim = pod->mutable_spec()->add_volumes();
  claim->set_name("data");
  claim->mutable_persistent_volume_claim()->set_claim_name(name + "-data");
  return pod;
}

struct Fixture {
  std::shared_ptr<PolicyIndex> index = std::make_shared<PolicyIndex>();
  std::unique_ptr<Authorizer> node = NewNodeAuthorizer(index);
  UserInfo n1{"system:node:n1", "", {"system:nodes", "system:authenticated"}};

  Fixture() {
    index->Put("pods", "default", "mine", MakePod("default", "mine", "n1"));
    index->Put("pods", "default", "theirs", MakePod("default", "theirs", "n2"));
    index->Put("pods", "default", "pending", MakePod("default", "pending", ""));
  }
  Verdict Ask(std::string verb, std::string resource, std::string name, std::string ns = "",
              std::string sub = "", std::string group = "", std::string fields = "") {
    Attributes a;
    a.user = n1;
    a.resource_request = true;
    a.verb = std::move(verb);
    a.resource = std::move(resource);
    a.name = std::move(name);
    a.ns = std::move(ns);
    a.subresource = std::move(sub);
    a.api_group = std::move(group);
    a.field_selector = std::move(fields);
    return node->Authorize(a);
  }
};

TEST_CASE("Node authorizer: its own Node, not another's") {
  Fixture f;
  CHECK(f.Ask("get", "nodes", "n1").allowed());
  CHECK(f.Ask("watch", "nodes", "n1").allowed());  // list/watch by metadata.name
  CHECK(f.Ask("update", "nodes", "n1").allowed());
  CHECK(f.Ask("patch", "nodes", "n1", "", "status").allowed());
  CHECK(f.Ask("create", "nodes", "").allowed());
  Verdict v = f.Ask("patch", "nodes", "n2", "", "status");
  CHECK_FALSE(v.allowed());
  CHECK(v.reason == R"(node "n1" is not allowed to modify node "n2")");
  CHECK_FALSE(f.Ask("update", "nodes", "n2").allowed());
  v = f.Ask("get", "nodes", "n2");
  CHECK(v.reason == "node 'n1' cannot read 'n2', only its own Node object");
  v = f.Ask("list", "nodes", "");
  CHECK(v.reason == "node 'n1' cannot read all nodes, only its own Node object");
  CHECK_FALSE(f.Ask("delete", "nodes", "n1").allowed());
}

TEST_CASE("Node authorizer: pods bound to it") {
  Fixture f;
  CHECK(f.Ask("get", "pods", "mine", "default").allowed());
  Verdict v = f.Ask("get", "pods", "theirs", "default");
  CHECK_FALSE(v.allowed());
  CHECK(v.reason == "no relationship found between node 'n1' and this object");
  CHECK(f.Ask("list", "pods", "", "", "", "", "spec.nodeName=n1").allowed());
  CHECK(f.Ask("watch", "pods", "", "", "", "", "spec.nodeName=n1").allowed());
  v = f.Ask("list", "pods", "", "");
  CHECK(v.reason == "can only list/watch pods with spec.nodeName field selector");
  CHECK_FALSE(f.Ask("watch", "pods", "", "", "", "", "spec.nodeName=n2").allowed());
  // The writes a kubelet makes are allowed here, for any pod: the NodeRestriction admission
  // plugin limits them to pods bound to the node (apiserver_test.cc), as in Kubernetes.
  CHECK(f.Ask("update", "pods", "mine", "default", "status").allowed());
  CHECK(f.Ask("patch", "pods", "theirs", "default", "status").allowed());
  CHECK(f.Ask("create", "pods", "", "default").allowed());  // mirror pods
  CHECK(f.Ask("delete", "pods", "theirs", "default").allowed());
  CHECK(f.Ask("create", "pods", "theirs", "default", "eviction").allowed());
  CHECK_FALSE(f.Ask("update", "pods", "mine", "default").allowed());
  CHECK_FALSE(f.Ask("patch", "pods", "mine", "default").allowed());
  CHECK_FALSE(f.Ask("get", "pods", "mine", "default", "log").allowed());
}

TEST_CASE("Node authorizer: secrets, configmaps and claims of its pods only") {
  Fixture f;
  CHECK(f.Ask("get", "secrets", "mine-secret", "default").allowed());
  CHECK(f.Ask("watch", "configmaps", "mine-config", "default").allowed());
  CHECK(f.Ask("get", "persistentvolumeclaims", "mine-data", "default").allowed());
  Verdict v = f.Ask("get", "secrets", "theirs-secret", "default");
  CHECK_FALSE(v.allowed());
  CHECK(v.reason == "no relationship found between node 'n1' and this object");
  CHECK_FALSE(f.Ask("get", "secrets", "mine-secret", "other").allowed());
  CHECK_FALSE(f.Ask("get", "secrets", "pending-secret", "default").allowed());
  CHECK(f.Ask("list", "secrets", "", "default").reason == "No Object name found");
  CHECK(f.Ask("update", "secrets", "mine-secret", "default").reason ==
        "can only read resources of this type");
  CHECK(f.Ask("list", "persistentvolumeclaims", "", "default").reason ==
        "can only get individual resources of this type");

  // The index follows the pods: once deleted, the node loses access.
  f.index->Put("pods", "default", "mine", nullptr);
  CHECK_FALSE(f.Ask("get", "secrets", "mine-secret", "default").allowed());
  CHECK_FALSE(f.Ask("get", "pods", "mine", "default").allowed());
}

TEST_CASE("Node authorizer: its Lease, events, and non-nodes") {
  Fixture f;
  const std::string coord = "coordination.k8s.io";
  CHECK(f.Ask("update", "leases", "n1", "kube-node-lease", "", coord).allowed());
  CHECK(f.Ask("create", "leases", "", "kube-node-lease", "", coord).allowed());
  CHECK(f.Ask("update", "leases", "n2", "kube-node-lease", "", coord).reason ==
        "can only access node lease with the same name as the requesting node");
  CHECK(f.Ask("get", "leases", "n1", "default", "", coord).reason ==
        "can only access leases in the \"kube-node-lease\" system namespace");
  CHECK(f.Ask("list", "leases", "", "kube-node-lease", "", coord).reason ==
        "can only get, create, update, patch, or delete a node lease");
  CHECK(f.Ask("create", "events", "", "default").allowed());
  CHECK(f.Ask("patch", "events", "e1", "default").allowed());
  CHECK(f.Ask("list", "services", "", "").allowed());
  CHECK_FALSE(f.Ask("create", "deployments", "", "default", "", "apps").allowed());
  CHECK_FALSE(f.Ask("delete", "events", "e1", "default").allowed());

  Attributes a;
  a.user = {"system:node:n1", "", {"system:authenticated"}};  // not in system:nodes
  a.resource_request = true;
  a.verb = "get";
  a.resource = "nodes";
  a.name = "n1";
  CHECK(f.node->Authorize(a).decision == Decision::kNoOpinion);
  CHECK(f.node->Authorize(a).reason.empty());
  CHECK(f.node->RulesFor(f.n1, "default").incomplete);
}

}  // namespace
}  // namespace pk::apiserver::authorization
