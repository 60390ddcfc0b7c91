// NodeRestriction, as Kubernetes' plugin of that name (plugin/pkg/admission/noderestriction,
// v1.32): limits what a kubelet -- user system:node:NAME in group system:nodes -- may write,
// the admission half of the Node authorizer (apiserver/authorization/node_authorizer.cc).
//
//   nodes:   only its own Node; on create no labels under node-restriction.kubernetes.io/
//            nor kubernetes.io / k8s.io labels other than the kubelet's own; on update the
//            same for added, changed or removed labels, and no change to spec.taints.
//   pods:    create only mirror pods (kubernetes.io/config.mirror) bound to itself, owned by
//            its Node (one controller owner reference, the Node's uid, no
//            blockOwnerDeletion), referencing no service account, secret, configmap,
//            clustertrustbundle or persistentvolumeclaim; delete only pods bound to itself;
//            no other operation. pods/status: only of pods bound to itself, without changing
//            labels or resourceClaimStatuses. pods/eviction: only pods bound to itself. Any
//            other pod subresource is refused.
//   leases:  only its own, in kube-node-lease.
//
// picokube's Node authorizer already refuses, with these words as its reason, a node's
// writes to another Node, pod deletions, pod status updates and evictions of pods not bound
// to it (Kubernetes' authorizer lets its static node rules allow them and leaves them to this
// plugin); here they are refused again whatever authorizer allowed them, and only here are a
// node's labels, taints and mirror pods checked.
//
// Messages are Kubernetes' (`node "n1" is not allowed to modify node "n2"`). Not covered:
// persistentvolumeclaims/status, serviceaccounts/token and csinodes (picokube's kubelet
// writes none of them). Kubernetes makes these checks in the mutating phase; here they run in
// the validating one, which also sees deletes (the registry runs no mutating phase for them).
#pragma once

#include <memory>

#include "apiserver/admission/admission.h"
#include "apiserver/storage/store.h"

namespace pk::admission {

std::unique_ptr<Plugin> NewNodeRestriction(storage::Store* store);

}  // namespace pk::admission
