#include "controller-manager/statefulset/statefulset_utils.h"

#include <fmt/format.h>

#include <charconv>
#include <nlohmann/json.hpp>

#include "apimachinery/codec.h"
#include "controller-manager/replicaset/pod_control.h"
#include "controller-manager/replicaset/pod_utils.h"

namespace pk::controllers::statefulset {

ParentAndOrdinal GetParentNameAndOrdinal(const Pod& pod) {
  // statefulPodRegex "(.*)-([0-9]+)$": the greedy prefix ends at the last '-'.
  const std::string& name = pod.metadata().name();
  size_t dash = name.rfind('-');
  if (dash == std::string::npos || dash + 1 == name.size()) return {};
  std::string_view digits(name.data() + dash + 1, name.size() - dash - 1);
  for (char c : digits) {
    if (c < '0' || c > '9') return {};
  }
  ParentAndOrdinal out{name.substr(0, dash), -1};
  int32_t value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec == std::errc() && end == digits.data() + digits.size()) out.ordinal = value;
  return out;
}

int GetOrdinal(const Pod& pod) { return GetParentNameAndOrdinal(pod).ordinal; }

std::string GetPodName(const StatefulSet& set, int ordinal) {
  return fmt::format("{}-{}", set.metadata().name(), ordinal);
}

int GetStartOrdinal(const StatefulSet& set) {
  return set.spec().has_ordinals() ? set.spec().ordinals().start() : 0;
}

int GetEndOrdinal(const StatefulSet& set) {
  return GetStartOrdinal(set) + set.spec().replicas() - 1;
}

bool PodInOrdinalRange(const Pod& pod, const StatefulSet& set) {
  int ordinal = GetOrdinal(pod);
  return ordinal >= GetStartOrdinal(set) && ordinal <= GetEndOrdinal(set);
}

bool IsMemberOf(const StatefulSet& set, const Pod& pod) {
  return GetParentNameAndOrdinal(pod).parent == set.metadata().name();
}

bool IdentityMatches(const StatefulSet& set, const Pod& pod) {
  auto [parent, ordinal] = GetParentNameAndOrdinal(pod);
  const auto& labels = pod.metadata().labels();
  auto it = labels.find(kPodNameLabel);
  return ordinal >= 0 && parent == set.metadata().name() &&
         pod.metadata().name() == GetPodName(set, ordinal) &&
         pod.metadata().namespace_() == set.metadata().namespace_() && it != labels.end() &&
         it->second == pod.metadata().name();
}

void UpdateIdentity(const StatefulSet& set, Pod* pod) {
  int ordinal = GetOrdinal(*pod);
  auto* meta = pod->mutable_metadata();
  meta->set_name(GetPodName(set, ordinal));
  meta->set_namespace_(set.metadata().namespace_());
  (*meta->mutable_labels())[kPodNameLabel] = meta->name();
  (*meta->mutable_labels())[kPodIndexLabel] = std::to_string(ordinal);
}

bool IsRunningAndReady(const Pod& pod) {
  return pod.status().phase() == "Running" && replicaset::IsPodReady(pod);
}

bool IsRunningAndAvailable(const Pod& pod, int32_t min_ready_seconds, Timestamp now) {
  return pod.status().phase() == "Running" &&
         replicaset::IsPodAvailable(pod, min_ready_seconds, now);
}

bool IsCreated(const Pod& pod) { return !pod.status().phase().empty(); }
bool IsTerminating(const Pod& pod) { return pod.metadata().has_deletion_timestamp(); }
bool IsFailed(const Pod& pod) { return pod.status().phase() == "Failed"; }
bool IsSucceeded(const Pod& pod) { return pod.status().phase() == "Succeeded"; }

bool IsUnavailable(const Pod& pod, int32_t min_ready_seconds, Timestamp now) {
  return !IsRunningAndAvailable(pod, min_ready_seconds, now) || IsTerminating(pod);
}

bool AllowsBurst(const StatefulSet& set) {
  return set.spec().pod_management_policy() == "Parallel";
}

std::string GetPodRevision(const Pod& pod) {
  const auto& labels = pod.metadata().labels();
  auto it = labels.find(kRevisionLabel);
  return it == labels.end() ? "" : it->second;
}

void SetPodRevision(Pod* pod, const std::string& revision) {
  (*pod->mutable_metadata()->mutable_labels())[kRevisionLabel] = revision;
}

Pod NewStatefulSetPod(const StatefulSet& set, int ordinal) {
  auto ref = replicaset::NewControllerRef(set.metadata(), "apps/v1", "StatefulSet");
  Pod pod = replicaset::PodFromTemplate(set.spec().template_(), set.metadata().name(), ref);
  pod.mutable_metadata()->clear_generate_name();
  pod.mutable_metadata()->set_name(GetPodName(set, ordinal));
  UpdateIdentity(set, &pod);
  // initIdentity: these are immutable, so set only on creation.
  pod.mutable_spec()->set_hostname(pod.metadata().name());
  pod.mutable_spec()->set_subdomain(set.spec().service_name());
  return pod;
}

Pod NewVersionedStatefulSetPod(const StatefulSet& current_set, const StatefulSet& update_set,
                               const std::string& current_revision,
                               const std::string& update_revision, int ordinal) {
  const auto& strategy = current_set.spec().update_strategy();
  int start = GetStartOrdinal(current_set);
  // Go's precedence: (RollingUpdate && no rollingUpdate && below currentReplicas) ||
  // (rollingUpdate && below the partition).
  bool current =
      (strategy.type() == "RollingUpdate" && !strategy.has_rolling_update() &&
       ordinal < start + current_set.status().current_replicas()) ||
      (strategy.has_rolling_update() && ordinal < start + strategy.rolling_update().partition());
  Pod pod = NewStatefulSetPod(current ? current_set : update_set, ordinal);
  SetPodRevision(&pod, current ? current_revision : update_revision);
  return pod;
}

std::string GetPatch(const StatefulSet& set) {
  // nlohmann::json (not ordered) sorts object keys, as Go's json.Marshal of a map does.
  nlohmann::json tmpl = nlohmann::json::parse(json::Encode(set.spec().template_()));
  tmpl["$patch"] = "replace";
  nlohmann::json patch = {{"spec", {{"template", std::move(tmpl)}}}};
  std::string out;
  json::AppendValue(&out, nlohmann::ordered_json::parse(patch.dump()));
  return out;
}

Result<StatefulSet> ApplyRevision(const StatefulSet& set, const ControllerRevision& revision) {
  StatefulSet clone = set;
  auto doc = json::Parse(revision.data().raw());
  if (!doc.ok()) return doc.take_status();
  if (!doc->is_object() || !doc->contains("spec") || !(*doc)["spec"].contains("template")) {
    return clone;
  }
  nlohmann::ordered_json tmpl = (*doc)["spec"]["template"];
  if (tmpl.is_object()) tmpl.erase("$patch");
  k8s::core::v1::PodTemplateSpec decoded;
  json::DecodeReport report;
  Status s = json::DecodeValue(tmpl, &decoded, &report);
  if (!s.ok()) return s;
  *clone.mutable_spec()->mutable_template_() = std::move(decoded);
  return clone;
}

bool InconsistentStatus(const StatefulSet& set, const StatefulSetStatus& status) {
  const StatefulSetStatus& now = set.status();
  return status.observed_generation() > now.observed_generation() ||
         status.replicas() != now.replicas() ||
         status.current_replicas() != now.current_replicas() ||
         status.ready_replicas() != now.ready_replicas() ||
         status.updated_replicas() != now.updated_replicas() ||
         status.current_revision() != now.current_revision() ||
         status.available_replicas() != now.available_replicas() ||
         status.update_revision() != now.update_revision();
}

void CompleteRollingUpdate(const StatefulSet& set, StatefulSetStatus* status) {
  if (set.spec().update_strategy().type() == "RollingUpdate" &&
      status->updated_replicas() == status->replicas() &&
      status->ready_replicas() == status->replicas()) {
    status->set_current_replicas(status->updated_replicas());
    status->set_current_revision(status->update_revision());
  }
}

}  // namespace pk::controllers::statefulset
