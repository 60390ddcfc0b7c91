// Namespace, Node and Event strategies (pkg/registry/core/{namespace,node,event}/strategy.go,
// pkg/apis/core/v1/defaults.go), v1.32.
#include "apimachinery/validation.h"
#include "apiserver/registry/strategies/internal.h"
#include "proto/core/v1/event.pb.h"
#include "proto/core/v1/namespace.pb.h"
#include "proto/core/v1/node.pb.h"

namespace pk::registry {
namespace {

using k8s::core::v1::Event;
using k8s::core::v1::Namespace;
using k8s::core::v1::Node;

constexpr const char* kMetadataNameLabel = "kubernetes.io/metadata.name";

// Every namespace carries its own name as a label (SetDefaults_Namespace and the strategy's
// Canonicalize, for names generated after defaulting).
void SetNameLabel(Namespace* ns) {
  if (ns->metadata().name().empty()) return;
  (*ns->mutable_metadata()->mutable_labels())[kMetadataNameLabel] = ns->metadata().name();
}

class NamespaceStrategyImpl : public Strategy {
 public:
  void Default(Message* object) const override {
    Namespace& ns = As<Namespace>(object);
    SetNameLabel(&ns);
    if (ns.status().phase().empty()) ns.mutable_status()->set_phase("Active");
  }

  // A new namespace is Active and finalized by "kubernetes", whatever the client says.
  void PrepareForCreate(Message* object) const override {
    Namespace& ns = As<Namespace>(object);
    ns.clear_status();
    ns.mutable_status()->set_phase("Active");
    const auto& finalizers = ns.spec().finalizers();
    if (std::find(finalizers.begin(), finalizers.end(), "kubernetes") == finalizers.end()) {
      ns.mutable_spec()->add_finalizers("kubernetes");
    }
    SetNameLabel(&ns);
  }

  // Finalizers change only through the finalize subresource, status through status.
  void PrepareForUpdate(Message* object, const Message& old) const override {
    Namespace& ns = As<Namespace>(object);
    const Namespace& before = As<Namespace>(old);
    *ns.mutable_spec()->mutable_finalizers() = before.spec().finalizers();
    *ns.mutable_status() = before.status();
    SetNameLabel(&ns);
  }

  // validateFinalizerName for spec.finalizers.
  Causes Validate(const Message& object) const override {
    Causes causes;
    for (const std::string& f : As<Namespace>(object).spec().finalizers()) {
      const auto errs = validation::IsQualifiedName(f);
      AddInvalid(&causes, "spec.finalizers", BadValue::String(f), errs);
      if (errs.empty() && f.find('/') == std::string::npos && f != "kubernetes") {
        causes.push_back(Invalid("spec.finalizers", BadValue::String(f),
                                 "name is neither a standard finalizer name nor is it fully "
                                 "qualified"));
      }
    }
    return causes;
  }

  // Deleting a namespace marks it Terminating; the namespace controller empties it, removes
  // the "kubernetes" finalizer through /finalize, and the namespace goes.
  bool HasPendingFinalizers(const Message& object) const override {
    return !As<Namespace>(object).spec().finalizers().empty();
  }
  void PrepareForDelete(Message* object) const override {
    As<Namespace>(object).mutable_status()->set_phase("Terminating");
  }

  bool ReturnDeletedObject() const override { return true; }

  // NamespaceToSelectableFields.
  std::vector<std::string> FieldSelectors() const override { return {"status.phase"}; }
};

// Nodes are created by their kubelet with a status, so create keeps it; updates of the main
// resource keep the old one.
class NodeStrategyImpl : public Strategy {
 public:
  // SetDefaults_NodeStatus: allocatable defaults to capacity.
  void Default(Message* object) const override {
    auto* status = As<Node>(object).mutable_status();
    if (status->allocatable().empty()) *status->mutable_allocatable() = status->capacity();
  }

  void PrepareForUpdate(Message* object, const Message& old) const override {
    *As<Node>(object).mutable_status() = As<Node>(old).status();
  }

  Causes Validate(const Message& object) const override {
    static const std::vector<std::string> kEffects = {"NoSchedule", "PreferNoSchedule",
                                                      "NoExecute"};
    Causes causes;
    const auto& taints = As<Node>(object).spec().taints();
    for (int i = 0; i < taints.size(); ++i) {
      const std::string path = Index("spec.taints", i);
      AddInvalid(&causes, path + ".key", BadValue::String(taints[i].key()),
                 validation::IsQualifiedName(taints[i].key()));
      const std::string& effect = taints[i].effect();
      if (effect.empty()) {
        causes.push_back(Required(path + ".effect"));
      } else if (std::find(kEffects.begin(), kEffects.end(), effect) == kEffects.end()) {
        causes.push_back(NotSupported(path + ".effect", BadValue::String(effect), kEffects));
      }
    }
    return causes;
  }

  // NodeToSelectableFields.
  std::vector<std::string> FieldSelectors() const override { return {"spec.unschedulable"}; }
};

// Core/v1 events are validated leniently for compatibility (legacyValidateEvent); their names
// only need to be path segments (ValidateObjectMeta's rule for events).
class EventStrategyImpl : public Strategy {
 public:
  bool AllowCreateOnUpdate() const override { return true; }
  Causes Validate(const Message& object) const override {
    const Event& event = As<Event>(object);
    Causes causes;
    if (event.has_event_time() && !EventTimeIsZero(event)) return causes;
    const std::string& ns = event.metadata().namespace_();
    const std::string& involved = event.involved_object().namespace_();
    const bool ok = involved.empty() ? (ns.empty() || ns == "default") : ns == involved;
    if (!ok) {
      causes.push_back(Invalid("involvedObject.namespace", BadValue::String(involved),
                               "does not match event.namespace"));
    }
    return causes;
  }

  // The event fields Kubernetes indexes (pkg/registry/core/event/strategy.go ToSelectableFields).
  std::vector<std::string> FieldSelectors() const override {
    return {"involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type"};
  }

 private:
  static bool EventTimeIsZero(const Event& event) {
    return SameMessage(event.event_time(), k8s::meta::v1::MicroTime());
  }
};

}  // namespace

const Strategy& NamespaceStrategy() {
  static const NamespaceStrategyImpl strategy;
  return strategy;
}

const Strategy& NodeStrategy() {
  static const NodeStrategyImpl strategy;
  return strategy;
}

const Strategy& EventStrategy() {
  static const EventStrategyImpl strategy;
  return strategy;
}

}  // namespace pk::registry
