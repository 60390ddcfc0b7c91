#include "scheduler/framework/framework.h"

#include <doctest/doctest.h>

#include "scheduler/framework/testing.h"

namespace pk::scheduler {
namespace {

using testing::NodeFromYaml;
using testing::NodeWithPods;
using testing::PodFromYaml;

// A plugin at every extension point the tests need: it rejects nodes named in `reject` and
// scores a node by the number in its label "score".
class Fake : public PreFilterPlugin, public FilterPlugin, public ScorePlugin {
 public:
  explicit Fake(std::string name, std::string reject = "")
      : name_(std::move(name)), reject_(std::move(reject)) {}
  std::string_view Name() const override { return name_; }
  PluginStatus PreFilter(CycleState&, const Pod&, PreFilterResult*) override { return {}; }
  PluginStatus Filter(const CycleState&, const Pod&, const NodeInfo& node) const override {
    if (node.name() == reject_) return PluginStatus::Unschedulable("rejected by " + name_);
    return {};
  }
  PluginStatus Score(const CycleState&, const Pod&, const NodeInfo& node,
                     int64_t* score) const override {
    auto it = node.node()->metadata().labels().find("score");
    *score = it == node.node()->metadata().labels().end() ? 0 : std::stoll(it->second);
    return {};
  }

 private:
  std::string name_, reject_;
};

class FakeSort : public QueueSortPlugin {
 public:
  explicit FakeSort(std::string name) : name_(std::move(name)) {}
  std::string_view Name() const override { return name_; }
  bool Less(const QueuedPodInfo& a, const QueuedPodInfo& b) const override { return false; }

 private:
  std::string name_;
};

class FakeBinder : public BindPlugin {
 public:
  std::string_view Name() const override { return "DefaultBinder"; }
  PluginStatus Bind(CycleState&, const Pod&, const std::string&) override { return {}; }
};

class FakeServices : public Services {
 public:
  const Snapshot& snapshot() const override { return snapshot_; }
  Parallelizer& parallelizer() override { return parallelizer_; }
  std::vector<PodInfoPtr> NominatedPodsFor(const std::string& node) const override {
    auto it = nominated.find(node);
    return it == nominated.end() ? std::vector<PodInfoPtr>{} : it->second;
  }
  Status Evict(const Pod&, const Pod&, const std::string&) override { return {}; }
  Status BindPod(const Pod&, const std::string&,
                 const std::map<std::string, std::string>&) override {
    return {};
  }
  Snapshot snapshot_;
  Parallelizer parallelizer_{2};
  std::map<std::string, std::vector<PodInfoPtr>> nominated;
};

// A registry with Kubernetes' default plugin names, each a Fake (so that the default
// multiPoint set resolves), plus "Extra".
PluginRegistry FakeRegistry() {
  PluginRegistry r;
  for (const PluginRef& ref : DefaultMultiPointPlugins()) {
    std::string name = ref.name;
    r.Register(name, [name](const YAML::Node&, Handle&) -> Result<std::unique_ptr<Plugin>> {
      if (name == "PrioritySort") return std::unique_ptr<Plugin>(new FakeSort(name));
      if (name == "DefaultBinder") return std::unique_ptr<Plugin>(new FakeBinder());
      return std::unique_ptr<Plugin>(new Fake(name));
    });
  }
  r.Register("OtherSort", [](const YAML::Node&, Handle&) -> Result<std::unique_ptr<Plugin>> {
    return std::unique_ptr<Plugin>(new FakeSort("OtherSort"));
  });
  r.Register("Extra", [](const YAML::Node& args, Handle&) -> Result<std::unique_ptr<Plugin>> {
    return std::unique_ptr<Plugin>(new Fake("Extra", args["reject"].as<std::string>("")));
  });
  return r;
}

TEST_CASE("the default profile enables the default plugins at every point they implement") {
  FakeServices services;
  auto fw = Framework::New(Profile{}, FakeRegistry(), &services);
  REQUIRE_MESSAGE(fw.ok(), fw.status().message());
  auto filters = (*fw)->PluginsAt(ExtensionPoint::kFilter);
  std::vector<std::string> names;
  for (const PluginRef& r : DefaultMultiPointPlugins()) {
    if (r.name != "PrioritySort" && r.name != "DefaultBinder") names.push_back(r.name);
  }
  CHECK(filters == names);
  CHECK((*fw)->PluginsAt(ExtensionPoint::kQueueSort) == std::vector<std::string>{"PrioritySort"});
  CHECK((*fw)->PluginsAt(ExtensionPoint::kBind) == std::vector<std::string>{"DefaultBinder"});
}

TEST_CASE("explicit points take precedence over multiPoint; disabled and '*' remove plugins") {
  FakeServices services;
  Profile p;
  p.plugins[ExtensionPoint::kMultiPoint].disabled = {{"*", 0}};
  p.plugins[ExtensionPoint::kMultiPoint].enabled = {
      {"PrioritySort", 0}, {"NodeName", 0}, {"TaintToleration", 0}, {"DefaultBinder", 0}};
  p.plugins[ExtensionPoint::kFilter].enabled = {{"Extra", 0}, {"NodeName", 0}};
  p.plugins[ExtensionPoint::kScore].disabled = {{"TaintToleration", 0}};
  p.plugin_config["Extra"] = YAML::Load("{reject: n2}");
  auto fw = Framework::New(p, FakeRegistry(), &services);
  REQUIRE_MESSAGE(fw.ok(), fw.status().message());
  // NodeName is named at filter too: it comes first (override), then the other multiPoint
  // plugins, then the rest of the explicit ones.
  CHECK((*fw)->PluginsAt(ExtensionPoint::kFilter) ==
        std::vector<std::string>{"NodeName", "TaintToleration", "Extra"});
  CHECK((*fw)->PluginsAt(ExtensionPoint::kScore) == std::vector<std::string>{"NodeName"});
  CHECK((*fw)->PluginsAt(ExtensionPoint::kQueueSort) == std::vector<std::string>{"PrioritySort"});
  CHECK((*fw)->PluginsAt(ExtensionPoint::kBind) == std::vector<std::string>{"DefaultBinder"});

  services.snapshot_ = Snapshot({NodeWithPods(NodeFromYaml("metadata: {name: n1}")),
                                 NodeWithPods(NodeFromYaml("metadata: {name: n2}"))});
  auto pod = PodFromYaml("metadata: {name: p, namespace: default}");
  CycleState state;
  CHECK((*fw)->RunFilterPlugins(state, *pod, *services.snapshot_.Get("n1")).ok());
  PluginStatus s = (*fw)->RunFilterPlugins(state, *pod, *services.snapshot_.Get("n2"));
  CHECK(s.code() == Code::kUnschedulable);
  CHECK(s.plugin() == "Extra");
  CHECK(s.Message() == "rejected by Extra");
}

TEST_CASE("unknown plugins, two queue sorts and no binder are configuration errors") {
  FakeServices services;
  Profile p;
  p.plugins[ExtensionPoint::kScore].enabled = {{"Nope", 0}};
  auto fw = Framework::New(p, FakeRegistry(), &services);
  REQUIRE(!fw.ok());
  CHECK(fw.status().message() == "profile \"default-scheduler\": plugin \"Nope\" does not exist");

  Profile two;
  two.plugins[ExtensionPoint::kQueueSort].enabled = {{"OtherSort", 0}};
  fw = Framework::New(two, FakeRegistry(), &services);
  REQUIRE(!fw.ok());
  CHECK(fw.status().message().find("only one queue sort plugin") != std::string::npos);

  Profile none;
  none.plugins[ExtensionPoint::kMultiPoint].disabled = {{"*", 0}};
  none.plugins[ExtensionPoint::kQueueSort].enabled = {{"PrioritySort", 0}};
  fw = Framework::New(none, FakeRegistry(), &services);
  REQUIRE(!fw.ok());
  CHECK(fw.status().message().find("at least one bind plugin") != std::string::npos);
}

TEST_CASE("scores are weighted and summed per node") {
  FakeServices services;
  Profile p;
  p.plugins[ExtensionPoint::kMultiPoint].disabled = {{"*", 0}};
  p.plugins[ExtensionPoint::kQueueSort].enabled = {{"PrioritySort", 0}};
  p.plugins[ExtensionPoint::kBind].enabled = {{"DefaultBinder", 0}};
  p.plugins[ExtensionPoint::kScore].enabled = {{"NodeAffinity", 3}, {"ImageLocality", 0}};
  auto fw = Framework::New(p, FakeRegistry(), &services);
  REQUIRE_MESSAGE(fw.ok(), fw.status().message());
  auto a = NodeWithPods(NodeFromYaml("metadata: {name: a, labels: {score: \"10\"}}"));
  auto b = NodeWithPods(NodeFromYaml("metadata: {name: b, labels: {score: \"40\"}}"));
  auto pod = PodFromYaml("metadata: {name: p}");
  CycleState state;
  ScoreTable table;
  REQUIRE((*fw)->RunScorePlugins(state, *pod, {a.get(), b.get()}, &table).ok());
  CHECK(table.plugins == std::vector<std::string>{"NodeAffinity", "ImageLocality"});
  CHECK(table.weights == std::vector<int64_t>{3, 1});
  CHECK(table.totals == std::vector<int64_t>{40, 160});

  auto c = NodeWithPods(NodeFromYaml("metadata: {name: c, labels: {score: \"101\"}}"));
  PluginStatus s = (*fw)->RunScorePlugins(state, *pod, {c.get()}, &table);
  CHECK(s.code() == Code::kError);
  CHECK(s.Message().find("invalid score 101") != std::string::npos);
}

TEST_CASE("nominated pods of higher priority count on their node when filtering") {
  FakeServices services;
  Profile p;
  p.plugins[ExtensionPoint::kMultiPoint].disabled = {{"*", 0}};
  p.plugins[ExtensionPoint::kQueueSort].enabled = {{"PrioritySort", 0}};
  p.plugins[ExtensionPoint::kBind].enabled = {{"DefaultBinder", 0}};
  auto fw = Framework::New(p, FakeRegistry(), &services);
  REQUIRE(fw.ok());
  // No filters: with or without nominated pods the node passes; the run must not crash and
  // must consider the nominated copy (exercised through the clone path).
  auto node = NodeWithPods(NodeFromYaml("metadata: {name: n}"));
  services.nominated["n"] = {std::make_shared<PodInfo>(
      PodFromYaml("metadata: {name: big, uid: u2}\nspec: {priority: 100}"))};
  auto pod = PodFromYaml("metadata: {name: small, uid: u1}\nspec: {priority: 1}");
  CycleState state;
  CHECK((*fw)->RunFilterPluginsWithNominatedPods(state, *pod, *node).ok());
}

}  // namespace
}  // namespace pk::scheduler
