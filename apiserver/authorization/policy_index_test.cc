// The index over a real (memory) store: it lists, then follows writes; a write acknowledged
// through TrackWrites is waited for; aggregated ClusterRoles are rewritten.
#include <doctest/doctest.h>

#include "apiserver/authorization/internal.h"
#include "tests/testing.h"

namespace pk::apiserver::authorization {
namespace {

using k8s::rbac::v1::ClusterRole;
using k8s::rbac::v1::ClusterRoleBinding;

std::unique_ptr<ClusterRoleBinding> BindingOf(const std::string& name, const std::string& user,
                                              const std::string& role) {
  auto b = std::make_unique<ClusterRoleBinding>();
  b->mutable_metadata()->set_name(name);
  auto* s = b->add_subjects();
  s->set_kind("User");
  s->set_name(user);
  b->mutable_role_ref()->set_kind("ClusterRole");
  b->mutable_role_ref()->set_name(role);
  return b;
}

TEST_CASE("PolicyIndex follows the store; Freshness waits for acknowledged writes") {
  auto freshness = NewFreshness();
  auto store = TrackWrites(storage::NewMemoryStore(), freshness);
  auto reader = std::make_unique<ClusterRole>();
  reader->mutable_metadata()->set_name("reader");
  *reader->add_rules() = MakeRule({{"get"}, {""}, {"pods"}});
  REQUIRE(store->Create(storage::ObjectKey("clusterroles", "", "reader"), std::move(reader)).ok());

  auto index = std::make_shared<PolicyIndex>();
  index->Start(store.get(), freshness, nullptr);
  CHECK(freshness->WaitCaughtUp(std::chrono::seconds(5)));
  CHECK(index->ClusterRole("reader") != nullptr);

  auto rbac = NewRBACAuthorizer(index);
  Attributes a;
  a.user = {"jane", "", {}};
  a.resource_request = true;
  a.verb = "get";
  a.resource = "pods";
  a.ns = "default";
  CHECK_FALSE(rbac->Authorize(a).allowed());
  REQUIRE(store
              ->Create(storage::ObjectKey("clusterrolebindings", "", "jane"),
                       BindingOf("jane", "jane", "reader"))
              .ok());
  CHECK(freshness->WaitCaughtUp(std::chrono::seconds(5)));
  CHECK_FALSE(freshness->Behind());
  CHECK(rbac->Authorize(a).allowed());

  REQUIRE(store->Delete(storage::ObjectKey("clusterrolebindings", "", "jane")).ok());
  CHECK(freshness->WaitCaughtUp(std::chrono::seconds(5)));
  CHECK_FALSE(rbac->Authorize(a).allowed());
  index->Stop();
}

TEST_CASE("Freshness: behind until the index has listed once, then a relist keeps the roles") {
  auto freshness = NewFreshness();
  auto store = TrackWrites(storage::NewMemoryStore(), freshness);
  REQUIRE(store
              ->Create(storage::ObjectKey("clusterrolebindings", "", "jane"),
                       BindingOf("jane", "jane", "reader"))
              .ok());
  // A restarted apiserver: the stored binding was acknowledged by another process.
  auto restarted = NewFreshness();
  CHECK_FALSE(restarted->Behind());
  auto index = std::make_shared<PolicyIndex>();
  index->Start(store.get(), restarted, nullptr);
  // Expect() marks every tracked resource before the first list, so a denial waits.
  CHECK(restarted->WaitCaughtUp(std::chrono::seconds(5)));
  CHECK_FALSE(restarted->Behind());
  CHECK(index->ClusterRoleBindings().size() == 1);

  // Replace swaps a resource's objects in one step.
  auto got = store->Get(storage::ObjectKey("clusterrolebindings", "", "jane"));
  REQUIRE(got.ok());
  index->Replace("clusterrolebindings", {*got, *got});
  CHECK(index->ClusterRoleBindings().size() == 1);
  index->Replace("clusterrolebindings", {});
  CHECK(index->ClusterRoleBindings().empty());
  index->Stop();
}

TEST_CASE("Freshness::Expect holds Behind until the resource is applied") {
  Freshness freshness;
  freshness.Expect("roles");
  CHECK(freshness.Behind());
  CHECK_FALSE(freshness.WaitCaughtUp(std::chrono::milliseconds(10)));
  freshness.Applied("roles", 0);  // an empty store lists at revision 0
  CHECK_FALSE(freshness.Behind());
}

TEST_CASE("Aggregator rewrites the rules of aggregated ClusterRoles") {
  auto freshness = NewFreshness();
  auto store = TrackWrites(storage::NewMemoryStore(), freshness);
  auto index = std::make_shared<PolicyIndex>();
  auto aggregator = std::make_unique<Aggregator>(store.get(), index);
  index->Start(store.get(), freshness, [&] { aggregator->Changed(); });

  auto agg = std::make_unique<ClusterRole>();
  agg->mutable_metadata()->set_name("all-readers");
  (*agg->mutable_aggregation_rule()->add_cluster_role_selectors()->mutable_match_labels())["read"] =
      "true";
  REQUIRE(
      store->Create(storage::ObjectKey("clusterroles", "", "all-readers"), std::move(agg)).ok());
  auto part = std::make_unique<ClusterRole>();
  part->mutable_metadata()->set_name("pods-reader");
  (*part->mutable_metadata()->mutable_labels())["read"] = "true";
  *part->add_rules() = MakeRule({{"get"}, {""}, {"pods"}});
  REQUIRE(
      store->Create(storage::ObjectKey("clusterroles", "", "pods-reader"), std::move(part)).ok());

  auto rules_of = [&](const std::string& name) {
    auto got = store->Get(storage::ObjectKey("clusterroles", "", name));
    return got.ok() ? static_cast<const ClusterRole&>(**got).rules_size() : -1;
  };
  CHECK(testing::Eventually([&] { return rules_of("all-readers") == 1; }));
  REQUIRE(store->Delete(storage::ObjectKey("clusterroles", "", "pods-reader")).ok());
  CHECK(testing::Eventually([&] { return rules_of("all-readers") == 0; }));
  index->Stop();
  aggregator.reset();
}

}  // namespace
}  // namespace pk::apiserver::authorization
