#include "controller-manager/garbagecollector/garbagecollector.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "apimachinery/codec.h"
#include "apimachinery/object.h"
#include "apimachinery/scheme.h"
#include "client/errors.h"
#include "controller-manager/garbagecollector/graph.h"
#include "controller-manager/queue_worker.h"

namespace pk::controllers {
namespace {

using gc::Graph;
using gc::Node;
using gc::ObjectRef;
using gc::Work;
using k8s::meta::v1::ObjectMeta;
using k8s::meta::v1::OwnerReference;

constexpr char kMergePatch[] = "application/merge-patch+json";

// The resources the collector watches: every resource of the Scheme that can own or be
// owned, but events (Kubernetes ignores them too) and the create-only ones.
std::vector<const ResourceType*> MonitoredResources() {
  std::vector<const ResourceType*> out;
  for (const ResourceType& type : Scheme::Builtin().resources()) {
    if (type.resource == "events" || type.resource == "bindings") continue;
    if (type.kind.group == "authorization.k8s.io" || type.kind.group == "authentication.k8s.io") {
      continue;  // create-only reviews: nothing to list or watch
    }
    out.push_back(&type);
  }
  return out;
}

ObjectRef RefOf(const google::protobuf::Message& object) {
  const ResourceType* type = Scheme::Builtin().FindByMessage(object.GetDescriptor());
  const ObjectMeta& meta = *GetObjectMeta(object);
  return {type->kind.api_version(), type->kind.kind, meta.name(), meta.namespace_(), meta.uid()};
}

// The resource of an apiVersion and kind ("apps/v1", "ReplicaSet"), or null.
const ResourceType* TypeOf(const std::string& api_version, const std::string& kind) {
  auto slash = api_version.find('/');
  GroupVersionKind gvk;
  if (slash == std::string::npos) {
    gvk = {"", api_version, kind};
  } else {
    gvk = {api_version.substr(0, slash), api_version.substr(slash + 1), kind};
  }
  return Scheme::Builtin().FindByKind(gvk);
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ",") + p;
  return out;
}

class GarbageCollector : public Controller {
 public:
  explicit GarbageCollector(const ControllerContext& context)
      : clientset_(*context.clientset),
        deleter_("garbagecollector",
                 [this](const std::string& uid) { return AttemptToDelete(uid); }),
        orphaner_("garbagecollector-orphan",
                  [this](const std::string& uid) { return AttemptToOrphan(uid); }) {
    for (const ResourceType* type : MonitoredResources()) {
      auto informer = context.factory->InformerFor(type->prototype->GetDescriptor());
      informer->AddEventHandler({
          .on_add = [this](const client::ObjectPtr& o,
                           bool) { Apply(graph_.Upsert(RefOf(*o), *GetObjectMeta(*o))); },
          .on_update =
              [this](const client::ObjectPtr&, const client::ObjectPtr& o) {
                Apply(graph_.Upsert(RefOf(*o), *GetObjectMeta(*o)));
              },
          .on_delete =
              [this](const client::RawDeleted& d) {
                if (d.object) Apply(graph_.Remove(GetObjectMeta(*d.object)->uid()));
              },
      });
    }
  }

  void Run(int workers) override {
    deleter_.Run(workers);
    orphaner_.Run(workers);
  }
  void Stop() override {
    deleter_.Stop();
    orphaner_.Stop();
  }

 private:
  void Apply(const Work& work) {
    for (const auto& uid : work.attempt_to_delete) deleter_.Enqueue(uid);
    for (const auto& uid : work.attempt_to_orphan) orphaner_.Enqueue(uid);
  }

  // A client for the object `ref` names; BadRequest for a kind the apiserver does not serve.
  Result<client::ResourceClient> ClientFor(const ObjectRef& ref) const {
    const ResourceType* type = TypeOf(ref.api_version, ref.kind);
    if (type == nullptr) {
      return Status::BadRequest(
          fmt::format("unable to get REST mapping for {}/{}", ref.api_version, ref.kind));
    }
    return clientset_.ForMessage(type->prototype->GetDescriptor(), type->namespaced ? ref.ns : "");
  }

  // The object as the apiserver has it now; NotFound also when the name now belongs to
  // another object (another uid): the one `ref` names is gone.
  Result<client::ObjectPtr> GetLive(const ObjectRef& ref) const {
    auto client = ClientFor(ref);
    if (!client.ok()) return client.take_status();
    auto live = client->Get(ref.name);
    if (!live.ok()) return live;
    if (GetObjectMeta(**live)->uid() != ref.uid) {
      return Status::NotFound(client->type().group_resource(), ref.name);
    }
    return live;
  }

  // attemptToDeleteItem.
  Status AttemptToDelete(const std::string& uid) {
    auto node = graph_.Get(uid);
    if (!node) return {};
    auto live = GetLive(node->ref);
    if (node->is_virtual) return VerifyVirtual(*node, live.status());
    if (!live.ok()) return client::IsNotFound(live.status()) ? Status() : live.take_status();
    const ObjectMeta& meta = *GetObjectMeta(**live);
    bool foreground =
        meta.has_deletion_timestamp() && gc::HasFinalizer(meta, gc::kFinalizerForeground);
    if (foreground) return ProcessDeletingDependents(*node, **live);
    if (meta.has_deletion_timestamp()) return {};  // being deleted: nothing to add
    if (meta.owner_references().empty()) return {};
    return DeleteIfOwnersGone(*node, **live);
  }

  // A virtual owner that does not exist: its dependents have a dangling reference.
  Status VerifyVirtual(const Node& node, const Status& lookup) {
    if (lookup.ok()) return {};  // it exists: its informer will show it
    if (!client::IsNotFound(lookup)) return lookup;
    for (const auto& d : graph_.RemoveVirtual(node.ref.uid)) deleter_.Enqueue(d);
    return {};
  }

  // classifyReferences and what follows: an object with a live owner keeps it (references
  // to absent owners, or to owners waiting for their dependents, are removed); an object
  // with none left is deleted.
  Status DeleteIfOwnersGone(const Node& node, const google::protobuf::Message& live) {
    const ObjectMeta& meta = *GetObjectMeta(live);
    std::vector<std::string> solid, dangling, waiting;
    for (const OwnerReference& owner : meta.owner_references()) {
      auto found = GetLive(
          {owner.api_version(), owner.kind(), owner.name(), meta.namespace_(), owner.uid()});
      if (!found.ok()) {
        if (!client::IsNotFound(found.status())) return found.take_status();
        dangling.push_back(owner.uid());
        continue;
      }
      const ObjectMeta& o = *GetObjectMeta(**found);
      bool owner_waits =
          o.has_deletion_timestamp() && gc::HasFinalizer(o, gc::kFinalizerForeground);
      (owner_waits ? waiting : solid).push_back(owner.uid());
    }
    if (!solid.empty()) {
      if (dangling.empty() && waiting.empty()) return {};
      std::set<std::string> gone(dangling.begin(), dangling.end());
      gone.insert(waiting.begin(), waiting.end());
      return RemoveOwnerReferences(node.ref, live, gone);
    }
    client::DeleteOptions options;
    options.precondition_uid = meta.uid();
    // A dependent with dependents of its own, whose owner waits, goes in the foreground too.
    if (!waiting.empty() && !node.dependents.empty()) {
      options.propagation_policy = "Foreground";
    } else if (gc::HasFinalizer(meta, gc::kFinalizerOrphan)) {
      options.propagation_policy = "Orphan";
    } else if (gc::HasFinalizer(meta, gc::kFinalizerForeground)) {
      options.propagation_policy = "Foreground";
    } else {
      options.propagation_policy = "Background";
    }
    auto client = ClientFor(node.ref);
    if (!client.ok()) return client.take_status();
    auto deleted = client->Delete(meta.name(), options);
    if (!deleted.ok() && !client::IsNotFound(deleted.status())) return deleted.take_status();
    return {};
  }

  // processDeletingDependentsItem: the owner loses its foregroundDeletion finalizer once no
  // dependent blocks it; the blocking ones are looked at again.
  Status ProcessDeletingDependents(const Node& node, const google::protobuf::Message& live) {
    auto blocking = graph_.BlockingDependents(node.ref.uid);
    if (blocking.empty()) return RemoveFinalizer(node.ref, live, gc::kFinalizerForeground);
    for (const auto& d : blocking) deleter_.Enqueue(d);
    return {};
  }

  // attemptToOrphanWorker: each dependent loses its reference to the owner, then the owner
  // its orphan finalizer.
  Status AttemptToOrphan(const std::string& uid) {
    auto node = graph_.Get(uid);
    if (!node) return {};
    for (const auto& d : node->dependents) {
      auto dependent = graph_.Get(d);
      if (!dependent || dependent->is_virtual) continue;
      auto live = GetLive(dependent->ref);
      if (!live.ok()) {
        if (client::IsNotFound(live.status())) continue;
        return live.take_status();
      }
      PK_RETURN_IF_ERROR(RemoveOwnerReferences(dependent->ref, **live, {uid}));
    }
    auto owner = GetLive(node->ref);
    if (!owner.ok()) return client::IsNotFound(owner.status()) ? Status() : owner.take_status();
    return RemoveFinalizer(node->ref, **owner, gc::kFinalizerOrphan);
  }

  // A merge patch of metadata at the object's resourceVersion (a Conflict retries).
  Status PatchMetadata(const ObjectRef& ref, const ObjectMeta& meta, const std::string& field,
                       const std::string& value) {
    auto client = ClientFor(ref);
    if (!client.ok()) return client.take_status();
    std::string patch = fmt::format(R"({{"metadata":{{"resourceVersion":"{}","{}":{}}}}})",
                                    meta.resource_version(), field, value);
    auto patched = client->Patch(meta.name(), kMergePatch, patch);
    if (!patched.ok() && !client::IsNotFound(patched.status())) return patched.take_status();
    return {};
  }

  Status RemoveOwnerReferences(const ObjectRef& ref, const google::protobuf::Message& live,
                               const std::set<std::string>& owners) {
    const ObjectMeta& meta = *GetObjectMeta(live);
    std::vector<std::string> kept;
    for (const OwnerReference& o : meta.owner_references()) {
      if (!owners.count(o.uid())) kept.push_back(json::Encode(o));
    }
    if (static_cast<int>(kept.size()) == meta.owner_references_size()) return {};
    return PatchMetadata(ref, meta, "ownerReferences", "[" + Join(kept) + "]");
  }

  Status RemoveFinalizer(const ObjectRef& ref, const google::protobuf::Message& live,
                         const std::string& finalizer) {
    const ObjectMeta& meta = *GetObjectMeta(live);
    if (!gc::HasFinalizer(meta, finalizer)) return {};
    nlohmann::json kept = nlohmann::json::array();
    for (const auto& f : meta.finalizers()) {
      if (f != finalizer) kept.push_back(f);
    }
    return PatchMetadata(ref, meta, "finalizers", kept.dump());
  }

  const client::Clientset& clientset_;
  Graph graph_;
  QueueWorker deleter_;
  QueueWorker orphaner_;
};

}  // namespace

Result<std::unique_ptr<Controller>> NewGarbageCollector(const ControllerContext& context) {
  return std::unique_ptr<Controller>(new GarbageCollector(context));
}

}  // namespace pk::controllers
