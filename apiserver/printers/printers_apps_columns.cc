// Column definitions of the workload printers. Descriptions are the swagger docs printers.go
// cites (it takes several from extensions/v1beta1 and apps/v1beta1 types, hence their wording).
#include "apiserver/printers/printers_internal.h"

namespace pk::printers {

namespace {

constexpr const char* kSelectorDocLink =
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors";
constexpr const char* kReplicationControllerDocLink =
    "https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/"
    "#what-is-a-replicationcontroller";
constexpr const char* kDaemonSetDocLink =
    "https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/";

Column Wide(const char* name, std::string description) {
  return {name, "string", "", std::move(description), 1};
}

Column Plain(const char* name, const char* type, std::string description) {
  return {name, type, "", std::move(description), 0};
}

}  // namespace

std::vector<Column> DeploymentColumns() {
  return {
      NameColumn(),
      Plain("Ready", "string", "Number of the pod with ready state"),
      Plain("Up-to-date", "string",
            "Total number of non-terminated pods targeted by this deployment that have the "
            "desired template spec."),
      Plain("Available", "string",
            "Total number of available pods (ready for at least minReadySeconds) targeted by "
            "this deployment."),
      AgeColumn(),
      Wide("Containers", kContainersDescription),
      Wide("Images", kImagesDescription),
      Wide("Selector",
           "Label selector for pods. Existing ReplicaSets whose pods are selected by this will "
           "be the ones affected by this deployment."),
  };
}

std::vector<Column> ReplicaSetColumns() {
  return {
      NameColumn(),
      Plain("Desired", "integer",
            std::string("Replicas is the number of desired replicas. This is a pointer to "
                        "distinguish between explicit zero and unspecified. Defaults to 1. More "
                        "info: ") +
                kReplicationControllerDocLink),
      Plain("Current", "integer",
            std::string("Replicas is the most recently observed number of replicas. More info: ") +
                kReplicationControllerDocLink),
      Plain("Ready", "integer", "The number of ready replicas for this replica set."),
      AgeColumn(),
      Wide("Containers", kContainersDescription),
      Wide("Images", kImagesDescription),
      Wide("Selector",
           std::string("Selector is a label query over pods that should match the replica "
                       "count. If the selector is empty, it is defaulted to the labels present "
                       "on the pod template. Label keys and values that must match in order to "
                       "be controlled by this replica set. More info: ") +
               kSelectorDocLink),
  };
}

std::vector<Column> DaemonSetColumns() {
  return {
      NameColumn(),
      Plain("Desired", "integer",
            std::string("The total number of nodes that should be running the daemon pod "
                        "(including nodes correctly running the daemon pod). More info: ") +
                kDaemonSetDocLink),
      Plain("Current", "integer",
            std::string("The number of nodes that are running at least 1 daemon pod and are "
                        "supposed to run the daemon pod. More info: ") +
                kDaemonSetDocLink),
      Plain("Ready", "integer",
            "numberReady is the number of nodes that should be running the daemon pod and have "
            "one or more of the daemon pod running with a Ready Condition."),
      Plain("Up-to-date", "integer",
            "The total number of nodes that are running updated daemon pod"),
      Plain("Available", "integer",
            "The number of nodes that should be running the daemon pod and have one or more of "
            "the daemon pod running and available (ready for at least spec.minReadySeconds)"),
      Plain("Node Selector", "string",
            "NodeSelector is a selector which must be true for the pod to fit on a node. "
            "Selector which must match a node's labels for the pod to be scheduled on that node. "
            "More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/"),
      AgeColumn(),
      Wide("Containers", kContainersDescription),
      Wide("Images", kImagesDescription),
      Wide("Selector",
           std::string("A label query over pods that are managed by the daemon set. Must match "
                       "in order to be controlled. If empty, defaulted to labels on Pod "
                       "template. More info: ") +
               kSelectorDocLink),
  };
}

std::vector<Column> StatefulSetColumns() {
  return {
      NameColumn(),
      Plain("Ready", "string", "Number of the pod with ready state"),
      AgeColumn(),
      Wide("Containers", kContainersDescription),
      Wide("Images", kImagesDescription),
  };
}

std::vector<Column> ControllerRevisionColumns() {
  return {
      NameColumn(),
      Plain("Controller", "string", "Controller of the object"),
      Plain("Revision", "string",
            "Revision indicates the revision of the state represented by Data."),
      AgeColumn(),
  };
}

std::vector<Column> JobColumns() {
  return {
      NameColumn(),
      Plain("Status", "string", "Status of the job."),
      Plain("Completions", "string",
            "The number of pods which reached phase Succeeded. The value increases "
            "monotonically for a given spec. However, it may decrease in reaction to scale down "
            "of elastic indexed jobs."),
      Plain("Duration", "string", "Time required to complete the job."),
      AgeColumn(),
      Wide("Containers", kContainersDescription),
      Wide("Images", kImagesDescription),
      Wide("Selector",
           std::string("A label query over pods that should match the pod count. Normally, the "
                       "system sets this field for you. More info: ") +
               kSelectorDocLink),
  };
}

}  // namespace pk::printers
