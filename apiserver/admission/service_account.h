// ServiceAccount, as Kubernetes' admission plugin of that name (plugin/pkg/admission/
// serviceaccount, v1.32): a new pod runs as spec.serviceAccountName, "default" when unset,
// which must exist (the "default" one is looked up for a second or two, since the
// controller-manager makes it just after its namespace); unless automountServiceAccountToken
// is false on the pod (else on the service account), each container and init container gets
// the projected volume kube-api-access-XXXXX (a token for 3607 seconds, the cluster's CA from
// the kube-root-ca.crt ConfigMap, the namespace) read-only at
// /var/run/secrets/kubernetes.io/serviceaccount; the service account's imagePullSecrets are
// the pod's when it has none. Mirror pods may reference no service account.
#pragma once

#include <memory>

#include "apiserver/admission/admission.h"
#include "apiserver/storage/store.h"

namespace pk::admission {

std::unique_ptr<Plugin> NewServiceAccount(storage::Store* store);

}  // namespace pk::admission
