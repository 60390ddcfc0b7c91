// Nodes, namespaces and events (core/v1), as printers.go prints them.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "apiserver/printers/printers_internal.h"
#include "proto/core/v1/event.pb.h"
#include "proto/core/v1/namespace.pb.h"
#include "proto/core/v1/node.pb.h"

namespace pk::printers {

namespace {

using k8s::core::v1::Event;
using k8s::core::v1::Namespace;
using k8s::core::v1::Node;

// ---- nodes ----

constexpr std::string_view kNodeRolePrefix = "node-role.kubernetes.io/";
constexpr std::string_view kNodeRoleLabel = "kubernetes.io/role";

// "Ready" / "NotReady" from the Ready condition (the last one wins, as Go's map does),
// "Unknown" without one, then ",SchedulingDisabled" for a cordoned node.
std::string NodeStatus(const Node& node) {
  const k8s::core::v1::NodeCondition* ready = nullptr;
  for (const auto& c : node.status().conditions()) {
    if (c.type() == "Ready") ready = &c;
  }
  std::string status = ready == nullptr            ? "Unknown"
                       : ready->status() == "True" ? "Ready"
                                                   : "NotReady";
  if (node.spec().unschedulable()) status += ",SchedulingDisabled";
  return status;
}

// findNodeRoles: node-role.kubernetes.io/<role> keys and kubernetes.io/role values, sorted.
std::string NodeRoles(const Node& node) {
  std::set<std::string> roles;
  for (const auto& [key, value] : node.metadata().labels()) {
    if (key.starts_with(kNodeRolePrefix)) {
      if (key.size() > kNodeRolePrefix.size()) roles.insert(key.substr(kNodeRolePrefix.size()));
    } else if (key == kNodeRoleLabel && !value.empty()) {
      roles.insert(value);
    }
  }
  std::string out = Join({roles.begin(), roles.end()}, ",");
  return out.empty() ? "<none>" : out;
}

std::string NodeAddress(const Node& node, const std::string& type) {
  for (const auto& a : node.status().addresses()) {
    if (a.type() == type) return a.address();
  }
  return "<none>";
}

std::string OrUnknown(const std::string& s) { return s.empty() ? "<unknown>" : s; }

Row NodeRow(const Node& node, int64_t now) {
  const auto& info = node.status().node_info();
  return {node.metadata().name(),
          NodeStatus(node),
          NodeRoles(node),
          Age(node.metadata(), now),
          info.kubelet_version(),
          NodeAddress(node, "InternalIP"),
          NodeAddress(node, "ExternalIP"),
          OrUnknown(info.os_image()),
          OrUnknown(info.kernel_version()),
          OrUnknown(info.container_runtime_version())};
}

constexpr const char* kNodeAddressesDescription =
    "List of addresses reachable to the node. Queried from cloud provider, if available. More "
    "info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field "
    "is declared as mergeable, but the merge key is not sufficiently unique, which can cause "
    "data corruption when it is merged. Callers should instead use a full-replacement patch. "
    "See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can "
    "change during the lifetime of a Node. However, there are some exceptions where this may "
    "not be possible, such as Pods that inherit a Node's address in its own status or "
    "consumers of the downward API (status.hostIP).";

std::vector<Column> NodeColumns() {
  return {
      NameColumn(),
      {"Status", "string", "", "The status of the node", 0},
      {"Roles", "string", "", "The roles of the node", 0},
      AgeColumn(),
      {"Version", "string", "", "Kubelet Version reported by the node.", 0},
      {"Internal-IP", "string", "", kNodeAddressesDescription, 1},
      {"External-IP", "string", "", kNodeAddressesDescription, 1},
      {"OS-Image", "string", "",
       "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", 1},
      {"Kernel-Version", "string", "",
       "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1},
      {"Container-Runtime", "string", "",
       "ContainerRuntime Version reported by the node through runtime remote API (e.g. "
       "containerd://1.4.2).",
       1},
  };
}

// ---- namespaces ----

Row NamespaceRow(const Namespace& ns, int64_t now) {
  return {ns.metadata().name(), ns.status().phase(), Age(ns.metadata(), now)};
}

std::vector<Column> NamespaceColumns() {
  return {NameColumn(), {"Status", "string", "", "The status of the namespace", 0}, AgeColumn()};
}

// ---- events ----

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Go's strings.TrimSpace for the ASCII whitespace event messages carry.
std::string TrimSpace(const std::string& s) {
  const char* ws = " \t\n\r\v\f";
  const size_t begin = s.find_first_not_of(ws);
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(ws) - begin + 1);
}

// formatEventSource: component (or reportingController), then ", host" (or instance).
std::string EventSource(const Event& e) {
  const std::string& component =
      e.source().component().empty() ? e.reporting_component() : e.source().component();
  const std::string& instance =
      e.source().host().empty() ? e.reporting_instance() : e.source().host();
  return instance.empty() ? component : component + ", " + instance;
}

Row EventRow(const Event& e, int64_t now) {
  const std::string first = IsZero(e.first_timestamp()) ? TimestampSince(e.event_time(), now)
                                                        : TimestampSince(e.first_timestamp(), now);
  std::string last = IsZero(e.last_timestamp()) ? first : TimestampSince(e.last_timestamp(), now);
  int64_t count = e.count();
  if (e.has_series()) {
    last = TimestampSince(e.series().last_observed_time(), now);
    count = e.series().count();
  } else if (count == 0) {
    count = 1;  // singleton events of the events.k8s.io API have no count
  }
  const auto& involved = e.involved_object();
  std::string target = Lower(involved.kind());
  if (!involved.name().empty()) target += "/" + involved.name();
  return {last,
          e.type(),
          e.reason(),
          target,
          involved.field_path(),
          EventSource(e),
          TrimSpace(e.message()),
          first,
          count,
          e.metadata().name()};
}

std::vector<Column> EventColumns() {
  Column name = NameColumn();
  name.priority = 1;
  return {
      {"Last Seen", "string", "",
       "The time at which the most recent occurrence of this event was recorded.", 0},
      {"Type", "string", "",
       "Type of this event (Normal, Warning), new types could be added in the future", 0},
      {"Reason", "string", "",
       "This should be a short, machine understandable string that gives the reason for the "
       "transition into the object's current status.",
       0},
      {"Object", "string", "", "The object that this event is about.", 0},
      {"Subobject", "string", "",
       "If referring to a piece of an object instead of an entire object, this string should "
       "contain a valid JSON/Go field access statement, such as "
       "desiredState.manifest.containers[2]. For example, if the object reference is to a "
       "container within a pod, this would take on a value like: \"spec.containers{name}\" "
       "(where \"name\" refers to the name of the container that triggered the event) or if no "
       "container name is specified \"spec.containers[2]\" (container with index 2 in this "
       "pod). This syntax is chosen only to have some well-defined way of referencing a part of "
       "an object.",
       1},
      {"Source", "string", "",
       "The component reporting this event. Should be a short machine understandable string.", 1},
      {"Message", "string", "", "A human-readable description of the status of this operation.", 0},
      {"First Seen", "string", "",
       "The time at which the event was first recorded. (Time of server receipt is in "
       "TypeMeta.)",
       1},
      {"Count", "string", "", "The number of times this event has occurred.", 1},
      name,
  };
}

}  // namespace

void AddCorePrinters(PrinterMap* map) {
  AddPrinter<Node>(map, NodeColumns(), NodeRow);
  AddPrinter<Namespace>(map, NamespaceColumns(), NamespaceRow);
  AddPrinter<Event>(map, EventColumns(), EventRow);
}

}  // namespace pk::printers
