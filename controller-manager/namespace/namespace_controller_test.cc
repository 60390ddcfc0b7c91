#include "controller-manager/namespace/namespace_controller.h"

#include <doctest/doctest.h>

#include "client/errors.h"
#include "client/test_apiserver.h"
#include "controller-manager/controller_manager.h"
#include "controller-manager/namespace/namespaced_resources_deleter.h"
#include "proto/apps/v1/apps.pb.h"
#include "proto/core/v1/config.pb.h"
#include "proto/core/v1/namespace.pb.h"
#include "proto/core/v1/pod.pb.h"
#include "tests/testing.h"

namespace pk::controllers {
namespace {

using k8s::core::v1::ConfigMap;
using k8s::core::v1::Namespace;
using k8s::core::v1::NamespaceCondition;
using k8s::core::v1::Pod;

template <class T>
T Named(const std::string& name) {
  T object;
  object.mutable_metadata()->set_name(name);
  return object;
}

Pod NewPod(const std::string& name) {
  Pod pod = Named<Pod>(name);
  auto* c = pod.mutable_spec()->add_containers();
  c->set_name("c");
  c->set_image("nginx");
  return pod;
}

k8s::apps::v1::Deployment NewDeployment(const std::string& name) {
  auto d = Named<k8s::apps::v1::Deployment>(name);
  (*d.mutable_spec()->mutable_selector()->mutable_match_labels())["app"] = name;
  auto* t = d.mutable_spec()->mutable_template_();
  (*t->mutable_metadata()->mutable_labels())["app"] = name;
  auto* c = t->mutable_spec()->add_containers();
  c->set_name("c");
  c->set_image("nginx");
  return d;
}

const NamespaceCondition* Condition(const Namespace& ns, const std::string& type) {
  for (const auto& c : ns.status().conditions()) {
    if (c.type() == type) return &c;
  }
  return nullptr;
}

TEST_CASE("conditions: failing ones True with Kubernetes' reasons, the others False") {
  k8s::core::v1::NamespaceStatus status;
  ContentTotals totals;
  totals.remaining_by_resource["pods."] = 2;
  totals.remaining_by_finalizer["example.com/x"] = 1;
  CHECK(UpdateNamespaceConditions(totals, &status));
  CHECK_FALSE(UpdateNamespaceConditions(totals, &status));  // unchanged
  REQUIRE(status.conditions_size() == 5);
  Namespace ns;
  *ns.mutable_status() = status;
  const auto* remaining = Condition(ns, "NamespaceContentRemaining");
  REQUIRE(remaining != nullptr);
  CHECK(remaining->status() == "True");
  CHECK(remaining->reason() == "SomeResourcesRemain");
  CHECK(remaining->message() == "Some resources are remaining: pods. has 2 resource instances");
  const auto* finalizers = Condition(ns, "NamespaceFinalizersRemaining");
  CHECK(finalizers->reason() == "SomeFinalizerRemain");
  CHECK(finalizers->message() ==
        "Some finalizers are remaining: example.com/x in 1 resource instances");
  const auto* content = Condition(ns, "NamespaceDeletionContentFailure");
  CHECK(content->status() == "False");
  CHECK(content->reason() == "ContentDeleted");
  CHECK(UpdateNamespaceConditions(ContentTotals{}, ns.mutable_status()));
  CHECK(Condition(ns, "NamespaceContentRemaining")->reason() == "ContentRemoved");
  CHECK(Condition(ns, "NamespaceContentRemaining")->status() == "False");
}

TEST_CASE("a deleted namespace is emptied, waits for finalizers of its content, then goes") {
  client::testing::TestApiServer server;
  auto cs = server.NewClientset();
  ControllerManagerOptions options;
  options.apiserver = server.target();
  options.leader_elect = false;
  options.controllers = {"namespace"};
  options.time_scale = 0.1;
  auto manager = ControllerManager::Start(options);
  REQUIRE_MESSAGE(manager.ok(), manager.status().message());

  REQUIRE(cs.Resource<Namespace>().Create(Named<Namespace>("team-a")).ok());
  auto pods = cs.Resource<Pod>("team-a");
  auto configmaps = cs.Resource<ConfigMap>("team-a");
  auto deployments = cs.Resource<k8s::apps::v1::Deployment>("team-a");
  for (const char* name : {"a", "b", "c"}) REQUIRE(pods.Create(NewPod(name)).ok());
  REQUIRE(configmaps.Create(Named<ConfigMap>("settings")).ok());
  ConfigMap held = Named<ConfigMap>("held");
  held.mutable_metadata()->add_finalizers("example.com/hold");
  REQUIRE(configmaps.Create(held).ok());
  REQUIRE(deployments.Create(NewDeployment("web")).ok());
  // Another namespace's content stays.
  REQUIRE(cs.Resource<ConfigMap>("default").Create(Named<ConfigMap>("keep")).ok());

  REQUIRE(cs.Resource<Namespace>().Delete("team-a").ok());
  auto ns = cs.Resource<Namespace>();
  CHECK(pk::testing::Eventually([&] {
    auto got = ns.Get("team-a");
    if (!got.ok()) return false;
    const auto* c = Condition(**got, "NamespaceFinalizersRemaining");
    return c != nullptr && c->status() == "True";
  }));
  auto got = ns.Get("team-a");
  REQUIRE(got.ok());
  CHECK((*got)->status().phase() == "Terminating");
  const auto* remaining = Condition(**got, "NamespaceContentRemaining");
  REQUIRE(remaining != nullptr);
  CHECK(remaining->message() ==
        "Some resources are remaining: configmaps. has 1 resource instances");
  CHECK(Condition(**got, "NamespaceFinalizersRemaining")->message() ==
        "Some finalizers are remaining: example.com/hold in 1 resource instances");
  CHECK(pods.List()->items.empty());
  CHECK(deployments.List()->items.empty());
  CHECK(configmaps.List()->items.size() == 1);

  // The content's finalizer goes: so does the content, then the namespace.
  REQUIRE(configmaps
              .Patch("held", "application/merge-patch+json", R"({"metadata":{"finalizers":null}})")
              .ok());
  CHECK(pk::testing::Eventually([&] { return client::IsNotFound(ns.Get("team-a").status()); }));
  CHECK(cs.Resource<ConfigMap>("default").Get("keep").ok());
  CHECK(ns.Get("default").ok());
}

}  // namespace
}  // namespace pk::controllers
