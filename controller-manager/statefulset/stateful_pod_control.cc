#include "controller-manager/statefulset/stateful_pod_control.h"

#include <cctype>

#include "client/errors.h"

namespace pk::controllers::statefulset {
namespace {

// strings.Title of a one-word verb.
std::string Title(std::string verb) {
  if (!verb.empty()) verb[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(verb[0])));
  return verb;
}

}  // namespace

void StatefulPodControl::RecordPodEvent(const std::string& verb, const StatefulSet& set,
                                        const Pod& pod, const Status& status) const {
  if (status.ok()) {
    recorder_.Eventf(set, "Normal", "Successful" + Title(verb),
                     "{} Pod {} in StatefulSet {} successful", verb, pod.metadata().name(),
                     set.metadata().name());
  } else {
    recorder_.Eventf(set, "Warning", "Failed" + Title(verb),
                     "{} Pod {} in StatefulSet {} failed error: {}", verb, pod.metadata().name(),
                     set.metadata().name(), status.message());
  }
}

Status StatefulPodControl::CreateStatefulPod(const StatefulSet& set, const Pod& pod) const {
  auto created = clientset_.Pods(set.metadata().namespace_()).Create(pod);
  Status s = created.ok() ? Status() : created.take_status();
  if (client::IsAlreadyExists(s)) return s;
  RecordPodEvent("create", set, pod, s);
  return s;
}

Status StatefulPodControl::UpdateStatefulPod(const StatefulSet& set, Pod pod) const {
  auto pods = clientset_.Pods(set.metadata().namespace_());
  bool attempted = false;
  Status s;
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (IdentityMatches(set, pod)) {
      s = Status();
      break;
    }
    UpdateIdentity(set, &pod);
    attempted = true;
    auto updated = pods.Update(pod);
    s = updated.ok() ? Status() : updated.take_status();
    if (s.ok() || !client::IsConflict(s)) break;
    auto fresh = pods.Get(pod.metadata().name());
    if (fresh.ok()) pod = **fresh;
  }
  if (attempted) RecordPodEvent("update", set, pod, s);
  return s;
}

Status StatefulPodControl::DeleteStatefulPod(const StatefulSet& set, const Pod& pod) const {
  auto deleted = clientset_.Pods(set.metadata().namespace_()).Delete(pod.metadata().name());
  Status s = deleted.ok() ? Status() : deleted.take_status();
  RecordPodEvent("delete", set, pod, s);
  return s;
}

}  // namespace pk::controllers::statefulset
