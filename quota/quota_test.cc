// Quota accounting: list arithmetic with quantities, pod usage (init and sidecar containers,
// overhead, terminal pods), the must-specify constraint, scopes and object counts.
#include "quota/quota.h"

#include <doctest/doctest.h>

#include "apimachinery/codec.h"
#include "proto/core/v1/service.pb.h"

namespace pk::quota {
namespace {

using k8s::core::v1::Pod;

Quantity Q(const char* s) { return *Quantity::Parse(s); }

template <class T>
T FromJson(const std::string& json) {
  T m;
  Status s = json::Decode(json, &m, nullptr);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  return m;
}

Pod PodWith(const std::string& spec) {
  return FromJson<Pod>(R"({"metadata":{"name":"p","namespace":"ns"},"spec":)" + spec + "}");
}

TEST_CASE("lists add, subtract without going negative, mask and compare") {
  ResourceList a{{"requests.cpu", Q("250m")}, {"pods", Q("1")}};
  ResourceList b{{"requests.cpu", Q("1")}, {"requests.memory", Q("1Gi")}};
  ResourceList sum = Add(a, b);
  CHECK(PrettyPrint(sum) == "pods=1,requests.cpu=1250m,requests.memory=1Gi");
  CHECK(PrettyPrint(SubtractWithNonNegativeResult(a, b)) ==
        "pods=1,requests.cpu=0,requests.memory=0");
  CHECK(PrettyPrint(RemoveZeros(SubtractWithNonNegativeResult(a, b))) == "pods=1");
  CHECK(PrettyPrint(Mask(sum, {"pods", "limits.cpu"})) == "pods=1");
  ResourceNames exceeded;
  CHECK_FALSE(LessThanOrEqual(sum, {{"requests.cpu", Q("1")}, {"pods", Q("2")}}, &exceeded));
  CHECK(PrettyPrintNames(exceeded) == "requests.cpu");
  CHECK(LessThanOrEqual(sum, {{"pods", Q("1")}, {"secrets", Q("0")}}, nullptr));
  CHECK(PrettyPrintNames(IsNegative({{"cpu", Q("-1")}, {"memory", Q("1")}})) == "cpu");
  CHECK(Equals(FromProto([] {
                 ProtoList p;
                 p["cpu"].set_string("1000m");
                 return p;
               }()),
               {{"cpu", Q("1")}}));
}

TEST_CASE("pod usage: containers summed, init containers at their largest, overhead added") {
  Pod pod = PodWith(R"({"containers":[
      {"name":"a","image":"i","resources":{"requests":{"cpu":"100m","memory":"64Mi"},
                                           "limits":{"cpu":"200m"}}},
      {"name":"b","image":"i","resources":{"requests":{"cpu":"300m"}}}],
    "initContainers":[
      {"name":"side","image":"i","restartPolicy":"Always","resources":{"requests":{"cpu":"50m"}}},
      {"name":"init","image":"i","resources":{"requests":{"cpu":"1","memory":"32Mi"}}}],
    "overhead":{"cpu":"10m"}})");
  ResourceList usage = EvaluatorFor({"", "pods"}).Usage(pod, 0);
  // requests: 400m + 50m sidecar = 450m, raised to 1 + 50m by the init container, + 10m.
  CHECK(usage["requests.cpu"] == Q("1060m"));
  CHECK(usage["cpu"] == Q("1060m"));
  CHECK(usage["requests.memory"] == Q("64Mi"));
  CHECK(usage["limits.cpu"] == Q("210m"));
  CHECK(usage.count("limits.memory") == 0);
  CHECK(usage["pods"] == Q("1"));
  CHECK(usage["count/pods"] == Q("1"));

  pod.mutable_status()->set_phase("Succeeded");
  CHECK(PrettyPrint(EvaluatorFor({"", "pods"}).Usage(pod, 0)) == "count/pods=1");
}

TEST_CASE("a pod whose deletion grace period ran out is not charged") {
  Pod pod = PodWith(R"({"containers":[{"name":"a","image":"i"}]})");
  pod.mutable_metadata()->mutable_deletion_timestamp()->set_seconds(1000);
  pod.mutable_metadata()->set_deletion_grace_period_seconds(30);
  const Evaluator& e = EvaluatorFor({"", "pods"});
  CHECK(e.Usage(pod, 1030).count("pods") == 1);
  CHECK(e.Usage(pod, 1031).count("pods") == 0);
}

TEST_CASE("must specify: each constrained resource with the containers that omit it") {
  Pod pod = PodWith(R"({"containers":[
      {"name":"c2","image":"i","resources":{"requests":{"cpu":"1"}}},
      {"name":"c1","image":"i"}],
    "initContainers":[{"name":"i1","image":"i","resources":{"limits":{"cpu":"1"}}}]})");
  const Evaluator& e = EvaluatorFor({"", "pods"});
  CHECK(e.Constraints({"limits.cpu", "requests.cpu", "pods"}, pod) ==
        "must specify limits.cpu for: c1,c2; requests.cpu for: c1,i1");
  CHECK(e.Constraints({"pods", "count/pods"}, pod).empty());
}

TEST_CASE("pod scopes") {
  const Evaluator& e = EvaluatorFor({"", "pods"});
  Pod best = PodWith(R"({"containers":[{"name":"a","image":"i"}],"activeDeadlineSeconds":5,
                         "priorityClassName":"high"})");
  Pod burst = PodWith(R"({"containers":[{"name":"a","image":"i",
                          "resources":{"requests":{"memory":"1Mi"}}}]})");
  auto scope = [](const char* name, const char* op = "Exists",
                  std::vector<std::string> values = {}) {
    Selector s;
    s.set_scope_name(name);
    s.set_operator_(op);
    for (auto& v : values) s.add_values(v);
    return s;
  };
  CHECK(e.MatchesScope(scope("BestEffort"), best, 0));
  CHECK_FALSE(e.MatchesScope(scope("BestEffort"), burst, 0));
  CHECK(e.MatchesScope(scope("NotBestEffort"), burst, 0));
  CHECK(e.MatchesScope(scope("Terminating"), best, 0));
  CHECK(e.MatchesScope(scope("NotTerminating"), burst, 0));
  CHECK(e.MatchesScope(scope("PriorityClass", "In", {"high", "low"}), best, 0));
  CHECK_FALSE(e.MatchesScope(scope("PriorityClass", "In", {"low"}), best, 0));
  CHECK(e.MatchesScope(scope("PriorityClass", "NotIn", {"high"}), burst, 0));
  CHECK(e.MatchesScope(scope("PriorityClass", "DoesNotExist"), burst, 0));
  Pod cross = PodWith(R"({"containers":[{"name":"a","image":"i"}],"affinity":{"podAntiAffinity":{
      "preferredDuringSchedulingIgnoredDuringExecution":[{"weight":1,"podAffinityTerm":{
        "topologyKey":"zone","namespaceSelector":{}}}]}}})");
  CHECK(e.MatchesScope(scope("CrossNamespacePodAffinity"), cross, 0));
  CHECK_FALSE(e.MatchesScope(scope("CrossNamespacePodAffinity"), best, 0));

  k8s::core::v1::ResourceQuota q = FromJson<k8s::core::v1::ResourceQuota>(
      R"({"spec":{"scopes":["BestEffort"],"scopeSelector":{"matchExpressions":[
          {"scopeName":"PriorityClass","operator":"In","values":["high"]}]}}})");
  auto selectors = ScopeSelectorsOf(q);
  REQUIRE(selectors.size() == 2);
  CHECK(Matches(e, {"pods"}, selectors, best, 0));
  CHECK_FALSE(Matches(e, {"pods"}, selectors, burst, 0));
  CHECK_FALSE(Matches(e, {"configmaps"}, {}, best, 0));
  std::vector<const google::protobuf::Message*> pods{&best, &burst};
  CHECK(PrettyPrint(UsageOf(e, {"pods", "requests.memory", "secrets"}, {}, pods, 0)) ==
        "pods=2,requests.memory=1Mi");
  CHECK(PrettyPrint(UsageOf(e, {"pods", "requests.memory"}, selectors, pods, 0)) ==
        "pods=1,requests.memory=0");
}

TEST_CASE("object counts, services and the resources a quota counts") {
  Pod any;
  CHECK(PrettyPrint(EvaluatorFor({"", "configmaps"}).Usage(any, 0)) ==
        "configmaps=1,count/configmaps=1");
  CHECK(PrettyPrint(EvaluatorFor({"apps", "deployments"}).Usage(any, 0)) ==
        "count/deployments.apps=1");
  auto svc = FromJson<k8s::core::v1::Service>(
      R"({"spec":{"type":"LoadBalancer","ports":[{"port":80},{"port":443}]}})");
  CHECK(PrettyPrint(EvaluatorFor({"", "services"}).Usage(svc, 0)) ==
        "count/services=1,services=1,services.loadbalancers=1,services.nodeports=2");
  auto counted =
      CountedResources({"pods", "count/deployments.apps", "secrets", "requests.storage"});
  std::vector<std::string> names;
  for (const auto& gr : counted) names.push_back(gr.String());
  CHECK(names ==
        std::vector<std::string>{"persistentvolumeclaims", "pods", "secrets", "deployments.apps"});
}

}  // namespace
}  // namespace pk::quota
