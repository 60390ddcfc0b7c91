#include "apiserver/registry/registry.h"

#include <doctest/doctest.h>

#include "apimachinery/codec.h"
#include "apimachinery/object.h"
#include "apiserver/admission/namespace_lifecycle.h"
#include "proto/apps/v1/apps.pb.h"
#include "proto/core/v1/config.pb.h"
#include "proto/core/v1/namespace.pb.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::registry {
namespace {

using google::protobuf::Message;
using k8s::core::v1::ConfigMap;
using k8s::core::v1::Namespace;
using k8s::core::v1::Pod;

template <class T>
std::unique_ptr<T> FromJson(const std::string& json) {
  auto m = std::make_unique<T>();
  json::DecodeReport report;
  REQUIRE(json::Decode(json, m.get(), &report).ok());
  return m;
}

// A registry per resource over an in-memory store, with NamespaceLifecycle, and the
// namespace "ns" in place.
struct Fixture {
  Fixture() : store(storage::NewMemoryStore()) {
    admission.Register(admission::NewNamespaceLifecycle(store.get()));
    for (const char* r : {"pods", "configmaps", "namespaces"}) {
      registries.emplace(r, std::make_unique<Registry>(*Scheme::Builtin().FindResource("", r),
                                                       store.get(), &admission));
    }
    registries.emplace("deployments", std::make_unique<Registry>(
                                          *Scheme::Builtin().FindResource("apps", "deployments"),
                                          store.get(), &admission));
    REQUIRE(Of("namespaces").Create({}, FromJson<Namespace>(R"({"metadata":{"name":"ns"}})")).ok());
  }
  const Registry& Of(const std::string& r) { return *registries.at(r); }
  WriteContext Ctx() {
    WriteContext ctx;
    ctx.ns = "ns";
    return ctx;
  }

  std::unique_ptr<storage::Store> store;
  admission::Chain admission;
  std::map<std::string, std::unique_ptr<Registry>> registries;
};

std::unique_ptr<Pod> NewPod(const std::string& name) {
  return FromJson<Pod>(R"({"metadata":{"name":")" + name +
                       R"("},"spec":{"containers":[{"name":"c","image":"nginx"}]}})");
}

TEST_CASE("create fills uid, creationTimestamp, defaults and a generated name") {
  Fixture f;
  auto created = f.Of("pods").Create(f.Ctx(), NewPod("web"));
  REQUIRE(created.ok());
  const auto& pod = static_cast<const Pod&>(**created);
  CHECK(pod.metadata().uid().size() == 36);
  CHECK(pod.metadata().creation_timestamp().seconds() > 0);
  CHECK(pod.metadata().namespace_() == "ns");
  CHECK(!pod.metadata().resource_version().empty());
  CHECK(pod.spec().restart_policy() == "Always");
  CHECK(pod.status().phase() == "Pending");

  auto cm = FromJson<ConfigMap>(R"({"metadata":{"generateName":"cfg-"}})");
  auto generated = f.Of("configmaps").Create(f.Ctx(), std::move(cm));
  REQUIRE(generated.ok());
  const std::string& name = GetObjectMeta(**generated)->name();
  CHECK(name.size() == 9);
  CHECK(name.rfind("cfg-", 0) == 0);
}

TEST_CASE("create errors: exists, invalid, wrong or missing namespace") {
  Fixture f;
  REQUIRE(f.Of("pods").Create(f.Ctx(), NewPod("web")).ok());
  auto again = f.Of("pods").Create(f.Ctx(), NewPod("web"));
  CHECK(again.status().code() == 409);
  CHECK(again.status().message() == "pods \"web\" already exists");

  auto invalid = f.Of("pods").Create(
      f.Ctx(),
      FromJson<Pod>(R"({"metadata":{"name":"Bad_Name"},"spec":{"containers":[{"name":"c"}]}})"));
  CHECK(invalid.status().code() == 422);
  CHECK(invalid.status().message().find("metadata.name") != std::string::npos);
  CHECK(invalid.status().message().find("spec.containers[0].image: Required value") !=
        std::string::npos);

  auto other = NewPod("x");
  other->mutable_metadata()->set_namespace_("other");
  CHECK(f.Of("pods").Create(f.Ctx(), std::move(other)).status().code() == 400);

  WriteContext ghost = f.Ctx();
  ghost.ns = "ghost";
  auto missing = f.Of("pods").Create(ghost, NewPod("x"));
  CHECK(missing.status().code() == 404);
  CHECK(missing.status().message() == "namespaces \"ghost\" not found");
}

TEST_CASE("updates are compare-and-swap on resourceVersion; status writes keep the spec") {
  Fixture f;
  auto created = f.Of("pods").Create(f.Ctx(), NewPod("web"));
  REQUIRE(created.ok());
  auto stale = std::make_shared<Pod>(static_cast<const Pod&>(**created));
  auto with = [](std::shared_ptr<Pod> p) {
    return [p](const Message*) -> Result<MessagePtr> { return MessagePtr(new Pod(*p)); };
  };
  (*stale->mutable_metadata()->mutable_labels())["a"] = "1";
  auto updated = f.Of("pods").Update(f.Ctx(), "web", with(stale), {});
  REQUIRE(updated.ok());
  CHECK_FALSE(updated->second);  // not created
  auto conflict = f.Of("pods").Update(f.Ctx(), "web", with(stale), {});
  CHECK(conflict.status().code() == 409);
  CHECK(conflict.status().message().find("the object has been modified") != std::string::npos);

  auto status = std::make_shared<Pod>(static_cast<const Pod&>(*updated->first));
  status->mutable_status()->set_phase("Running");
  status->mutable_spec()->mutable_containers(0)->set_image("ignored");
  UpdateOptions status_only;
  status_only.status_only = true;
  auto written = f.Of("pods").Update(f.Ctx(), "web", with(status), status_only);
  REQUIRE(written.ok());
  const auto& pod = static_cast<const Pod&>(*written->first);
  CHECK(pod.status().phase() == "Running");
  CHECK(pod.spec().containers(0).image() == "nginx");

  auto missing = f.Of("pods").Update(f.Ctx(), "nope", with(status), {});
  CHECK(missing.status().code() == 404);
}

TEST_CASE("a deployment's status write carries its annotations, not its spec or labels") {
  Fixture f;
  auto created = f.Of("deployments").Create(f.Ctx(), FromJson<k8s::apps::v1::Deployment>(R"({
    "metadata":{"name":"web","labels":{"a":"1"}},
    "spec":{"selector":{"matchLabels":{"app":"web"}},
            "template":{"metadata":{"labels":{"app":"web"}},
                        "spec":{"containers":[{"name":"c","image":"nginx"}]}}}})"));
  REQUIRE(created.ok());
  auto d = std::make_shared<k8s::apps::v1::Deployment>(
      static_cast<const k8s::apps::v1::Deployment&>(**created));
  (*d->mutable_metadata()->mutable_annotations())["deployment.kubernetes.io/revision"] = "1";
  (*d->mutable_metadata()->mutable_labels())["a"] = "2";
  d->mutable_spec()->set_replicas(5);
  d->mutable_status()->set_observed_generation(1);
  UpdateOptions status_only;
  status_only.status_only = true;
  auto written = f.Of("deployments")
                     .Update(
                         f.Ctx(), "web",
                         [d](const Message*) -> Result<MessagePtr> {
                           return MessagePtr(new k8s::apps::v1::Deployment(*d));
                         },
                         status_only);
  REQUIRE(written.ok());
  const auto& out = static_cast<const k8s::apps::v1::Deployment&>(*written->first);
  CHECK(out.metadata().annotations().at("deployment.kubernetes.io/revision") == "1");
  CHECK(out.metadata().labels().at("a") == "1");
  CHECK(out.spec().replicas() == 1);
  CHECK(out.metadata().generation() == 1);  // a status write never bumps it
  CHECK(out.status().observed_generation() == 1);
}

TEST_CASE("a bound pod is deleted gracefully; the kubelet's grace-0 delete removes it") {
  Fixture f;
  auto pod = NewPod("web");
  pod->mutable_spec()->set_node_name("node-1");
  REQUIRE(f.Of("pods").Create(f.Ctx(), std::move(pod)).ok());
  auto marked = f.Of("pods").Delete(f.Ctx(), "web", {});
  REQUIRE(marked.ok());
  CHECK_FALSE(marked->deleted);
  const auto& meta = *GetObjectMeta(*marked->object);
  CHECK(meta.has_deletion_timestamp());
  CHECK(meta.deletion_grace_period_seconds() == 30);
  CHECK(f.Of("pods").Get("ns", "web").ok());

  DeleteOptions now;
  now.grace_period_seconds = 0;
  auto gone = f.Of("pods").Delete(f.Ctx(), "web", now);
  REQUIRE(gone.ok());
  CHECK(gone->deleted);
  CHECK(f.Of("pods").Get("ns", "web").status().code() == 404);

  REQUIRE(f.Of("pods").Create(f.Ctx(), NewPod("unbound")).ok());
  auto at_once = f.Of("pods").Delete(f.Ctx(), "unbound", {});
  REQUIRE(at_once.ok());
  CHECK(at_once->deleted);
}

TEST_CASE("finalizers hold a deleted object until the last one is removed") {
  Fixture f;
  auto cm = FromJson<ConfigMap>(R"({"metadata":{"name":"held","finalizers":["example.com/x"]}})");
  REQUIRE(f.Of("configmaps").Create(f.Ctx(), std::move(cm)).ok());
  auto marked = f.Of("configmaps").Delete(f.Ctx(), "held", {});
  REQUIRE(marked.ok());
  CHECK_FALSE(marked->deleted);
  auto release = [](const Message* current) -> Result<MessagePtr> {
    MessagePtr next(current->New());
    next->CopyFrom(*current);
    MutableObjectMeta(next.get())->clear_finalizers();
    return next;
  };
  REQUIRE(f.Of("configmaps").Update(f.Ctx(), "held", release, {}).ok());
  CHECK(f.Of("configmaps").Get("ns", "held").status().code() == 404);
}

TEST_CASE(
    "propagationPolicy: Foreground and Orphan mark with their finalizer; Background deletes") {
  Fixture f;
  auto finalizers_of = [&](const std::string& name) {
    auto got = f.Of("configmaps").Get("ns", name);
    REQUIRE(got.ok());
    const auto& meta = *GetObjectMeta(**got);
    CHECK(meta.has_deletion_timestamp());
    return std::vector<std::string>(meta.finalizers().begin(), meta.finalizers().end());
  };
  for (const char* name : {"fg", "or", "bg"}) {
    auto cm = FromJson<ConfigMap>(std::string(R"({"metadata":{"name":")") + name + R"("}})");
    REQUIRE(f.Of("configmaps").Create(f.Ctx(), std::move(cm)).ok());
  }
  DeleteOptions foreground;
  foreground.propagation_policy = "Foreground";
  auto fg = f.Of("configmaps").Delete(f.Ctx(), "fg", foreground);
  REQUIRE(fg.ok());
  CHECK_FALSE(fg->deleted);
  CHECK(finalizers_of("fg") == std::vector<std::string>{"foregroundDeletion"});
  DeleteOptions orphan;
  orphan.propagation_policy = "Orphan";
  REQUIRE(f.Of("configmaps").Delete(f.Ctx(), "or", orphan).ok());
  CHECK(finalizers_of("or") == std::vector<std::string>{"orphan"});
  // A second delete with another policy swaps the finalizer.
  REQUIRE(f.Of("configmaps").Delete(f.Ctx(), "or", foreground).ok());
  CHECK(finalizers_of("or") == std::vector<std::string>{"foregroundDeletion"});
  DeleteOptions background;
  background.propagation_policy = "Background";
  auto bg = f.Of("configmaps").Delete(f.Ctx(), "bg", background);
  REQUIRE(bg.ok());
  CHECK(bg->deleted);
  // Background on a marked object drops the garbage collector's finalizer: it goes.
  REQUIRE(f.Of("configmaps").Delete(f.Ctx(), "fg", background).ok());
  CHECK(f.Of("configmaps").Get("ns", "fg").status().code() == 404);
}

TEST_CASE("namespaces: deleting one marks it Terminating; no new content; system ones stay") {
  Fixture f;
  auto deleted = f.Of("namespaces").Delete({}, "ns", {});
  REQUIRE(deleted.ok());
  CHECK_FALSE(deleted->deleted);
  CHECK(static_cast<const Namespace&>(*deleted->object).status().phase() == "Terminating");
  auto refused = f.Of("pods").Create(f.Ctx(), NewPod("late"));
  CHECK(refused.status().code() == 403);
  CHECK(refused.status().message().find("because it is being terminated") != std::string::npos);
  REQUIRE(refused.status().details().causes.size() == 1);
  CHECK(refused.status().details().causes[0] == StatusCause{"NamespaceTerminating",
                                                            "namespace ns is being terminated",
                                                            "metadata.namespace"});

  // The namespace controller's finalize removes the last finalizer: the namespace goes.
  auto finalized = f.Of("namespaces").Mutate({}, "ns", [](Message* m) {
    static_cast<Namespace*>(m)->mutable_spec()->clear_finalizers();
    return Status();
  });
  REQUIRE(finalized.ok());
  CHECK(f.Of("namespaces").Get("", "ns").status().code() == 404);

  REQUIRE(f.Of("namespaces")
              .Create({}, FromJson<Namespace>(R"({"metadata":{"name":"default"}})"))
              .ok());
  CHECK(f.Of("namespaces").Delete({}, "default", {}).status().code() == 403);
}

TEST_CASE("dry run runs every step but stores nothing") {
  Fixture f;
  WriteContext dry = f.Ctx();
  dry.dry_run = true;
  auto created = f.Of("pods").Create(dry, NewPod("web"));
  REQUIRE(created.ok());
  CHECK(GetObjectMeta(**created)->uid().size() == 36);
  CHECK(f.Of("pods").Get("ns", "web").status().code() == 404);
  CHECK(f.Of("pods").Create(dry, NewPod("Bad_Name")).status().code() == 422);
}

TEST_CASE("field selectors the resource does not support are 400") {
  Fixture f;
  storage::ListOptions options;
  options.fields = *FieldSelector::Parse("spec.nodeName=n1");
  CHECK(f.Of("pods").List("ns", options).ok());
  auto bad = f.Of("configmaps").List("ns", options);
  CHECK(bad.status().code() == 400);
  CHECK(bad.status().message() == "field label not supported: spec.nodeName");
}

}  // namespace
}  // namespace pk::registry
