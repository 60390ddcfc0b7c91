// PodSecurity, as Kubernetes' plugin of that name (plugin/pkg/admission/security/podsecurity
// over k8s.io/pod-security-admission, v1.32), validating only. The namespace's labels
// pod-security.kubernetes.io/{enforce,warn,audit}[-version] choose a level (privileged,
// baseline, restricted) and a policy version ("latest" or v1.x) per mode; unlabelled, a mode
// is privileged:latest. The checks are in pod_security_checks.cc.
//
//   pods (create; update when an image or a seccomp annotation changes; subresources other
//   than exec, attach, binding, eviction, log, portforward, proxy and status):
//     enforce refuses: `pods "x" is forbidden: violates PodSecurity "restricted:latest":
//     allowPrivilegeEscalation != false (container "c" must set
//     securityContext.allowPrivilegeEscalation=false), ...`; warn, when the pod is admitted,
//     adds the warning `would violate PodSecurity "restricted:latest": ...`.
//   workloads (replicationcontrollers, podtemplates, replicasets, deployments, statefulsets,
//     daemonsets, jobs, cronjobs): their pod template gets the warn-mode warning only.
//   namespaces: invalid labels are refused (422) on create, and on update when they change;
//     an update that tightens enforce warns of the existing pods that would violate it
//     (`existing pods in namespace "ns" violate the new PodSecurity enforce level
//     "restricted:latest"`, then `POD (and N other pods): reasons`, first 3000 pods).
//
// Nothing is exempt (Kubernetes' default configuration exempts no user, namespace or
// runtime class). Audit is parsed but records nothing: picokube's audit log has no
// annotations from admission.
#pragma once

#include <memory>

#include "apiserver/admission/admission.h"
#include "apiserver/storage/store.h"

namespace pk::admission {

std::unique_ptr<Plugin> NewPodSecurity(storage::Store* store);

}  // namespace pk::admission
