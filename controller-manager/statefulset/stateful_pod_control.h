// StatefulPodControl (stateful_pod_control.go, v1.32): creates, updates and deletes a
// StatefulSet's pods, recording on the set the Events users see:
// "SuccessfulCreate" "create Pod web-0 in StatefulSet web successful", "FailedCreate"
// "create Pod web-0 in StatefulSet web failed error: ERR", and likewise for update and
// delete. PersistentVolumeClaims are not made here (volumeClaimTemplates are not supported).
//
// Thread-safe (the clientset and recorder are).
#pragma once

#include "client/clientset.h"
#include "client/event_recorder.h"
#include "controller-manager/statefulset/statefulset_utils.h"

namespace pk::controllers::statefulset {

class StatefulPodControl {
 public:
  StatefulPodControl(const client::Clientset& clientset, client::EventRecorder& recorder)
      : clientset_(clientset), recorder_(recorder) {}

  // AlreadyExists (a stale cache) is returned without an Event.
  Status CreateStatefulPod(const StatefulSet& set, const Pod& pod) const;
  // Restores the pod's identity (name, namespace, pod-name and pod-index labels) when it does
  // not match; retries conflicts on a fresh copy. Nothing, and no Event, when it matches.
  Status UpdateStatefulPod(const StatefulSet& set, Pod pod) const;
  Status DeleteStatefulPod(const StatefulSet& set, const Pod& pod) const;

 private:
  void RecordPodEvent(const std::string& verb, const StatefulSet& set, const Pod& pod,
                      const Status& status) const;

  const client::Clientset& clientset_;
  client::EventRecorder& recorder_;
};

}  // namespace pk::controllers::statefulset
