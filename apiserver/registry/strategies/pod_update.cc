// The spec part of ValidatePodUpdate (k8s.io/kubernetes/pkg/apis/core/validation, v1.32): a
// running pod's spec is immutable except for images, activeDeadlineSeconds (may only shrink),
// added tolerations and terminationGracePeriodSeconds from negative to 1.
#include <climits>

#include "apimachinery/codec.h"
#include "apimachinery/validation.h"
#include "apiserver/registry/strategies/internal.h"

namespace pk::registry {
namespace {

using Containers = google::protobuf::RepeatedPtrField<k8s::core::v1::Container>;
using k8s::core::v1::PodSpec;

constexpr std::string_view kUpdatableFields =
    "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
    "`spec.tolerations` (only additions to existing tolerations),"
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously "
    "negative)";

// ValidateContainerUpdates: true when validation must stop (containers added or removed).
bool ValidateContainerUpdates(const Containers& now, const Containers& old, const std::string& path,
                              Causes* causes) {
  if (now.size() != old.size()) {
    causes->push_back(Forbidden(path, "pod updates may not add or remove containers"));
    return true;
  }
  for (int i = 0; i < now.size(); ++i) {
    const std::string& image = now[i].image();
    if (image.empty()) causes->push_back(Required(Index(path, i) + ".image"));
    const size_t first = image.find_first_not_of(" \t\n\r\f\v");
    const size_t last = image.find_last_not_of(" \t\n\r\f\v");
    if (!image.empty() && (first != 0 || last != image.size() - 1)) {
      causes->push_back(Invalid(Index(path, i) + ".image", BadValue::String(image),
                                "must not have leading or trailing whitespace"));
    }
  }
  return false;
}

// Two types of updates are allowed: from nil to a positive value, and to a lesser value.
void ValidateActiveDeadline(const PodSpec& now, const PodSpec& old, Causes* causes) {
  const std::string path = "spec.activeDeadlineSeconds";
  if (now.has_active_deadline_seconds()) {
    const int64_t v = now.active_deadline_seconds();
    if (v < 0 || v > INT32_MAX) {
      causes->push_back(
          Invalid(path, BadValue::Int(v), validation::InclusiveRangeError(0, INT32_MAX)));
    } else if (old.has_active_deadline_seconds() && old.active_deadline_seconds() < v) {
      causes->push_back(
          Invalid(path, BadValue::Int(v), "must be less than or equal to previous value"));
    }
  } else if (old.has_active_deadline_seconds()) {
    causes->push_back(
        Invalid(path, BadValue::Null(), "must not update from a positive integer to nil value"));
  }
}

// validateOnlyAddedTolerations: every old toleration is still there (tolerationSeconds aside).
void ValidateOnlyAddedTolerations(const PodSpec& now, const PodSpec& old, Causes* causes) {
  for (const auto& o : old.tolerations()) {
    bool found = false;
    for (const auto& n : now.tolerations()) {
      k8s::core::v1::Toleration clone = o;
      if (n.has_toleration_seconds()) {
        clone.set_toleration_seconds(n.toleration_seconds());
      } else {
        clone.clear_toleration_seconds();
      }
      if (SameMessage(clone, n)) {
        found = true;
        break;
      }
    }
    if (!found) {
      causes->push_back(Forbidden("spec.tolerations",
                                  "existing toleration can not be modified except its "
                                  "tolerationSeconds"));
      return;
    }
  }
}

// The new spec with what may change taken from the old one.
PodSpec Munge(const PodSpec& now, const PodSpec& old) {
  PodSpec munged = now;
  for (int i = 0; i < munged.containers_size(); ++i) {
    munged.mutable_containers(i)->set_image(old.containers(i).image());
  }
  for (int i = 0; i < munged.init_containers_size(); ++i) {
    munged.mutable_init_containers(i)->set_image(old.init_containers(i).image());
  }
  munged.clear_active_deadline_seconds();
  if (old.has_active_deadline_seconds()) {
    munged.set_active_deadline_seconds(old.active_deadline_seconds());
  }
  *munged.mutable_scheduling_gates() = old.scheduling_gates();
  *munged.mutable_tolerations() = old.tolerations();
  if (old.has_termination_grace_period_seconds() && old.termination_grace_period_seconds() < 0 &&
      munged.has_termination_grace_period_seconds() &&
      munged.termination_grace_period_seconds() == 1) {
    munged.set_termination_grace_period_seconds(old.termination_grace_period_seconds());
  }
  return munged;
}

// A short stand-in for the cmp.Diff Kubernetes appends: the top-level fields that differ, old
// ("-") and new ("+"), in JSON.
std::string SpecDiff(const PodSpec& old, const PodSpec& now) {
  auto a = json::Parse(json::Encode(old));
  auto b = json::Parse(json::Encode(now));
  if (!a.ok() || !b.ok()) return "";
  std::string out = "  core.PodSpec{\n";
  auto line = [&out](char sign, const std::string& key, const nlohmann::ordered_json* v) {
    std::string name = key;
    name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
    std::string value = "nil";
    if (v != nullptr) {
      value.clear();
      json::AppendValue(&value, *v);
    }
    out += std::string(1, sign) + " \t" + name + ": " + value + ",\n";
  };
  nlohmann::ordered_json keys = nlohmann::ordered_json::object();
  for (const auto& [k, v] : a->items()) keys[k] = true;
  for (const auto& [k, v] : b->items()) keys[k] = true;
  for (const auto& [k, unused] : keys.items()) {
    const auto* va = a->contains(k) ? &(*a)[k] : nullptr;
    const auto* vb = b->contains(k) ? &(*b)[k] : nullptr;
    if (va != nullptr && vb != nullptr && *va == *vb) continue;
    line('-', k, va);
    line('+', k, vb);
  }
  return out + "  }\n";
}

}  // namespace

Causes ValidatePodSpecUpdate(const PodSpec& now, const PodSpec& old) {
  Causes causes;
  if (ValidateContainerUpdates(now.containers(), old.containers(), "spec.containers", &causes) ||
      ValidateContainerUpdates(now.init_containers(), old.init_containers(), "spec.initContainers",
                               &causes)) {
    return causes;
  }
  ValidateActiveDeadline(now, old, &causes);
  ValidateOnlyAddedTolerations(now, old, &causes);
  const PodSpec munged = Munge(now, old);
  if (!SameMessage(munged, old)) {
    causes.push_back(Forbidden("spec", "pod updates may not change fields other than " +
                                           std::string(kUpdatableFields) + "\n" +
                                           SpecDiff(old, munged)));
  }
  return causes;
}

}  // namespace pk::registry
