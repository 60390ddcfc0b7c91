#include "apiserver/admission/admission.h"

namespace pk::admission {

std::string_view OperationName(Operation op) {
  switch (op) {
    case Operation::kCreate:
      return "CREATE";
    case Operation::kUpdate:
      return "UPDATE";
    case Operation::kDelete:
      return "DELETE";
    case Operation::kConnect:
      return "CONNECT";
  }
  return "";
}

Status Chain::Admit(Attributes& attributes) const {
  for (const auto& plugin : plugins_) PK_RETURN_IF_ERROR(plugin->Admit(attributes));
  return Status();
}

Status Chain::Validate(const Attributes& attributes) const {
  for (const auto& plugin : plugins_) PK_RETURN_IF_ERROR(plugin->Validate(attributes));
  return Status();
}

}  // namespace pk::admission
