// The scenario format without a cluster: parsing (and its messages), the node entries, the
// checks over hand-made snapshots, the JUnit report.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "apimachinery/codec.h"
#include "scenario/scenario_internal.h"
#include "tests/testing.h"

namespace pk::scenario {
namespace {

template <class T>
client::Ptr<T> FromJson(const std::string& text) {
  auto m = std::make_shared<T>();
  json::DecodeReport report;
  REQUIRE(json::Decode(text, m.get(), &report).ok());
  return m;
}

client::Ptr<Pod> MakePod(const std::string& name, const std::string& node, const std::string& phase,
                         bool ready, const std::string& cpu = "0") {
  return FromJson<Pod>(fmt::format(
      R"({{"metadata":{{"name":"{}","namespace":"default"}},
          "spec":{{"nodeName":"{}","containers":[{{"name":"c","image":"nginx",
            "resources":{{"requests":{{"cpu":"{}"}}}}}}]}},
          "status":{{"phase":"{}","conditions":[{{"type":"Ready","status":"{}"}}]}}}})",
      name, node, cpu, phase, ready ? "True" : "False"));
}

client::Ptr<Node> MakeNode(const std::string& name, const std::string& zone,
                           const std::string& cpu = "4") {
  return FromJson<Node>(fmt::format(
      R"({{"metadata":{{"name":"{}","labels":{{"topology.kubernetes.io/zone":"{}"}}}},
          "status":{{"allocatable":{{"cpu":"{}","memory":"8Gi","pods":"110"}},
            "conditions":[{{"type":"Ready","status":"True"}}]}}}})",
      name, zone, cpu));
}

Scenario Parse(const std::string& yaml) {
  auto s = ParseScenario(yaml, "t.yaml");
  REQUIRE_MESSAGE(s.ok(), s.status().message());
  return *s;
}

std::string ParseError(const std::string& yaml) {
  auto s = ParseScenario(yaml, "t.yaml");
  REQUIRE_FALSE(s.ok());
  return s.status().message();
}

TEST_CASE("a scenario parses into its cluster and steps, with defaults") {
  Scenario s = Parse(R"(
name: demo
seed: 7
cluster:
  time-scale: 0.05
  nodes:
    - {name: gpu, taints: ["dedicated=gpu:NoSchedule"], capacity: {cpu: "8"}}
    - {name: worker, count: 6, zones: [a, b, c], labels: {disk: ssd}}
steps:
  - apply: |
      kind: Pod
  - name: three web pods
    eventually:
      within: 10s
      pods: {selector: app=web, phase: Running, count: 3}
  - always: {pods: {selector: app=web, node: gpu, count: 0}}
  - scale: {deployment: web, replicas: 5}
)");
  CHECK(s.name == "demo");
  CHECK(s.seed == 7);
  CHECK(s.cluster.time_scale == doctest::Approx(0.05));
  REQUIRE(s.steps.size() == 4);
  CHECK(s.steps[1].label == "three web pods");
  CHECK(s.steps[1].bound == std::chrono::seconds(10));
  CHECK(s.steps[1].check.count == 3);
  CHECK(s.steps[2].bound == std::chrono::seconds(5));  // `always` defaults to 5s
  CHECK(s.steps[2].label == "always 5s: pods app=web: on gpu count 0");
  CHECK(s.steps[3].label == "scale deployment web, replicas 5");

  auto groups = KubeletGroups(s.cluster);
  REQUIRE(groups.size() == 4);  // gpu, worker-a, worker-b, worker-c
  CHECK(groups[0].capacity == "cpu=8,memory=8Gi,pods=110");
  CHECK(groups[2].name == "worker-b");
  CHECK(groups[2].nodes == 2);
  CHECK(std::find(groups[2].labels.begin(), groups[2].labels.end(),
                  "topology.kubernetes.io/zone=b") != groups[2].labels.end());
  auto entries = NodeEntries(groups);
  CHECK(entries.at("gpu") == "gpu");
  CHECK(entries.at("worker-c-1") == "worker-c");
  CHECK(entries.size() == 7);
}

TEST_CASE("mistakes are named with their line before any cluster starts") {
  CHECK(ParseError("name: x\nsteps:\n  - aply: x\n") ==
        "t.yaml:3: unknown step 'aply'; expected one of: apply, create, delete, delete-pods, "
        "kubectl, scale, cordon, uncordon, drain, delete-node, kill, stop, start, restart, "
        "slow, container-fault, fail-pulls, reboot, wait, advance, eventually, always");
  CHECK(ParseError("steps:\n  - wait: 1s\n") ==
        "t.yaml:1: a scenario needs a name (what it shows)");
  CHECK(ParseError("name: x\nsteps:\n  - wait: soon\n") ==
        "t.yaml:3: wait: takes a duration (500ms, 2s, 1m30s), not 'soon'");
  CHECK(ParseError("name: x\nsteps:\n  - eventually: {pods: {selector: a}, pod: {name: b}}\n")
            .find("one check per assertion") != std::string::npos);
  CHECK(ParseError("name: x\nsteps:\n  - eventually:\n      podz: {}\n")
            .find("t.yaml:4: unknown check 'podz'") == 0);
  CHECK(ParseError("name: x\ncluster: {nodes: [{name: a, count: 5, zones: [x, y]}]}\nsteps: "
                   "[{wait: 1s}]\n")
            .find("count 5 does not split evenly among 2 zones") != std::string::npos);
  CHECK(ParseError("name: x\nsteps:\n  - eventually: {pods: {phase: Runing}}\n")
            .find("phase must be Pending, Running") != std::string::npos);
  CHECK(ParseError("name: [\n").find("t.yaml:") == 0);  // yaml-cpp's own message, with a line
}

TEST_CASE("create's copies keep quoted scalars quoted: a label \"0\" stays a string") {
  auto text = CreateManifests(
      "kind: Pod\nmetadata: {name: p, labels: {index: \"{{i}}\", on: \"true\"}}\n"
      "spec:\n  containers: [{name: c, resources: {requests: {cpu: 100m}}}]\n"
      "  priority: 5\n",
      2);
  REQUIRE(text.ok());
  std::vector<YAML::Node> docs = YAML::LoadAll(*text);
  REQUIRE(docs.size() == 2);
  CHECK(docs[1]["metadata"]["name"].Scalar() == "p-1");
  CHECK(docs[1]["metadata"]["labels"]["index"].Scalar() == "1");
  CHECK(docs[1]["metadata"]["labels"]["index"].Tag() == "!");  // quoted, so a string
  CHECK(docs[0]["metadata"]["labels"]["on"].Tag() == "!");
  CHECK(docs[0]["spec"]["priority"].Tag() == "?");  // a plain number stays plain
  CHECK(docs[0]["spec"]["containers"][0]["resources"]["requests"]["cpu"].Scalar() == "100m");
}

TEST_CASE("within-capacity: true parses in a step (a scalar, not a map)") {
  Scenario s = Parse("name: x\nsteps:\n  - always:\n      for: 1s\n      within-capacity: true\n");
  REQUIRE(s.steps.size() == 1);
  CHECK(s.steps[0].check.kind == Check::Kind::kWithinCapacity);
  CHECK(ParseError("name: x\nsteps:\n  - always: {within-capacity: false}\n")
            .find("within-capacity takes true") != std::string::npos);
  CHECK(ParseError("name: x\nsteps:\n  - always: {pods: 3}\n").find("pods takes a map") !=
        std::string::npos);
}

TEST_CASE("pods: filters and counts, and what a failure saw") {
  Snapshot s;
  s.nodes = {MakeNode("n1", "a"), MakeNode("n2", "b")};
  s.pods = {MakePod("web-0", "n1", "Running", true), MakePod("web-1", "n2", "Running", true),
            MakePod("web-2", "", "Pending", false)};
  Check c;
  c.filter.phase = "Running";
  c.count = 2;
  CHECK(Evaluate(c, s).ok);
  c.count = 3;
  Verdict v = Evaluate(c, s);
  CHECK_FALSE(v.ok);
  CHECK(v.saw.find("2 of 3 selected pods match; the others: web-2 Pending, unbound") == 0);
  CHECK(v.pods_involved == std::vector<std::string>{"web-2"});
  c.count.reset();  // no count: every pod must match
  CHECK_FALSE(Evaluate(c, s).ok);
  c.filter = PodFilter{};
  c.filter.on_nodes_with_labels = {{"topology.kubernetes.io/zone", "a"}};
  c.max = 1;
  CHECK(Evaluate(c, s).ok);
  c.kind = Check::Kind::kPod;
  c.max.reset();
  c.name = "web-0";
  CHECK(Evaluate(c, s).ok);
  c.name = "web-1";
  CHECK_FALSE(Evaluate(c, s).ok);
}

TEST_CASE("spread, capacity, node and rollout checks") {
  Snapshot s;
  s.nodes = {MakeNode("n1", "a", "1"), MakeNode("n2", "b"), MakeNode("n3", "c")};
  s.pods = {MakePod("w-0", "n1", "Running", true, "500m"),
            MakePod("w-1", "n1", "Running", true, "600m"), MakePod("w-2", "n2", "Running", true)};
  Check spread;
  spread.kind = Check::Kind::kSpread;
  spread.topology_key = "topology.kubernetes.io/zone";
  Verdict v = Evaluate(spread, s);
  CHECK_FALSE(v.ok);
  CHECK(v.saw == "3 scheduled pods by topology.kubernetes.io/zone: a: 2, b: 1, c: 0 (skew 2)");
  spread.max_skew = 2;
  CHECK(Evaluate(spread, s).ok);

  Check capacity;
  capacity.kind = Check::Kind::kWithinCapacity;
  v = Evaluate(capacity, s);
  CHECK_FALSE(v.ok);
  CHECK(v.saw.find("n1: cpu 1100m of 1000m") != std::string::npos);

  Check node;
  node.kind = Check::Kind::kNode;
  node.name = "n2";
  node.ready = "True";
  CHECK(Evaluate(node, s).ok);
  node.taints = {"node.kubernetes.io/unreachable"};
  CHECK_FALSE(Evaluate(node, s).ok);

  Check rollout;
  rollout.kind = Check::Kind::kRollout;
  rollout.name = "web";
  s.deployment = FromJson<k8s::apps::v1::Deployment>(
      R"({"metadata":{"name":"web","generation":2},"spec":{"replicas":3},
          "status":{"observedGeneration":2,"replicas":4,"updatedReplicas":3,"availableReplicas":3}})");
  CHECK_FALSE(Evaluate(rollout, s).ok);  // an old replica is still there
  s.deployment = FromJson<k8s::apps::v1::Deployment>(
      R"({"metadata":{"name":"web","generation":2},"spec":{"replicas":3},
          "status":{"observedGeneration":2,"replicas":3,"updatedReplicas":3,"availableReplicas":3}})");
  CHECK(Evaluate(rollout, s).ok);
}

TEST_CASE("unschedulable and event checks") {
  Snapshot s;
  s.pods = {FromJson<Pod>(R"({"metadata":{"name":"big"},"status":{"phase":"Pending",
      "conditions":[{"type":"PodScheduled","status":"False","reason":"Unschedulable",
      "message":"0/2 nodes are available: 2 Insufficient cpu."}]}})")};
  Check c;
  c.kind = Check::Kind::kUnschedulable;
  c.name = "big";
  c.message = "Insufficient cpu";
  CHECK(Evaluate(c, s).ok);
  c.message = "Insufficient memory";
  CHECK_FALSE(Evaluate(c, s).ok);

  s.events = {FromJson<Event>(R"({"reason":"FailedScheduling","type":"Warning","count":3,
      "involvedObject":{"kind":"Pod","name":"big"},
      "message":"0/2 nodes are available: 2 Insufficient cpu."})")};
  Check e;
  e.kind = Check::Kind::kEvent;
  e.reason = "FailedScheduling";
  e.object = "pod/big";
  e.message = "Insufficient (cpu|memory)";
  CHECK(Evaluate(e, s).ok);
  e.min = 3;  // occurrences: the event's count
  CHECK(Evaluate(e, s).ok);
  e.min = 4;
  CHECK_FALSE(Evaluate(e, s).ok);
  e.min.reset();
  e.object = "pod/small";
  CHECK_FALSE(Evaluate(e, s).ok);
}

TEST_CASE("the JUnit report has a suite per scenario and a case per step") {
  pk::testing::TempDir dir;
  ScenarioResult r;
  r.file = "a.yaml";
  r.name = "a <demo>";
  r.seed = 3;
  r.steps.resize(3);
  r.steps[0].label = "apply";
  r.steps[0].passed = true;
  r.steps[0].seconds = 0.5;
  r.steps[1].label = "eventually";
  r.steps[1].failure = "    wanted: x\n    saw: y\n";
  r.steps[2].label = "wait";
  r.steps[2].skipped = true;
  const auto path = dir.path() / "r.xml";
  REQUIRE(WriteJUnit({r}, path).ok());
  std::stringstream text;
  text << std::ifstream(path).rdbuf();
  const std::string xml = text.str();
  CHECK(
      xml.find(
          R"(<testsuite name="a &lt;demo&gt;" file="a.yaml" tests="3" failures="1" skipped="1")") !=
      std::string::npos);
  CHECK(xml.find(R"(<failure message="    wanted: x">)") != std::string::npos);
  CHECK(xml.find(R"(<property name="seed" value="3"/>)") != std::string::npos);
  CHECK(xml.find("<skipped") != std::string::npos);
}

}  // namespace
}  // namespace pk::scenario
