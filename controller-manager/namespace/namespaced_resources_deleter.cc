#include "controller-manager/namespace/namespaced_resources_deleter.h"

#include <fmt/format.h>

#include <algorithm>

#include "apimachinery/object.h"
#include "apimachinery/scheme.h"
#include "apimachinery/time.h"
#include "client/errors.h"

namespace pk::controllers {
namespace {

using k8s::core::v1::Namespace;
using k8s::core::v1::NamespaceCondition;
using k8s::core::v1::NamespaceStatus;

constexpr char kFinalizerKubernetes[] = "kubernetes";

// The resources that hold a namespace's content: namespaced, listable and deletable (not
// the create-only bindings and access reviews).
std::vector<const ResourceType*> NamespacedResources() {
  std::vector<const ResourceType*> out;
  for (const ResourceType& type : Scheme::Builtin().resources()) {
    if (!type.namespaced || type.resource == "bindings") continue;
    if (type.kind.group == "authorization.k8s.io" || type.kind.group == "authentication.k8s.io") {
      continue;  // create-only reviews: nothing to list or watch
    }
    out.push_back(&type);
  }
  return out;
}

struct ConditionText {
  const char* type;
  const char* ok_reason;
  const char* ok_message;
};

// Kubernetes' conditionTypes with their okReasons and okMessages, in its order.
constexpr ConditionText kConditions[] = {
    {"NamespaceDeletionDiscoveryFailure", "ResourcesDiscovered",
     "All resources successfully discovered"},
    {"NamespaceDeletionGVParsingFailure", "ParsedGroupVersions",
     "All legacy kube types successfully parsed"},
    {"NamespaceDeletionContentFailure", "ContentDeleted",
     "All content successfully deleted, may be waiting on finalization"},
    {"NamespaceContentRemaining", "ContentRemoved", "All content successfully removed"},
    {"NamespaceFinalizersRemaining", "ContentRemoved", "All content successfully removed"},
};

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

// The failing conditions `totals` calls for, by type.
std::map<std::string, NamespaceCondition> FailingConditions(const ContentTotals& totals) {
  std::map<std::string, NamespaceCondition> out;
  auto add = [&](const char* type, const char* reason, std::string message) {
    NamespaceCondition& c = out[type];
    c.set_type(type);
    c.set_status("True");
    c.set_reason(reason);
    c.set_message(std::move(message));
  };
  if (!totals.remaining_by_resource.empty()) {
    std::vector<std::string> parts;
    for (const auto& [resource, n] : totals.remaining_by_resource) {
      parts.push_back(fmt::format("{} has {} resource instances", resource, n));
    }
    std::sort(parts.begin(), parts.end());
    add("NamespaceContentRemaining", "SomeResourcesRemain",
        "Some resources are remaining: " + Join(parts));
  }
  if (!totals.remaining_by_finalizer.empty()) {
    std::vector<std::string> parts;
    for (const auto& [finalizer, n] : totals.remaining_by_finalizer) {
      parts.push_back(fmt::format("{} in {} resource instances", finalizer, n));
    }
    std::sort(parts.begin(), parts.end());
    add("NamespaceFinalizersRemaining", "SomeFinalizerRemain",
        "Some finalizers are remaining: " + Join(parts));
  }
  if (!totals.errors.empty()) {
    std::vector<std::string> errors = totals.errors;
    std::sort(errors.begin(), errors.end());
    add("NamespaceDeletionContentFailure", "ContentDeletionFailed",
        fmt::format("Failed to delete all resource types, {} remaining: {}", errors.size(),
                    Join(errors)));
  }
  return out;
}

NamespaceCondition* FindCondition(NamespaceStatus* status, const std::string& type) {
  for (auto& c : *status->mutable_conditions()) {
    if (c.type() == type) return &c;
  }
  return nullptr;
}

bool HasKubernetesFinalizer(const Namespace& ns) {
  const auto& f = ns.spec().finalizers();
  return std::find(f.begin(), f.end(), kFinalizerKubernetes) != f.end();
}

}  // namespace

bool UpdateNamespaceConditions(const ContentTotals& totals, NamespaceStatus* status) {
  auto failing = FailingConditions(totals);
  bool changed = false;
  for (const ConditionText& text : kConditions) {
    NamespaceCondition wanted;
    if (auto it = failing.find(text.type); it != failing.end()) {
      wanted = it->second;
    } else {
      wanted.set_type(text.type);
      wanted.set_status("False");
      wanted.set_reason(text.ok_reason);
      wanted.set_message(text.ok_message);
    }
    NamespaceCondition* old = FindCondition(status, text.type);
    if (old == nullptr) {
      *wanted.mutable_last_transition_time() = NowTime();
      *status->add_conditions() = std::move(wanted);
      changed = true;
    } else if (old->status() != wanted.status() || old->reason() != wanted.reason() ||
               old->message() != wanted.message()) {
      if (old->status() != wanted.status()) *old->mutable_last_transition_time() = NowTime();
      old->set_status(wanted.status());
      old->set_reason(wanted.reason());
      old->set_message(wanted.message());
      changed = true;
    }
  }
  return changed;
}

Result<bool> NamespacedResourcesDeleter::Delete(const std::string& name) const {
  auto ns = clientset_.Resource<Namespace>().Get(name);
  if (!ns.ok()) {
    if (client::IsNotFound(ns.status())) return true;
    return ns.take_status();
  }
  if (!(*ns)->metadata().has_deletion_timestamp()) return true;
  if (!HasKubernetesFinalizer(**ns)) return true;  // finalized: the apiserver takes it from here
  ContentTotals totals = DeleteAllContent(name);
  PK_RETURN_IF_ERROR(UpdateConditions(**ns, totals));
  if (!totals.errors.empty()) {
    return Status::InternalError(
        fmt::format("deleting the content of namespace {}: {}", name, Join(totals.errors)));
  }
  if (!totals.empty()) return false;
  PK_RETURN_IF_ERROR(Finalize(**ns));
  return true;
}

// Kubernetes' deleteAllContent: deletes every object of every namespaced resource (those
// not already being deleted) with Background propagation, then counts what remains.
ContentTotals NamespacedResourcesDeleter::DeleteAllContent(const std::string& ns) const {
  ContentTotals totals;
  client::DeleteOptions background;
  background.propagation_policy = "Background";
  for (const ResourceType* type : NamespacedResources()) {
    auto resource = clientset_.ForMessage(type->prototype->GetDescriptor(), ns);
    std::string gvr = type->resource + "." + type->kind.group;
    auto list = resource.List({});
    if (!list.ok()) {
      totals.errors.push_back(fmt::format("{}: {}", gvr, list.status().message()));
      continue;
    }
    if (list->items.empty()) continue;
    for (const auto& item : list->items) {
      const auto* meta = GetObjectMeta(*item);
      if (meta->has_deletion_timestamp()) continue;
      auto deleted = resource.Delete(meta->name(), background);
      if (!deleted.ok() && !client::IsNotFound(deleted.status())) {
        totals.errors.push_back(fmt::format("{}: {}", gvr, deleted.status().message()));
      }
    }
    auto remaining = resource.List({});
    if (!remaining.ok()) {
      totals.errors.push_back(fmt::format("{}: {}", gvr, remaining.status().message()));
      continue;
    }
    if (remaining->items.empty()) continue;
    totals.remaining_by_resource[gvr] = static_cast<int>(remaining->items.size());
    for (const auto& item : remaining->items) {
      for (const auto& f : GetObjectMeta(*item)->finalizers()) {
        ++totals.remaining_by_finalizer[f];
      }
    }
  }
  return totals;
}

// Writes the conditions through the status subresource when they changed; a conflict is
// an error (the pass runs again).
Status NamespacedResourcesDeleter::UpdateConditions(const Namespace& ns,
                                                    const ContentTotals& totals) const {
  Namespace next = ns;
  if (!UpdateNamespaceConditions(totals, next.mutable_status())) return {};
  auto updated = clientset_.Resource<Namespace>().UpdateStatus(next);
  if (!updated.ok() && !client::IsNotFound(updated.status())) return updated.take_status();
  return {};
}

// Kubernetes' finalizeNamespace: the spec's finalizers without "kubernetes", through
// namespaces/NAME/finalize.
Status NamespacedResourcesDeleter::Finalize(const Namespace& ns) const {
  auto current = clientset_.Resource<Namespace>().Get(ns.metadata().name());
  if (!current.ok()) {
    return client::IsNotFound(current.status()) ? Status() : current.take_status();
  }
  Namespace next = **current;
  auto* finalizers = next.mutable_spec()->mutable_finalizers();
  finalizers->erase(std::remove(finalizers->begin(), finalizers->end(), kFinalizerKubernetes),
                    finalizers->end());
  auto done = clientset_.Resource<Namespace>().raw().Update(next, "finalize", {});
  if (!done.ok() && !client::IsNotFound(done.status())) return done.take_status();
  return {};
}

}  // namespace pk::controllers
