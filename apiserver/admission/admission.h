// Admission: plugins that see every write after decoding and before the store -- mutating
// ones first (they may change the object), then validating ones (they may only refuse), as
// Kubernetes' admission chain runs them. The registry calls the chain, so both API faces and
// every subresource pass through it.
#pragma once

#include <google/protobuf/message.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "apimachinery/scheme.h"
#include "apimachinery/status.h"

namespace pk::admission {

enum class Operation { kCreate, kUpdate, kDelete, kConnect };
std::string_view OperationName(Operation op);  // "CREATE", ...

// What a plugin sees of one request (k8s.io/apiserver/pkg/admission.Attributes).
struct Attributes {
  Operation operation = Operation::kCreate;
  const ResourceType* type = nullptr;
  std::string subresource;
  std::string ns;
  std::string name;
  std::string user;
  bool dry_run = false;
  google::protobuf::Message* object = nullptr;            // null for delete
  const google::protobuf::Message* old_object = nullptr;  // null for create
  std::string uid;                                        // the requesting user's uid and groups
  std::vector<std::string> groups;                        // (user.Info GetUID, GetGroups)
  // The request's `Warning:` headers (warning.AddWarning); null when nobody reads them.
  std::vector<std::string>* warnings = nullptr;
};

// Adds a warning to the request, when it has somewhere to put them.
void AddWarning(const Attributes& attributes, std::string warning);

// admission.NewForbidden: `pods "NAME" is forbidden: <why>` (403), naming the object as Kubernetes
// does before a create has a name: the request's name, else the object's name or generateName,
// else "Unknown".
Status Forbidden(const Attributes& attributes, std::string_view why);

class Plugin {
 public:
  virtual ~Plugin() = default;
  virtual std::string_view Name() const = 0;
  // Mutating phase; may change attributes.object.
  virtual Status Admit(Attributes& attributes) { return Status(); }
  // Validating phase; may only refuse.
  virtual Status Validate(const Attributes& attributes) { return Status(); }
};

// Plugins in order. Register everything before serving; then thread-safe.
class Chain {
 public:
  void Register(std::unique_ptr<Plugin> plugin) { plugins_.push_back(std::move(plugin)); }
  Status Admit(Attributes& attributes) const;
  Status Validate(const Attributes& attributes) const;

 private:
  std::vector<std::unique_ptr<Plugin>> plugins_;
};

}  // namespace pk::admission
