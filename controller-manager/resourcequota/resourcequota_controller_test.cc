// The resource quota controller with the real apiserver (and its ResourceQuota admission):
// status.hard and status.used set on create, the refusal once used reaches hard, and the
// recount after a deletion or a pod turning terminal that lets a create through again.
#include "controller-manager/resourcequota/resourcequota_controller.h"

#include <doctest/doctest.h>

#include "client/test_apiserver.h"
#include "controller-manager/controller_manager.h"
#include "proto/core/v1/policy.pb.h"
#include "tests/testing.h"

namespace pk::controllers {
namespace {

using k8s::core::v1::Pod;
using k8s::core::v1::ResourceQuota;
using pk::testing::Eventually;

struct Cluster {
  Cluster() : cs(server.NewClientset()) {
    ControllerManagerOptions options;
    options.apiserver = server.target();
    options.leader_elect = false;
    // The serviceaccount controller makes "default", which the ServiceAccount admission
    // plugin requires of every pod.
    options.controllers = {"resourcequota", "serviceaccount"};
    auto started = ControllerManager::Start(options);
    REQUIRE_MESSAGE(started.ok(), started.status().message());
    manager = std::move(started).value();
  }
  Status CreatePod(const std::string& name, const std::string& cpu) {
    Pod pod;
    pod.mutable_metadata()->set_name(name);
    auto* c = pod.mutable_spec()->add_containers();
    c->set_name("app");
    c->set_image("nginx");
    (*c->mutable_resources()->mutable_requests())["cpu"].set_string(cpu);
    auto created = cs.Pods("default").Create(pod);
    return created.ok() ? Status() : created.status();
  }
  // "used/hard" of one resource, as kubectl describe quota shows it.
  std::string Usage(const std::string& resource) {
    auto q = cs.Resource<ResourceQuota>("default").Get("q");
    if (!q.ok()) return "error";
    auto used = (*q)->status().used().find(resource);
    auto hard = (*q)->status().hard().find(resource);
    if (used == (*q)->status().used().end() || hard == (*q)->status().hard().end()) return "";
    return used->second.string() + "/" + hard->second.string();
  }

  client::testing::TestApiServer server;
  client::Clientset cs;
  std::unique_ptr<ControllerManager> manager;
};

TEST_CASE("used is counted, enforced, and recounted after a deletion") {
  Cluster c;
  REQUIRE(c.CreatePod("before", "100m").ok());
  ResourceQuota q;
  q.mutable_metadata()->set_name("q");
  (*q.mutable_spec()->mutable_hard())["pods"].set_string("2");
  (*q.mutable_spec()->mutable_hard())["requests.cpu"].set_string("1");
  REQUIRE(c.cs.Resource<ResourceQuota>("default").Create(q).ok());
  REQUIRE(Eventually([&] { return c.Usage("pods") == "1/2"; }, std::chrono::seconds(10)));
  CHECK(c.Usage("requests.cpu") == "100m/1");

  REQUIRE(c.CreatePod("second", "200m").ok());
  CHECK(c.Usage("pods") == "2/2");  // charged by admission at once
  CHECK(c.Usage("requests.cpu") == "300m/1");
  Status refused = c.CreatePod("third", "100m");
  CHECK(refused.code() == 403);
  CHECK(refused.message() ==
        "pods \"third\" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, "
        "limited: pods=2");

  REQUIRE(c.cs.Pods("default").Delete("before").ok());
  REQUIRE(Eventually([&] { return c.Usage("pods") == "1/2"; }, std::chrono::seconds(10)));
  CHECK(c.Usage("requests.cpu") == "200m/1");
  CHECK(c.CreatePod("third", "100m").ok());

  // A pod that finished uses no compute and is no longer among "pods".
  REQUIRE(c.cs.Pods("default")
              .PatchStatus("second", "application/merge-patch+json",
                           R"({"status":{"phase":"Succeeded"}})")
              .ok());
  REQUIRE(Eventually([&] { return c.Usage("pods") == "1/2"; }, std::chrono::seconds(10)));
  CHECK(c.Usage("requests.cpu") == "100m/1");
}

TEST_CASE("a change of spec.hard is reflected in status.hard") {
  Cluster c;
  ResourceQuota q;
  q.mutable_metadata()->set_name("q");
  (*q.mutable_spec()->mutable_hard())["configmaps"].set_string("3");
  REQUIRE(c.cs.Resource<ResourceQuota>("default").Create(q).ok());
  REQUIRE(Eventually([&] { return c.Usage("configmaps") == "0/3"; }, std::chrono::seconds(10)));
  auto stored = c.cs.Resource<ResourceQuota>("default").Get("q");
  REQUIRE(stored.ok());
  ResourceQuota next = **stored;
  (*next.mutable_spec()->mutable_hard())["configmaps"].set_string("5");
  REQUIRE(c.cs.Resource<ResourceQuota>("default").Update(next).ok());
  REQUIRE(Eventually([&] { return c.Usage("configmaps") == "0/5"; }, std::chrono::seconds(10)));
}

}  // namespace
}  // namespace pk::controllers
