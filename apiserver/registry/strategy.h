// A Strategy is what one resource adds to the generic registry (registry.h): its defaults, what
// create and update may change, its validation and the field selectors it supports -- the
// shape of Kubernetes' rest.RESTCreateStrategy / RESTUpdateStrategy. Every resource has one
// (StrategyFor); resources without rules of their own get the generic one, which validates
// only metadata.
//
// Strategies are stateless and thread-safe. They see typed messages (proto/); the registry
// calls them in this order:
//   create: Default -> PrepareForCreate -> Validate                     -> store
//   update: Default -> PrepareForUpdate -> Validate + ValidateUpdate    -> store
#pragma once

#include <google/protobuf/message.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "apimachinery/scheme.h"
#include "apimachinery/status.h"

namespace pk::registry {

using Message = google::protobuf::Message;
using Causes = std::vector<StatusCause>;

class Strategy {
 public:
  virtual ~Strategy() = default;

  // Fills what a client left unset, as Kubernetes' SetDefaults_* functions do when decoding
  // (pod restartPolicy Always, container imagePullPolicy by tag, deployment strategy...).
  virtual void Default(Message* object) const {}

  // Clears what a client may not set on create (status for most resources), sets
  // metadata.generation to 1 for resources that track it.
  virtual void PrepareForCreate(Message* object) const {}

  // For an update of the main resource: keeps what it may not change (status), bumps
  // metadata.generation when the spec changed.
  virtual void PrepareForUpdate(Message* object, const Message& old) const {}

  // Problems of the object as a whole, with field paths ("spec.containers[0].image"). The
  // registry turns a non-empty list into 422 Invalid. Metadata (name, namespace, labels,
  // annotations) is validated by the registry for every resource; strategies add the rest.
  virtual Causes Validate(const Message& object) const { return {}; }
  // Extra rules of an update (immutable fields).
  virtual Causes ValidateUpdate(const Message& object, const Message& old) const { return {}; }

  // Whether a write of the status subresource may also change metadata.annotations
  // (Kubernetes' deploymentStatusStrategy keeps the request's annotations: the Deployment
  // controller records the deployment.kubernetes.io/revision annotation with its status).
  virtual bool StatusWritesAnnotations() const { return false; }

  // Whether the resource tracks metadata.generation (resources with a spec).
  virtual bool TracksGeneration() const { return false; }

  // Whether PUT (and patch) may create a missing object (Kubernetes' AllowCreateOnUpdate:
  // true for events, endpoints, leases, RBAC objects...). Server-side apply always may.
  virtual bool AllowCreateOnUpdate() const { return false; }

  // Deletion (Kubernetes' RESTGracefulDeleteStrategy): whether deleting `object` only marks
  // it with a deletionTimestamp and leaves the removal to someone else -- the kubelet for a
  // pod bound to a node. `grace_seconds` holds the request's gracePeriodSeconds (if any) and
  // is set to the period to record.
  virtual bool CheckGracefulDelete(const Message& object,
                                   std::optional<int64_t>* grace_seconds) const {
    return false;
  }
  // Whether something other than metadata.finalizers must finish before the object can go
  // (a namespace's spec.finalizers). Such objects, like ones with finalizers, are marked
  // deleted and kept; PrepareForDelete then records the state (namespace phase Terminating).
  virtual bool HasPendingFinalizers(const Message& object) const { return false; }
  virtual void PrepareForDelete(Message* object) const {}
  // Whether DELETE answers with the deleted object (Kubernetes' ReturnDeletedObject: pods,
  // services, service accounts, namespaces) rather than a Success Status.
  virtual bool ReturnDeletedObject() const { return false; }

  // Field selector labels beyond metadata.name and metadata.namespace, as Kubernetes
  // supports them for the resource ("spec.nodeName" for pods). Others are 400.
  virtual std::vector<std::string> FieldSelectors() const { return {}; }
};

// The strategy of a resource (never null); the generic one for resources without rules.
const Strategy& StrategyFor(const ResourceType& type);

// Metadata validation shared by every resource: name (DNS-1123 subdomain, or the resource's
// own rule), generateName, namespace presence, labels and annotations; field paths start
// with "metadata.".
Causes ValidateObjectMeta(const ResourceType& type, const k8s::meta::v1::ObjectMeta& meta);

}  // namespace pk::registry
