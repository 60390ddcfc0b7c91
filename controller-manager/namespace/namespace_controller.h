// The namespace controller (pkg/controller/namespace): a namespace marked for deletion is
// emptied of its content, then its "kubernetes" finalizer is removed so that it goes.
#pragma once

#include <memory>

#include "controller-manager/controller.h"

namespace pk::controllers {

Result<std::unique_ptr<Controller>> NewNamespaceController(const ControllerContext& context);

}  // namespace pk::controllers
