// The garbage collector (pkg/controller/garbagecollector): objects whose owners are gone are
// deleted (Background propagation, and dangling ownerReferences); an owner being deleted
// with the "foregroundDeletion" finalizer has its dependents deleted and loses the finalizer
// once no dependent with blockOwnerDeletion remains; an owner with the "orphan" finalizer
// has its ownerReference removed from each dependent, then loses the finalizer.
#pragma once

#include <memory>

#include "controller-manager/controller.h"

namespace pk::controllers {

Result<std::unique_ptr<Controller>> NewGarbageCollector(const ControllerContext& context);

}  // namespace pk::controllers
