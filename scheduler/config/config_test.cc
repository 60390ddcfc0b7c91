#include "scheduler/config/config.h"

#include <doctest/doctest.h>

#include <string>

namespace pk::scheduler {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kHeader =
    "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n";

Result<SchedulerConfig> Parse(const std::string& body) { return ParseConfig(kHeader + body); }

// The message of a document that must fail with BadRequest.
std::string ErrorOf(const std::string& body, bool with_header = true) {
  auto r = with_header ? Parse(body) : ParseConfig(body);
  REQUIRE_MESSAGE(!r.ok(), body);
  CHECK(r.status().reason() == Reason::kBadRequest);
  return r.status().message();
}

void CheckDefaults(const SchedulerConfig& c) {
  REQUIRE(c.profiles.size() == 1);
  CHECK(c.profiles[0].scheduler_name == "default-scheduler");
  CHECK(c.profiles[0].plugins.empty());
  CHECK(c.profiles[0].plugin_config.empty());
  CHECK_FALSE(c.profiles[0].percentage_of_nodes_to_score.has_value());
  CHECK(c.percentage_of_nodes_to_score == 0);
  CHECK(c.parallelism == 16);
  CHECK(c.pod_initial_backoff == seconds(1));
  CHECK(c.pod_max_backoff == seconds(10));
  CHECK(c.leader_election.leader_elect);
  CHECK(c.leader_election.lease_duration == seconds(15));
  CHECK(c.leader_election.renew_deadline == seconds(10));
  CHECK(c.leader_election.retry_period == seconds(2));
  CHECK(c.leader_election.resource_namespace == "kube-system");
  CHECK(c.leader_election.resource_name == "kube-scheduler");
}

TEST_CASE("the default configuration and an empty document are Kubernetes' defaults") {
  CheckDefaults(DefaultConfig());
  auto parsed = Parse("");
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().ToString());
  CheckDefaults(*parsed);
  // Nulls leave the defaults in place, as a JSON null leaves a Go pointer nil.
  parsed = Parse("parallelism: null\nprofiles: []\nleaderElection: {leaseDuration: 0s}\n");
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().ToString());
  CheckDefaults(*parsed);
  // One profile without a name is default-scheduler.
  parsed = Parse("profiles: [{percentageOfNodesToScore: 30}]\n");
  REQUIRE(parsed.ok());
  CHECK(parsed->profiles[0].scheduler_name == "default-scheduler");
  CHECK(parsed->profiles[0].percentage_of_nodes_to_score == 30);
}

TEST_CASE("extension point names and the default multiPoint plugins") {
  CHECK(ExtensionPointName(ExtensionPoint::kPreEnqueue) == "preEnqueue");
  CHECK(ExtensionPointName(ExtensionPoint::kQueueSort) == "queueSort");
  CHECK(ExtensionPointName(ExtensionPoint::kPreFilter) == "preFilter");
  CHECK(ExtensionPointName(ExtensionPoint::kFilter) == "filter");
  CHECK(ExtensionPointName(ExtensionPoint::kPostFilter) == "postFilter");
  CHECK(ExtensionPointName(ExtensionPoint::kPreScore) == "preScore");
  CHECK(ExtensionPointName(ExtensionPoint::kScore) == "score");
  CHECK(ExtensionPointName(ExtensionPoint::kReserve) == "reserve");
  CHECK(ExtensionPointName(ExtensionPoint::kPermit) == "permit");
  CHECK(ExtensionPointName(ExtensionPoint::kPreBind) == "preBind");
  CHECK(ExtensionPointName(ExtensionPoint::kBind) == "bind");
  CHECK(ExtensionPointName(ExtensionPoint::kPostBind) == "postBind");
  CHECK(ExtensionPointName(ExtensionPoint::kMultiPoint) == "multiPoint");

  std::string order;
  for (const PluginRef& p : DefaultMultiPointPlugins()) {
    order += p.name + (p.weight ? "(" + std::to_string(p.weight) + ")" : "") + " ";
  }
  CHECK(order ==
        "SchedulingGates PrioritySort NodeUnschedulable NodeName TaintToleration(3) "
        "NodeAffinity(2) NodePorts NodeResourcesFit(1) PodTopologySpread(2) InterPodAffinity(2) "
        "DefaultPreemption NodeResourcesBalancedAllocation(1) ImageLocality(1) DefaultBinder ");
}

TEST_CASE("a full document with two profiles") {
  auto r = Parse(R"(
parallelism: 8
percentageOfNodesToScore: 50
podInitialBackoffSeconds: 2
podMaxBackoffSeconds: 30
enableProfiling: false
clientConnection: {kubeconfig: /etc/kubernetes/scheduler.conf, qps: 50, burst: 100}
leaderElection:
  leaderElect: false
  leaseDuration: 30s
  renewDeadline: 20s
  retryPeriod: 500ms
  resourceLock: leases
  resourceNamespace: picokube-system
  resourceName: picokube-scheduler
profiles:
- schedulerName: default-scheduler
- schedulerName: bin-packing
  percentageOfNodesToScore: 100
  plugins:
    multiPoint:
      enabled: [{name: MyPlugin, weight: 4}]
    score:
      disabled: [{name: NodeResourcesBalancedAllocation}, {name: "*"}]
      enabled:
      - name: NodeResourcesFit
        weight: 5
      - name: ImageLocality
    filter:
      disabled: [{name: NodePorts}]
  pluginConfig:
  - name: NodeResourcesFit
    args:
      scoringStrategy:
        type: MostAllocated
        resources: [{name: cpu, weight: 2}]
  - name: DefaultPreemption
)");
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  const SchedulerConfig& c = *r;
  CHECK(c.parallelism == 8);
  CHECK(c.percentage_of_nodes_to_score == 50);
  CHECK(c.pod_initial_backoff == seconds(2));
  CHECK(c.pod_max_backoff == seconds(30));
  CHECK_FALSE(c.leader_election.leader_elect);
  CHECK(c.leader_election.lease_duration == seconds(30));
  CHECK(c.leader_election.renew_deadline == seconds(20));
  CHECK(c.leader_election.retry_period == milliseconds(500));
  CHECK(c.leader_election.resource_namespace == "picokube-system");
  CHECK(c.leader_election.resource_name == "picokube-scheduler");

  REQUIRE(c.profiles.size() == 2);
  CHECK(c.profiles[0].scheduler_name == "default-scheduler");
  CHECK(c.profiles[0].plugins.empty());
  CHECK_FALSE(c.profiles[0].percentage_of_nodes_to_score.has_value());

  const Profile& p = c.profiles[1];
  CHECK(p.scheduler_name == "bin-packing");
  CHECK(p.percentage_of_nodes_to_score == 100);
  REQUIRE(p.plugins.size() == 3);
  const PluginSet& score = p.plugins.at(ExtensionPoint::kScore);
  REQUIRE(score.enabled.size() == 2);
  CHECK(score.enabled[0].name == "NodeResourcesFit");
  CHECK(score.enabled[0].weight == 5);
  CHECK(score.enabled[1].name == "ImageLocality");
  CHECK(score.enabled[1].weight == 0);
  REQUIRE(score.disabled.size() == 2);
  CHECK(score.disabled[0].name == "NodeResourcesBalancedAllocation");
  CHECK(score.disabled[1].name == "*");
  const PluginSet& multi = p.plugins.at(ExtensionPoint::kMultiPoint);
  REQUIRE(multi.enabled.size() == 1);
  CHECK(multi.enabled[0].name == "MyPlugin");
  CHECK(multi.enabled[0].weight == 4);
  CHECK(multi.disabled.empty());
  const PluginSet& filter = p.plugins.at(ExtensionPoint::kFilter);
  CHECK(filter.enabled.empty());
  REQUIRE(filter.disabled.size() == 1);
  CHECK(filter.disabled[0].name == "NodePorts");

  REQUIRE(p.plugin_config.size() == 2);
  const YAML::Node& args = p.plugin_config.at("NodeResourcesFit");
  CHECK(args["scoringStrategy"]["type"].as<std::string>() == "MostAllocated");
  CHECK(args["scoringStrategy"]["resources"][0]["weight"].as<int>() == 2);
  CHECK(p.plugin_config.at("DefaultPreemption").IsNull());  // no args: null
}

TEST_CASE("JSON is YAML: a JSON document parses too") {
  auto r = ParseConfig(
      R"({"apiVersion": "kubescheduler.config.k8s.io/v1", "kind": "KubeSchedulerConfiguration",
          "profiles": [{"schedulerName": "a"}, {"schedulerName": "b"}]})");
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(r->profiles.size() == 2);
  CHECK(r->profiles[1].scheduler_name == "b");
}

TEST_CASE("apiVersion and kind must be kubescheduler.config.k8s.io/v1 KubeSchedulerConfiguration") {
  struct Case {
    std::string doc, message;
  };
  for (const Case& c : std::vector<Case>{
           {"kind: KubeSchedulerConfiguration\n",
            "apiVersion: Required value: must be \"kubescheduler.config.k8s.io/v1\""},
           {"apiVersion: kubescheduler.config.k8s.io/v1beta3\nkind: KubeSchedulerConfiguration\n",
            "apiVersion: Unsupported value: \"kubescheduler.config.k8s.io/v1beta3\": supported "
            "values: \"kubescheduler.config.k8s.io/v1\""},
           {"apiVersion: kubescheduler.config.k8s.io/v1\nkind: Pod\n",
            "kind: Unsupported value: \"Pod\": supported values: \"KubeSchedulerConfiguration\""},
           {"apiVersion: v1\n",
            "[apiVersion: Unsupported value: \"v1\": supported values: "
            "\"kubescheduler.config.k8s.io/v1\", kind: Required value: must be "
            "\"KubeSchedulerConfiguration\"]"},
           {"",
            "a scheduler configuration must be a YAML mapping with apiVersion: "
            "kubescheduler.config.k8s.io/v1 and kind: KubeSchedulerConfiguration"},
           {"- a\n- b\n",
            "a scheduler configuration must be a YAML mapping with apiVersion: "
            "kubescheduler.config.k8s.io/v1 and kind: KubeSchedulerConfiguration"},
       }) {
    CAPTURE(c.doc);
    CHECK(ErrorOf(c.doc, false) == c.message);
  }
}

TEST_CASE("validation errors name the field as Kubernetes' field.ErrorList does") {
  struct Case {
    std::string body, message;
  };
  for (const Case& c : std::vector<Case>{
           {"parallelism: 0\n",
            "parallelism: Invalid value: 0: should be an integer value greater than zero"},
           {"parallelism: -4\n",
            "parallelism: Invalid value: -4: should be an integer value greater than zero"},
           {"percentageOfNodesToScore: 101\n",
            "percentageOfNodesToScore: Invalid value: 101: not in valid range [0-100]"},
           {"percentageOfNodesToScore: -1\n",
            "percentageOfNodesToScore: Invalid value: -1: not in valid range [0-100]"},
           {"podInitialBackoffSeconds: 0\n",
            "podInitialBackoffSeconds: Invalid value: 0: must be greater than 0"},
           {"podInitialBackoffSeconds: 5\npodMaxBackoffSeconds: 4\n",
            "podMaxBackoffSeconds: Invalid value: 4: must be greater than or equal to "
            "PodInitialBackoffSeconds"},
           {"profiles: [{schedulerName: a}, {schedulerName: b}, {schedulerName: a}]\n",
            "profiles[2].schedulerName: Duplicate value: \"a\""},
           {"profiles: [{schedulerName: x}, {percentageOfNodesToScore: 10}]\n",
            "profiles[1].schedulerName: Required value"},
           {"profiles: [{schedulerName: \"\"}]\n", "profiles[0].schedulerName: Required value"},
           {"profiles: [{schedulerName: x, percentageOfNodesToScore: 150}]\n",
            "profiles[0].percentageOfNodesToScore: Invalid value: 150: not in valid range "
            "[0-100]"},
           {"profiles:\n- schedulerName: x\n  pluginConfig:\n  - {name: NodeAffinity}\n"
            "  - {name: NodeResourcesFit, args: {}}\n  - {name: NodeAffinity, args: {}}\n",
            "profiles[0].pluginConfig[2]: Duplicate value: \"NodeAffinity\""},
           {"profiles:\n- plugins: {score: {enabled: [{name: ImageLocality, weight: -1}]}}\n",
            "profiles[0].plugins.score.enabled[0].weight: Invalid value: -1: not in valid range "
            "[0-100]"},
           {"profiles:\n- plugins: {multiPoint: {enabled: [{name: A}, {name: B, weight: 101}]}}\n",
            "profiles[0].plugins.multiPoint.enabled[1].weight: Invalid value: 101: not in valid "
            "range [0-100]"},
           {"profiles:\n- plugins: {filter: {disabled: [{weight: 1}]}}\n",
            "profiles[0].plugins.filter.disabled[0].name: Required value"},
           {"profiles:\n- plugins: {queueSort: {enabled: [{name: A}, {name: B}]}}\n",
            "profiles[0].plugins.queueSort.Enabled: Invalid value: 2: only one queue sort plugin "
            "can be enabled"},
           {"profiles:\n- schedulerName: a\n- schedulerName: b\n"
            "  plugins: {queueSort: {enabled: [{name: MySort}]}}\n",
            "profiles[1].plugins.queueSort: Invalid value: config.PluginSet{Enabled:"
            "[]config.Plugin{config.Plugin{Name:\"MySort\", Weight:0}}, Disabled:"
            "[]config.Plugin(nil)}: must be the same for all profiles"},
           {"profiles:\n- schedulerName: a\n  plugins: {queueSort: {enabled: [{name: S}]}}\n"
            "  pluginConfig: [{name: S, args: {x: 1}}]\n"
            "- schedulerName: b\n  plugins: {queueSort: {enabled: [{name: S}]}}\n"
            "  pluginConfig: [{name: S, args: {x: 2}}]\n",
            "profiles[1].pluginConfig.args: Invalid value: {x: 2}: queueSort must be the same "
            "for all profiles"},
           {"leaderElection: {leaseDuration: -1s}\n",
            "[leaderElection.leaseDuration: Invalid value: -1s: must be greater than zero, "
            "leaderElection.leaseDuration: Invalid value: 10s: must be greater than "
            "`RenewDeadline`]"},
           {"leaderElection: {renewDeadline: 1m, retryPeriod: -2s}\n",
            "[leaderElection.retryPeriod: Invalid value: -2s: must be greater than zero, "
            "leaderElection.leaseDuration: Invalid value: 1m0s: must be greater than "
            "`RenewDeadline`]"},
           {"leaderElection: {resourceLock: endpoints}\n",
            "leaderElection.resourceLock: Invalid value: \"endpoints\": resourceLock value must "
            "be \"leases\""},
           {"clientConnection: {burst: -1}\n",
            "clientConnection.burst: Invalid value: -1: must be non-negative"},
           {"extenders: [{urlPrefix: http://x}]\n",
            "extenders: Forbidden: not supported by picokube"},
       }) {
    CAPTURE(c.body);
    CHECK(ErrorOf(c.body) == c.message);
  }
}

TEST_CASE("validation errors of a document come together, in Kubernetes' order") {
  CHECK(ErrorOf("parallelism: 0\npercentageOfNodesToScore: 200\n"
                "profiles: [{schedulerName: a}, {schedulerName: a}]\n") ==
        "[parallelism: Invalid value: 0: should be an integer value greater than zero, "
        "profiles[1].schedulerName: Duplicate value: \"a\", percentageOfNodesToScore: Invalid "
        "value: 200: not in valid range [0-100]]");
  // Leader election settings are not checked when leader election is off.
  auto r = Parse("leaderElection: {leaderElect: false, renewDeadline: 1m, resourceLock: x}\n");
  CHECK_MESSAGE(r.ok(), r.status().ToString());
  // Weights 0 and 100 are fine; weights outside score and multiPoint are not looked at.
  r = Parse(
      "profiles:\n- plugins:\n    score: {enabled: [{name: A, weight: 0}, {name: B, weight: "
      "100}]}\n    filter: {enabled: [{name: C, weight: -3}]}\n");
  CHECK_MESSAGE(r.ok(), r.status().ToString());
  r = Parse("profiles:\n- plugins: {score: {disabled: [{name: D, weight: -1}]}}\n");
  CHECK_MESSAGE(r.ok(), r.status().ToString());
}

TEST_CASE("durations are Go durations") {
  struct Case {
    std::string text;
    milliseconds want;
  };
  for (const Case& c : std::vector<Case>{
           {"15s", seconds(15)},
           {"2m", seconds(120)},
           {"500ms", milliseconds(500)},
           {"1h30m", seconds(5400)},
           {"1.5s", milliseconds(1500)},
           {"90000ms", seconds(90)},
           {"\"45s\"", seconds(45)},
       }) {
    CAPTURE(c.text);
    auto r = Parse("leaderElection: {leaseDuration: " + c.text + ", renewDeadline: 100ms}\n");
    REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    CHECK(r->leader_election.lease_duration == c.want);
  }
  CHECK(ErrorOf("leaderElection: {retryPeriod: 15}\n") ==
        "leaderElection.retryPeriod: Invalid value: \"15\": time: invalid duration \"15\"");
  CHECK(ErrorOf("leaderElection: {retryPeriod: 2 seconds}\n") ==
        "leaderElection.retryPeriod: Invalid value: \"2 seconds\": time: invalid duration \"2 "
        "seconds\"");
  CHECK(ErrorOf("leaderElection: {renewDeadline: [1s]}\n") ==
        "leaderElection.renewDeadline: Invalid value: [1s]: must be a string");
}

TEST_CASE("decoding is strict: unknown and repeated fields are named") {
  struct Case {
    std::string body, message;
  };
  for (const Case& c : std::vector<Case>{
           {"paralelism: 4\n", "strict decoding error: unknown field \"paralelism\""},
           {"Parallelism: 4\n", "strict decoding error: unknown field \"Parallelism\""},
           {"parallelism: 4\nparallelism: 5\n",
            "strict decoding error: duplicate field \"parallelism\""},
           {"foo: 1\nprofiles: [{schedulerName: a, bar: 2}]\n",
            "strict decoding error: unknown field \"foo\", unknown field \"profiles[0].bar\""},
           {"leaderElection: {leaseDurationSeconds: 15}\n",
            "strict decoding error: unknown field \"leaderElection.leaseDurationSeconds\""},
           {"profiles:\n- plugins: {scores: {}}\n",
            "strict decoding error: unknown field \"profiles[0].plugins.scores\""},
           {"profiles:\n- plugins: {score: {enable: []}}\n",
            "strict decoding error: unknown field \"profiles[0].plugins.score.enable\""},
           {"profiles:\n- plugins: {score: {enabled: [{name: A, wieght: 2}]}}\n",
            "strict decoding error: unknown field \"profiles[0].plugins.score.enabled[0].wieght\""},
           {"profiles:\n- pluginConfig: [{name: A, arg: {}}]\n",
            "strict decoding error: unknown field \"profiles[0].pluginConfig[0].arg\""},
           {"clientConnection: {kubeConfig: x}\n",
            "strict decoding error: unknown field \"clientConnection.kubeConfig\""},
       }) {
    CAPTURE(c.body);
    CHECK(ErrorOf(c.body) == c.message);
  }
  // Plugin args are the plugin's to check.
  auto r = Parse("profiles:\n- pluginConfig: [{name: A, args: {anything: [1, 2]}}]\n");
  CHECK_MESSAGE(r.ok(), r.status().ToString());
}

TEST_CASE("values of the wrong type stop decoding") {
  struct Case {
    std::string body, message;
  };
  for (const Case& c : std::vector<Case>{
           {"parallelism: abc\n", "parallelism: Invalid value: \"abc\": must be an integer"},
           {"parallelism: \"16\"\n", "parallelism: Invalid value: \"16\": must be an integer"},
           {"parallelism: 1.5\n", "parallelism: Invalid value: \"1.5\": must be an integer"},
           {"parallelism: 4294967296\n",
            "parallelism: Invalid value: \"4294967296\": must fit in an int32"},
           {"profiles: {schedulerName: a}\n",
            "profiles: Invalid value: {schedulerName: a}: must be a list"},
           {"profiles: [a]\n", "profiles[0]: Invalid value: \"a\": must be an object"},
           {"leaderElection: {leaderElect: maybe}\n",
            "leaderElection.leaderElect: Invalid value: \"maybe\": must be a boolean"},
           {"profiles:\n- plugins: {score: {enabled: [{name: A, weight: x}]}}\n",
            "profiles[0].plugins.score.enabled[0].weight: Invalid value: \"x\": must be an "
            "integer"},
           {"foo: 1\nparallelism: x\n", "parallelism: Invalid value: \"x\": must be an integer"},
       }) {
    CAPTURE(c.body);
    CHECK(ErrorOf(c.body) == c.message);
  }
}

TEST_CASE("a YAML syntax error names its line") {
  CHECK(ErrorOf("profiles: [\n").rfind("yaml: line ", 0) == 0);
  CHECK(ErrorOf("parallelism: 1\n  bad: indentation\n").rfind("yaml: line 4", 0) == 0);
}

TEST_CASE("odd documents fail with BadRequest or parse; nothing throws") {
  for (const char* body : {
           "profiles: [null]\n",
           "profiles: [[1]]\n",
           "profiles: [{plugins: [1]}]\n",
           "profiles: [{plugins: {score: [1]}}]\n",
           "profiles: [{plugins: {score: {enabled: 1}}}]\n",
           "profiles: [{plugins: {score: {enabled: [a, [b]]}}}]\n",
           "profiles: [{pluginConfig: {a: 1}}]\n",
           "profiles: [{pluginConfig: [1, null]}]\n",
           "profiles: [{schedulerName: {a: 1}}]\n",
           "? [a, b]\n: c\n",
           "{? {a: 1} : b}\n",
           "leaderElection: 1\n",
           "leaderElection: [1]\n",
           "clientConnection: x\n",
           "extenders: {}\n",
           "kind: [x]\n",
           "&a parallelism: *a\n",
           "parallelism: !!str 4\n",
           "podMaxBackoffSeconds: 99999999999999999999\n",
       }) {
    CAPTURE(body);
    auto r = Parse(body);
    if (!r.ok()) CHECK(r.status().reason() == Reason::kBadRequest);
  }
  CHECK(ErrorOf("parallelism: !!str 4\n") ==
        "parallelism: Invalid value: \"4\": must be an integer");
  auto r = Parse("profiles: [null]\n");
  REQUIRE(r.ok());
  CHECK(r->profiles[0].scheduler_name == "default-scheduler");
}

}  // namespace
}  // namespace pk::scheduler
