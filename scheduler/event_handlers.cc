// The informers' handlers (eventhandlers.go): unscheduled pods of our profiles go to the
// queue, bound pods to the cache, nodes and namespaces to the cache; every change that could
// make a waiting pod fit moves the unschedulable pods the queue thinks it concerns.
#include <google/protobuf/util/message_differencer.h>

#include "scheduler/scheduler_impl.h"
#include "trace/trace.h"

namespace pk::scheduler {
namespace {

using google::protobuf::util::MessageDifferencer;

bool Assigned(const Pod& pod) { return !pod.spec().node_name().empty(); }

// A pod that finished no longer holds its node's resources.
bool Terminated(const Pod& pod) {
  return pod.status().phase() == "Succeeded" || pod.status().phase() == "Failed";
}

// Whether a node change matters to scheduling (nodeSchedulingPropertiesChange), so that the
// kubelets' periodic status updates neither copy NodeInfos nor wake unschedulable pods.
bool SchedulingPropertiesChanged(const Node& a, const Node& b) {
  if (a.spec().unschedulable() != b.spec().unschedulable()) return true;
  if (a.metadata().labels().size() != b.metadata().labels().size()) return true;
  for (const auto& [k, v] : a.metadata().labels()) {
    auto it = b.metadata().labels().find(k);
    if (it == b.metadata().labels().end() || it->second != v) return true;
  }
  if (a.spec().taints_size() != b.spec().taints_size()) return true;
  for (int i = 0; i < a.spec().taints_size(); ++i) {
    const auto &x = a.spec().taints(i), &y = b.spec().taints(i);
    if (x.key() != y.key() || x.value() != y.value() || x.effect() != y.effect()) return true;
  }
  const auto &aa = a.status().allocatable(), &ba = b.status().allocatable();
  if (aa.size() != ba.size()) return true;
  for (const auto& [k, v] : aa) {
    auto it = ba.find(k);
    if (it == ba.end() || it->second.string() != v.string()) return true;
  }
  if (a.status().images_size() != b.status().images_size()) return true;
  for (int i = 0; i < a.status().images_size(); ++i) {
    if (!MessageDifferencer::Equals(a.status().images(i), b.status().images(i))) return true;
  }
  return false;
}

bool SpecOrLabelsChanged(const Pod& a, const Pod& b) {
  return !MessageDifferencer::Equals(a.spec(), b.spec()) ||
         !MessageDifferencer::Equals(a.metadata(), b.metadata());
}

}  // namespace

bool Scheduler::Impl::Responsible(const Pod& pod) const {
  return frameworks.count(pod.spec().scheduler_name()) > 0;
}

// helper.DefaultSelector: the Services' selectors merged, ANDed with the selector of the
// pod's controlling ReplicaSet or StatefulSet (as text, parsed once: "a=b,c in (x)").
LabelSelector Scheduler::Impl::DefaultSelectorFor(const Pod& pod) const {
  const std::string& ns = pod.metadata().namespace_();
  const auto& pod_labels = pod.metadata().labels();
  std::map<std::string, std::string> merged;
  for (const auto& svc : services.GetLister().ByNamespace(ns).List()) {
    const auto& selector = svc->spec().selector();
    bool selects = !selector.empty();
    for (const auto& [k, v] : selector) {
      auto it = pod_labels.find(k);
      selects = selects && it != pod_labels.end() && it->second == v;
    }
    if (selects) merged.insert(selector.begin(), selector.end());
  }
  std::string text;
  for (const auto& [k, v] : merged) text += (text.empty() ? "" : ",") + k + "=" + v;
  for (const auto& owner : pod.metadata().owner_references()) {
    if (!owner.controller() || owner.api_version() != "apps/v1") continue;
    const k8s::meta::v1::LabelSelector* selector = nullptr;
    client::Ptr<k8s::apps::v1::ReplicaSet> rs;
    client::Ptr<k8s::apps::v1::StatefulSet> ss;
    if (owner.kind() == "ReplicaSet") {
      auto found = replica_sets.GetLister().Get(ns, owner.name());
      if (found.ok()) rs = *found, selector = &rs->spec().selector();
    } else if (owner.kind() == "StatefulSet") {
      auto found = stateful_sets.GetLister().Get(ns, owner.name());
      if (found.ok()) ss = *found, selector = &ss->spec().selector();
    }
    if (selector == nullptr) continue;
    auto parsed = LabelSelector::FromProto(*selector);
    if (parsed.ok() && !parsed->String().empty()) {
      text += (text.empty() ? "" : ",") + parsed->String();
    }
  }
  auto selector = LabelSelector::Parse(text);
  return selector.ok() ? std::move(selector).value() : LabelSelector();
}

std::vector<client::HandlerRegistration> Scheduler::Impl::AddEventHandlers() {
  std::vector<client::HandlerRegistration> registrations;
  registrations.push_back(pods.AddEventHandler({
      .on_add =
          [this](const PodPtr& pod, bool) {
            if (Assigned(*pod)) {
              if (Terminated(*pod)) return;
              cache.AddPod(pod);
              queue->MoveAllToActiveOrBackoff(ClusterEvent::kAssignedPodAdd);
            } else if (Responsible(*pod) && !pod->metadata().has_deletion_timestamp()) {
              trace::Global().Event(trace::PodRef::Of(*pod), "seen by informer",
                                    "unscheduled: into the scheduling queue");
              queue->Add(pod);
            }
          },
      .on_update =
          [this](const PodPtr& old_pod, const PodPtr& pod) {
            if (Assigned(*pod)) {
              if (!Assigned(*old_pod)) queue->Delete(*old_pod);  // bound: leaves the queue
              if (Terminated(*pod)) {
                if (!Terminated(*old_pod) && Assigned(*old_pod)) {
                  cache.RemovePod(*old_pod);
                  queue->MoveAllToActiveOrBackoff(ClusterEvent::kAssignedPodDelete);
                }
                return;
              }
              if (Assigned(*old_pod)) {
                cache.UpdatePod(old_pod, pod);
                if (SpecOrLabelsChanged(*old_pod, *pod)) {
                  queue->MoveAllToActiveOrBackoff(ClusterEvent::kAssignedPodUpdate);
                }
              } else {
                cache.AddPod(pod);  // confirms the assumed pod
                queue->MoveAllToActiveOrBackoff(ClusterEvent::kAssignedPodAdd);
              }
            } else if (Responsible(*pod)) {
              if (pod->metadata().has_deletion_timestamp()) {
                queue->Delete(*pod);
              } else {
                queue->Update(old_pod, pod);
              }
            }
          },
      .on_delete =
          [this](const client::Deleted<Pod>& d) {
            const Pod& pod = *d.object;
            if (Assigned(pod)) {
              cache.RemovePod(pod);
              queue->MoveAllToActiveOrBackoff(ClusterEvent::kAssignedPodDelete);
            } else {
              queue->Delete(pod);
              queue->DeleteNominatedPodIfExists(pod.metadata().uid());
            }
          },
  }));
  registrations.push_back(nodes.AddEventHandler({
      .on_add =
          [this](const NodePtr& node, bool) {
            cache.AddNode(node);
            queue->MoveAllToActiveOrBackoff(ClusterEvent::kNodeAdd);
          },
      .on_update =
          [this](const NodePtr& old_node, const NodePtr& node) {
            if (!SchedulingPropertiesChanged(*old_node, *node)) return;
            cache.UpdateNode(node);
            queue->MoveAllToActiveOrBackoff(ClusterEvent::kNodeUpdate);
          },
      .on_delete =
          [this](const client::Deleted<Node>& d) { cache.RemoveNode(d.object->metadata().name()); },
  }));
  registrations.push_back(namespaces.AddEventHandler({
      .on_add =
          [this](const std::shared_ptr<const k8s::core::v1::Namespace>& ns, bool) {
            cache.SetNamespace(ns->metadata().name(),
                               {ns->metadata().labels().begin(), ns->metadata().labels().end()});
          },
      .on_update =
          [this](const std::shared_ptr<const k8s::core::v1::Namespace>&,
                 const std::shared_ptr<const k8s::core::v1::Namespace>& ns) {
            cache.SetNamespace(ns->metadata().name(),
                               {ns->metadata().labels().begin(), ns->metadata().labels().end()});
          },
      .on_delete =
          [this](const client::Deleted<k8s::core::v1::Namespace>& d) {
            cache.RemoveNamespace(d.object->metadata().name());
          },
  }));
  return registrations;
}

}  // namespace pk::scheduler
