// What a fresh cluster has before anyone writes: the system namespaces, the `kubernetes`
// Service in default and the system PriorityClasses, as Kubernetes' bootstrap controllers and
// post-start hooks create them. Idempotent: existing
// objects are left alone, so a restart on the same data changes nothing.
#pragma once

#include <cstdint>

#include "apimachinery/status.h"
#include "apiserver/endpoints/resource_handler.h"

namespace pk::apiserver {

Status Bootstrap(const ResourceHandler& resources);

// The RBAC bootstrap policy (ClusterRoles and ClusterRoleBindings of
// authorization::BootstrapClusterRoles), each created if missing.
Status BootstrapRBAC(const ResourceHandler& resources);

}  // namespace pk::apiserver
