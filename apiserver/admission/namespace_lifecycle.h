// NamespaceLifecycle, as Kubernetes' plugin of that name: no new content in a namespace that
// does not exist or is being terminated, and the system namespaces cannot be deleted.
#pragma once

#include <memory>

#include "apiserver/admission/admission.h"
#include "apiserver/storage/store.h"

namespace pk::admission {

std::unique_ptr<Plugin> NewNamespaceLifecycle(storage::Store* store);

}  // namespace pk::admission
