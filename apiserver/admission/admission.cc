#include "apiserver/admission/admission.h"

#include "trace/request_trace.h"

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

namespace {

// A plugin's phase as a step of the request's pod-flow trace (when it has one).
template <class Run>
Status Traced(const Plugin& plugin, const char* phase, const Run& run) {
  trace::ScopedStep step("admission", plugin.Name());
  Status s = run();
  if (step.active()) step.set_detail(std::string(phase) + (s.ok() ? ": ok" : ": " + s.message()));
  return s;
}

}  // namespace

Status Chain::Admit(Attributes& attributes) const {
  for (const auto& plugin : plugins_) {
    PK_RETURN_IF_ERROR(Traced(*plugin, "mutating", [&] { return plugin->Admit(attributes); }));
  }
  return Status();
}

Status Chain::Validate(const Attributes& attributes) const {
  for (const auto& plugin : plugins_) {
    PK_RETURN_IF_ERROR(Traced(*plugin, "validating", [&] { return plugin->Validate(attributes); }));
  }
  return Status();
}

}  // namespace pk::admission
