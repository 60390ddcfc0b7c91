#include "controller-manager/controller_manager.h"

#include <doctest/doctest.h>

#include <algorithm>

#include "client/test_apiserver.h"
#include "controller-manager/controller.h"
#include "proto/core/v1/config.pb.h"
#include "proto/core/v1/namespace.pb.h"
#include "tests/testing.h"

namespace pk::controllers {
namespace {

TEST_CASE("--controllers selects as Kubernetes reads it") {
  auto all = *SelectControllers({"*"});
  CHECK(*SelectControllers({}) == all);
  CHECK(std::count(all.begin(), all.end(), "serviceaccount") == 1);
  auto without = *SelectControllers({"*", "-serviceaccount"});
  CHECK(std::count(without.begin(), without.end(), "serviceaccount") == 0);
  CHECK(without.size() == all.size() - 1);
  CHECK(*SelectControllers({"serviceaccount"}) == std::vector<std::string>{"serviceaccount"});
  auto bad = SelectControllers({"nope"});
  REQUIRE(!bad.ok());
  CHECK(bad.status().message().find("\"nope\" is not in the list of known controllers") == 0);
}

TEST_CASE("every namespace gets a default ServiceAccount, made again when deleted") {
  client::testing::TestApiServer server;
  auto cs = server.NewClientset();
  ControllerManagerOptions options;
  options.apiserver = server.target();
  options.leader_elect = false;
  options.controllers = {"serviceaccount"};
  auto manager = ControllerManager::Start(options);
  REQUIRE_MESSAGE(manager.ok(), manager.status().message());

  k8s::core::v1::Namespace ns;
  ns.mutable_metadata()->set_name("team-a");
  REQUIRE(cs.Resource<k8s::core::v1::Namespace>().Create(ns).ok());
  auto accounts = cs.Resource<k8s::core::v1::ServiceAccount>("team-a");
  CHECK(pk::testing::Eventually([&] { return accounts.Get("default").ok(); }));
  REQUIRE(accounts.Delete("default").ok());
  CHECK(pk::testing::Eventually([&] { return accounts.Get("default").ok(); }));
  // The namespaces that exist at start get one too.
  CHECK(pk::testing::Eventually(
      [&] { return cs.Resource<k8s::core::v1::ServiceAccount>("default").Get("default").ok(); }));
}

}  // namespace
}  // namespace pk::controllers
