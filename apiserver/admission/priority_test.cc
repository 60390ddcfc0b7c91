// The Priority plugin through the registry's write path (defaults, admission, validation) over
// a memory store, as the apiserver runs it: the cases of Kubernetes' admission_test.go that
// picokube covers, and the "system-" rules of PriorityClass validation.
#include "apiserver/admission/priority.h"

#include <doctest/doctest.h>

#include <map>
#include <optional>
#include <vector>

#include "apimachinery/codec.h"
#include "apiserver/admission/namespace_lifecycle.h"
#include "apiserver/registry/registry.h"
#include "proto/core/v1/namespace.pb.h"
#include "proto/core/v1/pod.pb.h"
#include "proto/scheduling/v1/scheduling.pb.h"

namespace pk::admission {
namespace {

using google::protobuf::Message;
using k8s::core::v1::Namespace;
using k8s::core::v1::Pod;
using k8s::scheduling::v1::PriorityClass;
using registry::Registry;
using registry::WriteContext;

template <class T>
std::unique_ptr<T> FromJson(const std::string& json) {
  auto m = std::make_unique<T>();
  Status s = json::Decode(json, m.get(), nullptr);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  return m;
}

// Registries for pods, namespaces and priorityclasses with NamespaceLifecycle and Priority, as
// apiserver.cc chains them, and the namespace "ns".
struct Fixture {
  Fixture() : store(storage::NewMemoryStore()) {
    chain.Register(NewNamespaceLifecycle(store.get()));
    chain.Register(NewPriority(store.get()));
    for (auto [group, resource] : {std::pair{"", "pods"}, std::pair{"", "namespaces"},
                                   std::pair{"scheduling.k8s.io", "priorityclasses"}}) {
      registries.emplace(
          resource, std::make_unique<Registry>(*Scheme::Builtin().FindResource(group, resource),
                                               store.get(), &chain));
    }
    REQUIRE(Of("namespaces").Create({}, FromJson<Namespace>(R"({"metadata":{"name":"ns"}})")).ok());
  }
  const Registry& Of(const std::string& resource) { return *registries.at(resource); }
  static WriteContext In(const std::string& ns) {
    WriteContext ctx;
    ctx.ns = ns;
    return ctx;
  }
  Result<storage::ObjectPtr> CreateClass(const std::string& json) {
    return Of("priorityclasses").Create({}, FromJson<PriorityClass>(json));
  }
  Result<storage::ObjectPtr> CreatePod(const std::string& metadata, const std::string& spec_extra) {
    return Of("pods").Create(
        In("ns"), FromJson<Pod>(R"({"metadata":)" + metadata +
                                R"(,"spec":{"containers":[{"name":"c","image":"nginx"}])" +
                                spec_extra + "}}"));
  }

  std::unique_ptr<storage::Store> store;
  Chain chain;
  std::map<std::string, std::unique_ptr<Registry>> registries;
};

const char* const kHigh = R"({"metadata":{"name":"high"},"value":1000})";
const char* const kNever =
    R"({"metadata":{"name":"never"},"value":500,"preemptionPolicy":"Never"})";
const char* const kDefault = R"({"metadata":{"name":"dflt"},"value":50,"globalDefault":true})";

struct PodCase {
  const char* name;
  std::vector<const char*> classes;  // PriorityClasses created first
  std::string spec_extra;            // appended to the pod's spec
  // Either the admitted pod's fields...
  int32_t priority = 0;
  std::string preemption_policy;
  std::string class_name;
  // ...or the refusal (403 Forbidden) with Kubernetes' exact message.
  std::string forbidden;
};

const std::vector<PodCase> kPodCases = {
    {"a named class sets priority and the default policy",
     {kHigh},
     R"(,"priorityClassName":"high")",
     1000,
     "PreemptLowerPriority",
     "high",
     ""},
    {"the class's preemptionPolicy wins",
     {kNever},
     R"(,"priorityClassName":"never")",
     500,
     "Never",
     "never",
     ""},
    {"no class and no default: priority 0, no name",
     {kHigh},
     "",
     0,
     "PreemptLowerPriority",
     "",
     ""},
    {"no class: the globalDefault class, named",
     {kHigh, kDefault},
     "",
     50,
     "PreemptLowerPriority",
     "dflt",
     ""},
    {"a named class beats the default",
     {kHigh, kDefault},
     R"(,"priorityClassName":"high")",
     1000,
     "PreemptLowerPriority",
     "high",
     ""},
    {"a priority equal to the class's is accepted",
     {kHigh},
     R"(,"priorityClassName":"high","priority":1000)",
     1000,
     "PreemptLowerPriority",
     "high",
     ""},
    {"a policy equal to the class's is accepted",
     {kNever},
     R"(,"priorityClassName":"never","preemptionPolicy":"Never")",
     500,
     "Never",
     "never",
     ""},
    {"an unknown class is refused",
     {kHigh},
     R"(,"priorityClassName":"ghost")",
     0,
     "",
     "",
     R"(pods "p" is forbidden: no PriorityClass with name ghost was found)"},
    {"a different priority is refused",
     {kHigh},
     R"(,"priorityClassName":"high","priority":5)",
     0,
     "",
     "",
     R"(pods "p" is forbidden: the integer value of priority (5) must not be provided in pod )"
     R"(spec; priority admission controller computed 1000 from the given PriorityClass name)"},
    {"a priority without any class is refused",
     {},
     R"(,"priority":7)",
     0,
     "",
     "",
     R"(pods "p" is forbidden: the integer value of priority (7) must not be provided in pod )"
     R"(spec; priority admission controller computed 0 from the given PriorityClass name)"},
    {"a different policy is refused",
     {kHigh},
     R"(,"priorityClassName":"high","preemptionPolicy":"Never")",
     0,
     "",
     "",
     R"(pods "p" is forbidden: the string value of PreemptionPolicy (Never) must not be )"
     R"(provided in pod spec; priority admission controller computed PreemptLowerPriority )"
     R"(from the given PriorityClass name)"},
};

TEST_CASE("pod create: priority and preemptionPolicy from the PriorityClass") {
  for (const PodCase& c : kPodCases) {
    CAPTURE(c.name);
    Fixture f;
    for (const char* json : c.classes) REQUIRE(f.CreateClass(json).ok());
    auto created = f.CreatePod(R"({"name":"p"})", c.spec_extra);
    if (!c.forbidden.empty()) {
      CHECK(created.status().code() == 403);
      CHECK(created.status().reason() == Reason::kForbidden);
      CHECK(created.status().message() == c.forbidden);
      CHECK(created.status().details().name == "p");
      CHECK(created.status().details().kind == "pods");
      continue;
    }
    REQUIRE_MESSAGE(created.ok(), created.status().ToString());
    const auto& spec = static_cast<const Pod&>(**created).spec();
    CHECK(spec.has_priority());
    CHECK(spec.priority() == c.priority);
    CHECK(spec.preemption_policy() == c.preemption_policy);
    CHECK(spec.priority_class_name() == c.class_name);
  }
}

TEST_CASE("several globalDefault classes (a race): the lowest value applies") {
  Fixture f;
  for (auto [name, value] : {std::pair{"b", 300}, std::pair{"a", 100}, std::pair{"c", 200}}) {
    PriorityClass pc;
    pc.mutable_metadata()->set_name(name);
    pc.set_value(value);
    pc.set_global_default(true);
    REQUIRE(f.store
                ->Create(storage::ObjectKey("priorityclasses", "", name),
                         std::make_unique<PriorityClass>(pc))
                .ok());
  }
  auto created = f.CreatePod(R"({"name":"p"})", "");
  REQUIRE(created.ok());
  const auto& spec = static_cast<const Pod&>(**created).spec();
  CHECK(spec.priority() == 100);
  CHECK(spec.priority_class_name() == "a");
}

TEST_CASE("a refused pod with only generateName is named by its prefix") {
  Fixture f;
  auto created = f.CreatePod(R"({"generateName":"web-"})", R"(,"priorityClassName":"ghost")");
  CHECK(created.status().message() ==
        R"(pods "web-" is forbidden: no PriorityClass with name ghost was found)");
}

TEST_CASE("pod update: the priority stays as created; changing it is validation's to refuse") {
  Fixture f;
  REQUIRE(f.CreateClass(kHigh).ok());
  auto created = f.CreatePod(R"({"name":"p"})", R"(,"priorityClassName":"high")");
  REQUIRE(created.ok());
  auto put = [&](std::function<void(Pod*)> edit) {
    auto next = std::make_shared<Pod>(static_cast<const Pod&>(**f.Of("pods").Get("ns", "p")));
    edit(next.get());
    return f.Of("pods").Update(Fixture::In("ns"), "p",
                               [next](const Message*) -> Result<registry::MessagePtr> {
                                 return registry::MessagePtr(new Pod(*next));
                               },
                               {});
  };
  // A PUT of a copy without priority and policy keeps both.
  auto omitted = put([](Pod* p) {
    (*p->mutable_metadata()->mutable_labels())["a"] = "1";
    p->mutable_spec()->clear_priority();
    p->mutable_spec()->clear_preemption_policy();
  });
  REQUIRE_MESSAGE(omitted.ok(), omitted.status().ToString());
  const auto& spec = static_cast<const Pod&>(*omitted->first).spec();
  CHECK(spec.priority() == 1000);
  CHECK(spec.preemption_policy() == "PreemptLowerPriority");
  // A new value is not the plugin's to refuse: validation says the spec is immutable.
  auto changed = put([](Pod* p) { p->mutable_spec()->set_priority(1); });
  CHECK(changed.status().code() == 422);
}

struct ClassCase {
  const char* name;
  std::vector<const char*> existing;
  std::string json;
  int code = 0;         // 0: created
  std::string message;  // the refusal's exact message
};

const std::vector<ClassCase> kClassCases = {
    {"a first default", {kHigh}, kDefault, 0, ""},
    {"a second default is refused",
     {kDefault},
     R"({"metadata":{"name":"other"},"value":10,"globalDefault":true})",
     403,
     R"(priorityclasses.scheduling.k8s.io "other" is forbidden: PriorityClass dflt is already )"
     R"(marked as default. Only one default can exist)"},
    {"a non-default class beside a default", {kDefault}, kHigh, 0, ""},
    {"the system classes themselves",
     {},
     R"({"metadata":{"name":"system-node-critical"},"value":2000001000})",
     0,
     ""},
    {"an unknown system- name",
     {},
     R"({"metadata":{"name":"system-mine"},"value":10})",
     422,
     R"(metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for )"
     R"(system use only. error: system-mine is not a known system priority class)"},
    {"a system class with another value",
     {},
     R"({"metadata":{"name":"system-node-critical"},"value":10})",
     422,
     R"(error: value of system-node-critical PriorityClass must be 2000001000)"},
    {"a system class as the default",
     {},
     R"({"metadata":{"name":"system-cluster-critical"},"value":2000000000,"globalDefault":true})",
     422,
     R"(error: globalDefault of system-cluster-critical PriorityClass must be false)"},
    {"a user value above one billion",
     {},
     R"({"metadata":{"name":"huge"},"value":1000000001})",
     422,
     R"(value: Forbidden: maximum allowed value of a user defined priority is 1000000000)"},
};

TEST_CASE("PriorityClass create: one default, system- names reserved") {
  for (const ClassCase& c : kClassCases) {
    CAPTURE(c.name);
    Fixture f;
    for (const char* json : c.existing) REQUIRE(f.CreateClass(json).ok());
    auto created = f.CreateClass(c.json);
    if (c.code == 0) {
      CHECK_MESSAGE(created.ok(), created.status().ToString());
      continue;
    }
    CHECK(created.status().code() == c.code);
    if (c.code == 403) {
      CHECK(created.status().message() == c.message);
    } else {  // Invalid: the cause is part of the message
      CHECK_MESSAGE(created.status().message().find(c.message) != std::string::npos,
                    created.status().message());
    }
  }
}

TEST_CASE("PriorityClass update: the default may stay default; another may not become one") {
  Fixture f;
  REQUIRE(f.CreateClass(kDefault).ok());
  REQUIRE(f.CreateClass(kHigh).ok());
  auto put = [&](const std::string& name, std::function<void(PriorityClass*)> edit) {
    auto next = std::make_shared<PriorityClass>(
        static_cast<const PriorityClass&>(**f.Of("priorityclasses").Get("", name)));
    edit(next.get());
    return f.Of("priorityclasses")
        .Update({}, name,
                [next](const Message*) -> Result<registry::MessagePtr> {
                  return registry::MessagePtr(new PriorityClass(*next));
                },
                {});
  };
  auto same = put("dflt", [](PriorityClass* pc) { pc->set_description("still the default"); });
  CHECK_MESSAGE(same.ok(), same.status().ToString());
  auto second = put("high", [](PriorityClass* pc) { pc->set_global_default(true); });
  CHECK(second.status().code() == 403);
  CHECK(second.status().message() ==
        R"(priorityclasses.scheduling.k8s.io "high" is forbidden: PriorityClass dflt is already )"
        R"(marked as default. Only one default can exist)");
}

}  // namespace
}  // namespace pk::admission
