// defaultStatefulSetControl (stateful_set_control.go, v1.32): one reconciliation of a
// StatefulSet with the pods it owns.
//  - Revisions: the set's pod template is a ControllerRevision; the update revision is the
//    one equal to the template (created, or an old one renumbered on rollback), the current
//    revision the one status.currentRevision names (the update revision at first).
//  - Replicas: ordinals start..start+replicas-1 must exist; missing ones are created (at the
//    current revision below the partition, else the update revision), failed or succeeded
//    ones deleted to be recreated, pods with the wrong identity fixed. Ordinals beyond are
//    condemned and deleted from the highest. OrderedReady waits, at each step, for the pods
//    before to be Running and Ready (and available for minReadySeconds) and for terminating
//    pods to go; Parallel does it all at once.
//  - RollingUpdate: the highest ordinal >= partition not at the update revision is deleted
//    (to be recreated at it), one at a time, each waiting for the ones above to be available.
//    OnDelete leaves pods be until someone deletes them.
//  - Status: replicas, ready/available/current/updated counts, revisions, collisionCount,
//    observedGeneration; written when it changed. Old revisions beyond
//    revisionHistoryLimit that no pod uses are deleted.
#pragma once

#include <vector>

#include "client/clientset.h"
#include "client/clock.h"
#include "controller-manager/statefulset/history.h"
#include "controller-manager/statefulset/stateful_pod_control.h"

namespace pk::controllers::statefulset {

class StatefulSetControl {
 public:
  StatefulSetControl(const client::Clientset& clientset, const StatefulPodControl& pod_control,
                     const History& history, const client::Clock& clock)
      : clientset_(clientset), pods_(pod_control), history_(history), clock_(clock) {}

  // UpdateStatefulSet: the status written (or that would be, when unchanged), or the first
  // error (the status is then still written when it was computed).
  Result<StatefulSetStatus> UpdateStatefulSet(const StatefulSet& set,
                                              const std::vector<PodPtr>& pods) const;
  // The set's revisions (owned or orphaned ones matching its selector).
  Result<std::vector<RevisionPtr>> ListRevisions(const StatefulSet& set) const;
  Status AdoptOrphanRevisions(const StatefulSet& set,
                              const std::vector<RevisionPtr>& revisions) const;

 private:
  struct Revisions {
    RevisionPtr current;
    RevisionPtr update;
    int32_t collision_count = 0;
  };

  Result<Revisions> GetStatefulSetRevisions(const StatefulSet& set,
                                            std::vector<RevisionPtr> revisions) const;
  // updateStatefulSet: acts on the pods; returns the status to write and the first error.
  // `current_set` and `update_set` are the set at each revision.
  std::pair<StatefulSetStatus, Status> Reconcile(const StatefulSet& set, const Revisions& revs,
                                                 const StatefulSet& current_set,
                                                 const StatefulSet& update_set,
                                                 const std::vector<PodPtr>& pods) const;
  Status UpdateStatus(const StatefulSet& set, StatefulSetStatus status) const;
  Status TruncateHistory(const StatefulSet& set, const std::vector<PodPtr>& pods,
                         const std::vector<RevisionPtr>& revisions, const Revisions* live) const;

  const client::Clientset& clientset_;
  const StatefulPodControl& pods_;
  const History& history_;
  const client::Clock& clock_;
};

}  // namespace pk::controllers::statefulset
