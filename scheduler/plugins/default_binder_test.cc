#include "scheduler/plugins/default_binder.h"

#include <doctest/doctest.h>

#include "scheduler/framework/testing.h"
#include "scheduler/plugins/plugins.h"

namespace pk::scheduler::plugins {
namespace {

// A handle whose BindPod fails (the apiserver refused the binding).
class FailingBindHandle : public testing::FakeHandle {
 public:
  Status BindPod(const Pod&, const std::string&,
                 const std::map<std::string, std::string>&) override {
    return Status::Conflict({"", "pods"}, "p", "pod p is already assigned to node \"n0\"");
  }
};

TEST_CASE("DefaultBinder.Bind") {
  testing::FakeHandle handle;
  DefaultBinder binder(handle);
  CycleState state;
  auto pod = testing::PodFromYaml("metadata: {name: p, namespace: default, uid: u}");
  CHECK(binder.Bind(state, *pod, "n1").ok());
  CHECK(handle.bound == std::vector<std::pair<std::string, std::string>>{{"p", "n1"}});
}

TEST_CASE("DefaultBinder.Bind failure is an Error with the API's message") {
  FailingBindHandle handle;
  DefaultBinder binder(handle);
  CycleState state;
  PluginStatus s = binder.Bind(state, *testing::PodFromYaml("metadata: {name: p}"), "n1");
  CHECK(s.code() == Code::kError);
  REQUIRE(s.reasons().size() == 1);
  CHECK(s.reasons()[0] ==
        "Operation cannot be fulfilled on pods \"p\": pod p is already assigned to node \"n0\"");
}

TEST_CASE("NewDefaultBinder") {
  testing::FakeHandle handle;
  auto plugin = NewDefaultBinder(YAML::Node(), handle);
  REQUIRE(plugin.ok());
  CHECK((*plugin)->Name() == "DefaultBinder");
  CHECK(dynamic_cast<BindPlugin*>(plugin->get()) != nullptr);
}

}  // namespace
}  // namespace pk::scheduler::plugins
