// Table printers: the columns `kubectl get` shows for each resource, as Kubernetes v1.32's
// printers (pkg/printers/internalversion/printers.go) define them. Every served resource has
// one: a resource printers.go has no handler for (roles, clusterroles, limitranges, bindings,
// the access reviews) gets the apiserver's default table, "Name" and "Created At" (RFC 3339),
// as rest.NewDefaultTableConvertor prints it.
//
// Cells are computed as the apiserver computes them (GenerateOptions{Wide: true}): every
// column, priority 1 included; kubectl hides those without `-o wide`.
//
// Stateless and thread-safe.
#pragma once

#include <google/protobuf/message.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "apimachinery/scheme.h"

namespace pk::printers {

// metav1.TableColumnDefinition. priority > 0 columns show only with `-o wide`.
struct Column {
  std::string name;    // "Name", "Ready", "Nominated Node"
  std::string type;    // "string", "integer", "date", "number", "boolean"
  std::string format;  // "name" for the name column, else ""
  std::string description;
  int priority = 0;
};

class Printer {
 public:
  virtual ~Printer() = default;
  virtual const std::vector<Column>& Columns() const = 0;
  // One cell per column, in order: strings, integers or (for unknown values) "<none>".
  // `now_unix` is the current time in seconds, for Age columns ("5m", "2d3h", "<unknown>").
  virtual std::vector<nlohmann::ordered_json> Cells(const google::protobuf::Message& object,
                                                    int64_t now_unix) const = 0;
};

// The printer of a resource (never null).
const Printer& PrinterFor(const ResourceType& type);

// "5s", "3m", "2d3h"... as Kubernetes' duration.HumanDuration prints ages.
std::string HumanDuration(int64_t seconds);

}  // namespace pk::printers
