#include "apiserver/admission/admission.h"

#include <fmt/format.h>

#include "apimachinery/object.h"
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

std::string NameOf(const Attributes& a) {
  if (!a.name.empty()) return a.name;
  const auto* meta = a.object != nullptr ? GetObjectMeta(*a.object) : nullptr;
  if (meta == nullptr) return "Unknown";
  if (!meta->name().empty()) return meta->name();
  if (!meta->generate_name().empty()) return meta->generate_name();
  return "Unknown";
}

}  // namespace

void AddWarning(const Attributes& attributes, std::string warning) {
  if (attributes.warnings != nullptr) attributes.warnings->push_back(std::move(warning));
}

Status Forbidden(const Attributes& attributes, std::string_view why) {
  GroupResource resource = attributes.type->group_resource();
  std::string name = NameOf(attributes);
  Status s =
      Status::Forbidden(fmt::format("{} \"{}\" is forbidden: {}", resource.String(), name, why));
  s.mutable_details().name = name;
  s.mutable_details().group = resource.group;
  s.mutable_details().kind = resource.resource;
  return s;
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
