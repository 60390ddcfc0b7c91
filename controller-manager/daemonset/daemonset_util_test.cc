// The DaemonSet controller's pure helpers (daemonset_util.h): the tolerations it adds, which
// nodes should run a pod, the node affinity term, surge and unavailable scaling, revisions.
#include "controller-manager/daemonset/daemonset_util.h"

#include <doctest/doctest.h>

#include "controller-manager/daemonset/daemonset_internal.h"
#include "controller-manager/daemonset/testing.h"
#include "proto/apps/v1/apps.pb.h"

namespace pk::controllers {
namespace {

using daemonset::GetTargetNodeName;
using daemonset::testing::FindToleration;
using daemonset::testing::MakeDaemonSet;
using daemonset::testing::MakeNode;
using k8s::apps::v1::ControllerRevision;
using k8s::apps::v1::DaemonSet;
using k8s::core::v1::Node;
using k8s::core::v1::Pod;
using k8s::core::v1::Toleration;

TEST_CASE(
    "daemon tolerations: added, a matching one replaced, network-unavailable for hostNetwork") {
  k8s::core::v1::PodSpec spec;
  auto* mine = spec.add_tolerations();
  mine->set_key("node.kubernetes.io/not-ready");
  mine->set_operator_("Exists");
  mine->set_effect("NoExecute");
  mine->set_toleration_seconds(300);
  daemonset::AddOrUpdateDaemonPodTolerations(&spec);
  REQUIRE(spec.tolerations_size() == 6);
  CHECK(spec.tolerations(0).key() == "node.kubernetes.io/not-ready");
  CHECK_FALSE(spec.tolerations(0).has_toleration_seconds());
  std::set<std::string> keys;
  for (const auto& t : spec.tolerations()) keys.insert(t.key() + ":" + t.effect());
  CHECK(keys == std::set<std::string>{"node.kubernetes.io/not-ready:NoExecute",
                                      "node.kubernetes.io/unreachable:NoExecute",
                                      "node.kubernetes.io/disk-pressure:NoSchedule",
                                      "node.kubernetes.io/memory-pressure:NoSchedule",
                                      "node.kubernetes.io/pid-pressure:NoSchedule",
                                      "node.kubernetes.io/unschedulable:NoSchedule"});
  spec.set_host_network(true);
  daemonset::AddOrUpdateDaemonPodTolerations(&spec);
  CHECK(spec.tolerations_size() == 7);
  CHECK(spec.tolerations(6).key() == "node.kubernetes.io/network-unavailable");
}

TEST_CASE("NodeShouldRunDaemonPod: selector, affinity, NoSchedule and NoExecute taints") {
  DaemonSet ds = MakeDaemonSet("ds");
  auto* spec = ds.mutable_spec()->mutable_template_()->mutable_spec();
  (*spec->mutable_node_selector())["role"] = "worker";
  auto* expr = spec->mutable_affinity()
                   ->mutable_node_affinity()
                   ->mutable_required_during_scheduling_ignored_during_execution()
                   ->add_node_selector_terms()
                   ->add_match_expressions();
  expr->set_key("zone");
  expr->set_operator_("NotIn");
  expr->add_values("z9");
  auto run = [&](const Node& n) {
    auto p = daemonset::NodeShouldRunDaemonPod(n, ds);
    return std::make_pair(p.should_run, p.should_continue_running);
  };
  using P = std::pair<bool, bool>;
  CHECK(run(MakeNode("a", {{"role", "worker"}})) == P{true, true});
  CHECK(run(MakeNode("b", {{"role", "db"}})) == P{false, false});
  CHECK(run(MakeNode("c", {{"role", "worker"}, {"zone", "z9"}})) == P{false, false});
  CHECK(run(MakeNode("d", {{"role", "worker"}}, {{"x", "NoSchedule"}})) == P{false, true});
  CHECK(run(MakeNode("e", {{"role", "worker"}}, {{"x", "NoExecute"}})) == P{false, false});
  CHECK(run(MakeNode("f", {{"role", "worker"}}, {{"x", "PreferNoSchedule"}})) == P{true, true});
  // The daemon tolerations at work.
  CHECK(run(MakeNode("g", {{"role", "worker"}},
                     {{"node.kubernetes.io/unschedulable", "NoSchedule"},
                      {"node.kubernetes.io/not-ready", "NoExecute"}})) == P{true, true});
  spec->set_node_name("a");
  CHECK(run(MakeNode("h", {{"role", "worker"}})) == P{false, false});
}

TEST_CASE("the node affinity term names the node; GetTargetNodeName reads it back") {
  k8s::core::v1::PodSpec spec;
  auto* pref = spec.mutable_affinity()
                   ->mutable_node_affinity()
                   ->add_preferred_during_scheduling_ignored_during_execution();
  pref->set_weight(1);
  spec.mutable_affinity()
      ->mutable_node_affinity()
      ->mutable_required_during_scheduling_ignored_during_execution()
      ->add_node_selector_terms()
      ->add_match_expressions()
      ->set_key("role");
  daemonset::ReplaceDaemonSetPodNodeNameNodeAffinity(&spec, "n1");
  const auto& na = spec.affinity().node_affinity();
  REQUIRE(na.required_during_scheduling_ignored_during_execution().node_selector_terms_size() == 1);
  const auto& term =
      na.required_during_scheduling_ignored_during_execution().node_selector_terms(0);
  CHECK(term.match_expressions_size() == 0);
  REQUIRE(term.match_fields_size() == 1);
  CHECK(term.match_fields(0).key() == "metadata.name");
  CHECK(term.match_fields(0).operator_() == "In");
  CHECK(term.match_fields(0).values(0) == "n1");
  CHECK(na.preferred_during_scheduling_ignored_during_execution_size() == 1);
  Pod pod;
  *pod.mutable_spec() = spec;
  CHECK(GetTargetNodeName(pod) == "n1");
  pod.mutable_spec()->set_node_name("n2");
  CHECK(GetTargetNodeName(pod) == "n2");
  CHECK_FALSE(GetTargetNodeName(Pod()).has_value());
}

TEST_CASE("maxSurge and maxUnavailable scale to the desired nodes, rounding up") {
  DaemonSet ds = MakeDaemonSet("ds");
  ds.mutable_spec()->mutable_update_strategy()->set_type("RollingUpdate");
  auto* rolling = ds.mutable_spec()->mutable_update_strategy()->mutable_rolling_update();
  rolling->mutable_max_unavailable()->set_type(1);
  rolling->mutable_max_unavailable()->set_str_val("10%");
  rolling->mutable_max_surge()->set_int_val(0);
  CHECK(daemonset::UnavailableCount(ds, 5) == 1);
  CHECK(daemonset::UnavailableCount(ds, 25) == 3);
  CHECK_FALSE(daemonset::AllowsSurge(ds));
  rolling->mutable_max_surge()->set_type(1);
  rolling->mutable_max_surge()->set_str_val("50%");
  CHECK(daemonset::AllowsSurge(ds));
  CHECK(daemonset::SurgeCount(ds, 3) == 2);
  ds.mutable_spec()->mutable_update_strategy()->set_type("OnDelete");
  CHECK(daemonset::UnavailableCount(ds, 5) == 0);
  CHECK(daemonset::SurgeCount(ds, 5) == 0);
}

TEST_CASE("a ControllerRevision matches the template it was made from, whatever its key order") {
  DaemonSet ds = MakeDaemonSet("ds");
  std::string patch = daemonset::GetPatch(ds);
  CHECK(patch.find(R"("$patch":"replace")") != std::string::npos);
  CHECK(patch.rfind(R"({"spec":{"template":{)", 0) == 0);
  ControllerRevision revision;
  revision.mutable_data()->set_raw(patch);
  CHECK(daemonset::Match(ds, revision));
  // The same document re-encoded with other key order and spacing.
  auto reordered = nlohmann::ordered_json::parse(patch);
  auto& tmpl = reordered["spec"]["template"];
  nlohmann::ordered_json flipped;
  for (auto it = tmpl.rbegin(); it != tmpl.rend(); ++it) flipped[it.key()] = it.value();
  tmpl = flipped;
  revision.mutable_data()->set_raw(reordered.dump(2));
  CHECK(daemonset::Match(ds, revision));
  ds.mutable_spec()->mutable_template_()->mutable_spec()->mutable_containers(0)->set_image("x");
  CHECK_FALSE(daemonset::Match(ds, revision));
  revision.mutable_data()->set_raw("not json");
  CHECK_FALSE(daemonset::Match(ds, revision));
}

// ---------------------------------------------------------------------------------------------
// The controller.

}  // namespace
}  // namespace pk::controllers
