// Resource quota accounting, as Kubernetes' pkg/quota/v1 (v1.32): resource lists and their
// arithmetic, what an object uses (its evaluator: pods, services, persistent volume claims,
// and an object count for every other resource), and which quotas an object falls under
// (scopes). Shared by the ResourceQuota and LimitRanger admission plugins (apiserver) and the
// resource quota controller (controller-manager), so admission charges exactly what the
// controller recounts.
#pragma once

#include <google/protobuf/map.h>
#include <google/protobuf/message.h>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "apimachinery/gvk.h"
#include "apimachinery/quantity.h"
#include "apimachinery/status.h"
#include "proto/core/v1/pod.pb.h"
#include "proto/core/v1/policy.pb.h"

namespace pk::quota {

// --- resource lists (quota/v1/resources.go) ---

using ResourceList = std::map<std::string, Quantity>;
using ResourceNames = std::set<std::string>;
using ProtoList = google::protobuf::Map<std::string, k8s::resource::Quantity>;

// A list as stored; entries that do not parse (never stored: validation refuses them) are left
// out.
ResourceList FromProto(const ProtoList& list);
void ToProto(const ResourceList& list, ProtoList* out);  // replaces *out

ResourceNames Names(const ResourceList& list);
// a + b, key by key.
ResourceList Add(const ResourceList& a, const ResourceList& b);
// a - b, key by key, no entry below zero (b's keys absent from a are left out).
ResourceList SubtractWithNonNegativeResult(const ResourceList& a, const ResourceList& b);
// The entries of `list` named in `names`.
ResourceList Mask(const ResourceList& list, const ResourceNames& names);
// Whether a[k] <= b[k] for every k of a that b has; the keys where not in *exceeded.
bool LessThanOrEqual(const ResourceList& a, const ResourceList& b, ResourceNames* exceeded);
ResourceList RemoveZeros(const ResourceList& list);
ResourceNames IsNegative(const ResourceList& list);
bool Equals(const ResourceList& a, const ResourceList& b);
// "limits.cpu=1,pods=2" and "limits.cpu,pods": keys sorted, as Kubernetes' prettyPrint.
std::string PrettyPrint(const ResourceList& list);
std::string PrettyPrintNames(const ResourceNames& names);

// --- pod resources (component-helpers resource.PodRequests / PodLimits) ---

// Containers summed; the largest init container (plus the restartable init containers
// started before it) when larger; restartable (sidecar) init containers added. With
// `overhead`, spec.overhead is added (to limits only for resources the pod limits).
ResourceList PodRequests(const k8s::core::v1::PodSpec& spec, bool overhead);
ResourceList PodLimits(const k8s::core::v1::PodSpec& spec, bool overhead);
// qos.GetPodQOS(pod) == BestEffort: no container asks for or limits cpu or memory.
bool IsBestEffort(const k8s::core::v1::PodSpec& spec);

// --- evaluators (quota/v1/evaluator/core and generic) ---

using Selector = k8s::core::v1::ScopedResourceSelectorRequirement;

// What one resource's objects use of quota.
class Evaluator {
 public:
  virtual ~Evaluator() = default;
  virtual GroupResource group_resource() const = 0;
  // Whether admission charges updates too (services and claims: their type or size may
  // change); every resource is charged on create. Pods are not charged on update (v1.32
  // without InPlacePodVerticalScaling).
  virtual bool HandlesUpdate() const { return false; }
  // The names among `names` this evaluator accounts for.
  virtual ResourceNames MatchingResources(const ResourceNames& names) const = 0;
  // Whether `object` is in one scope of a quota; false for scopes the resource has not.
  virtual bool MatchesScope(const Selector& selector, const google::protobuf::Message& object,
                            int64_t now) const {
    return false;
  }
  // The object's explicit declarations a quota constraining `required` needs; the error text
  // ("must specify limits.cpu for: c1"), empty when satisfied.
  virtual std::string Constraints(const ResourceNames& required,
                                  const google::protobuf::Message& object) const {
    return "";
  }
  // What the object uses; `now` (Unix seconds) decides whether a terminating pod still counts.
  virtual ResourceList Usage(const google::protobuf::Message& object, int64_t now) const = 0;
};

// The evaluator of a resource: pods, services, persistentvolumeclaims have their own; every
// other resource is counted as "count/RESOURCE[.GROUP]" (configmaps, secrets, resourcequotas
// and replicationcontrollers also under their plain names). Never null; lives forever.
const Evaluator& EvaluatorFor(const GroupResource& resource);

// The resources whose objects a quota with these hard limits counts: the evaluators'
// resources and those named by "count/..." entries.
std::vector<GroupResource> CountedResources(const ResourceNames& hard);

// spec.scopes (each as an Exists requirement) followed by spec.scopeSelector's requirements.
std::vector<Selector> ScopeSelectorsOf(const k8s::core::v1::ResourceQuota& quota);

// generic.Matches: the quota limits one of the evaluator's resources in `hard` and every
// scope selector matches the object.
bool Matches(const Evaluator& evaluator, const ResourceNames& hard,
             const std::vector<Selector>& selectors, const google::protobuf::Message& object,
             int64_t now);

// CalculateUsage for one resource: what `objects` in the quota's scopes use of the names in
// `hard` the evaluator accounts for (each of those names present, zero when nothing uses it).
ResourceList UsageOf(const Evaluator& evaluator, const ResourceNames& hard,
                     const std::vector<Selector>& selectors,
                     const std::vector<const google::protobuf::Message*>& objects, int64_t now);

}  // namespace pk::quota
