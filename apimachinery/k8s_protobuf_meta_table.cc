// Kubernetes v1.32 protobuf field numbers, meta part (see k8s_protobuf_tables.h).
// Derived from the generated.proto file descriptors embedded in kubectl v1.32, matched to
// proto/ by field name; k8s_protobuf_test checks that every name exists in our message.
#include "apimachinery/k8s_protobuf_tables.h"

namespace pk::k8s_protobuf {
namespace {

// clang-format off
const Table kTables[] = {
    {"k8s.meta.v1.Condition", {{1, "type"}, {2, "status"}, {3, "observedGeneration"},
        {4, "lastTransitionTime"}, {5, "reason"}, {6, "message"}}},
    {"k8s.meta.v1.DeleteOptions", {{1, "gracePeriodSeconds"}, {2, "preconditions"},
        {3, "orphanDependents"}, {4, "propagationPolicy"}, {5, "dryRun"},
        {6, "ignoreStoreReadErrorWithClusterBreakingPotential"}}},
    {"k8s.meta.v1.Duration", {{1, "nanoseconds"}}},
    {"k8s.meta.v1.FieldsV1", {{1, "raw"}}},
    {"k8s.meta.v1.LabelSelector", {{1, "matchLabels"}, {2, "matchExpressions"}}},
    {"k8s.meta.v1.LabelSelectorRequirement", {{1, "key"}, {2, "operator"}, {3, "values"}}},
    {"k8s.meta.v1.ListMeta", {{1, "selfLink"}, {2, "resourceVersion"}, {3, "continue"},
        {4, "remainingItemCount"}}},
    {"k8s.meta.v1.ManagedFieldsEntry", {{1, "manager"}, {2, "operation"}, {3, "apiVersion"},
        {4, "time"}, {6, "fieldsType"}, {7, "fieldsV1"}, {8, "subresource"}}},
    {"k8s.meta.v1.MicroTime", {{1, "seconds"}, {2, "nanos"}}},
    {"k8s.meta.v1.ObjectMeta", {{1, "name"}, {2, "generateName"}, {3, "namespace"},
        {4, "selfLink"}, {5, "uid"}, {6, "resourceVersion"}, {7, "generation"},
        {8, "creationTimestamp"}, {9, "deletionTimestamp"}, {10, "deletionGracePeriodSeconds"},
        {11, "labels"}, {12, "annotations"}, {13, "ownerReferences"}, {14, "finalizers"},
        {17, "managedFields"}}},
    {"k8s.meta.v1.OwnerReference", {{1, "kind"}, {3, "name"}, {4, "uid"}, {5, "apiVersion"},
        {6, "controller"}, {7, "blockOwnerDeletion"}}},
    {"k8s.meta.v1.PartialObjectMetadata", {{1, "metadata"}}},
    {"k8s.meta.v1.Preconditions", {{1, "uid"}, {2, "resourceVersion"}}},
    {"k8s.meta.v1.Status", {{1, "metadata"}, {2, "status"}, {3, "message"}, {4, "reason"},
        {5, "details"}, {6, "code"}}},
    {"k8s.meta.v1.StatusCause", {{1, "reason"}, {2, "message"}, {3, "field"}}},
    {"k8s.meta.v1.StatusDetails", {{1, "name"}, {2, "group"}, {3, "kind"}, {4, "causes"},
        {5, "retryAfterSeconds"}, {6, "uid"}}},
    {"k8s.meta.v1.Time", {{1, "seconds"}, {2, "nanos"}}},
    {"k8s.meta.v1.WatchEvent", {{1, "type"}, {2, "object"}}},
    {"k8s.resource.Quantity", {{1, "string"}}},
    {"k8s.runtime.RawExtension", {{1, "raw"}}},
    {"k8s.util.IntOrString", {{1, "type"}, {2, "intVal"}, {3, "strVal"}}},
};
// clang-format on

}  // namespace

std::span<const Table> MetaTables() { return kTables; }

}  // namespace pk::k8s_protobuf
