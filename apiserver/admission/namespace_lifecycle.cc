#include "apiserver/admission/namespace_lifecycle.h"

#include <fmt/format.h>

#include "proto/core/v1/namespace.pb.h"

namespace pk::admission {
namespace {

bool IsImmortal(std::string_view name) {
  return name == "default" || name == "kube-system" || name == "kube-public";
}

class NamespaceLifecycle : public Plugin {
 public:
  explicit NamespaceLifecycle(storage::Store* store) : store_(store) {}
  std::string_view Name() const override { return "NamespaceLifecycle"; }

  Status Validate(const Attributes& a) override {
    if (a.type->resource == "namespaces") {
      if (a.operation == Operation::kDelete && IsImmortal(a.name)) {
        return Status::Forbidden(fmt::format(
            "namespaces \"{}\" is forbidden: this namespace may not be deleted", a.name));
      }
      return Status();
    }
    if (!a.type->namespaced || a.operation != Operation::kCreate || !a.subresource.empty()) {
      return Status();
    }
    auto ns = store_->Get(storage::ObjectKey("namespaces", "", a.ns));
    if (!ns.ok()) {
      if (ns.status().reason() == Reason::kNotFound)
        return Status::NotFound({"", "namespaces"}, a.ns);
      return ns.take_status();
    }
    const auto& object = static_cast<const k8s::core::v1::Namespace&>(**ns);
    if (object.status().phase() == "Terminating" || object.metadata().has_deletion_timestamp()) {
      Status refused = Status::Forbidden(fmt::format(
          "{} \"{}\" is forbidden: unable to create new content in namespace {} because it is "
          "being terminated",
          a.type->group_resource().String(), a.name, a.ns));
      // The cause controllers look for to stay quiet (v1.NamespaceTerminatingCause).
      refused.mutable_details().causes.push_back(
          {"NamespaceTerminating", fmt::format("namespace {} is being terminated", a.ns),
           "metadata.namespace"});
      return refused;
    }
    return Status();
  }

 private:
  storage::Store* const store_;
};

}  // namespace

std::unique_ptr<Plugin> NewNamespaceLifecycle(storage::Store* store) {
  return std::make_unique<NamespaceLifecycle>(store);
}

}  // namespace pk::admission
