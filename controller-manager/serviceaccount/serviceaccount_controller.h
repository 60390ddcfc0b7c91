// The ServiceAccount controller (pkg/controller/serviceaccount): every active namespace has
// a ServiceAccount named "default"; it is created again when deleted.
#pragma once

#include <memory>

#include "controller-manager/controller.h"

namespace pk::controllers {

Result<std::unique_ptr<Controller>> NewServiceAccountController(const ControllerContext& context);

}  // namespace pk::controllers
