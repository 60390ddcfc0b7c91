#include "controller-manager/replicaset/claim_pods.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <optional>

namespace pk::controllers::replicaset {
namespace {

// ownerRefControllerPatch: the controllerRef merged in; the pod's UID makes the patch fail
// if the pod was replaced by another of the same name.
std::string AdoptPatch(const ClaimContext& c, const Pod& pod) {
  nlohmann::json ref = {{"apiVersion", c.api_version},  {"kind", c.kind},
                        {"name", c.controller->name()}, {"uid", c.controller->uid()},
                        {"controller", true},           {"blockOwnerDeletion", true}};
  nlohmann::json patch = {
      {"metadata", {{"ownerReferences", {ref}}, {"uid", pod.metadata().uid()}}}};
  return patch.dump();
}

// GenerateDeleteOwnerRefStrategicMergeBytes: the controller's ownerReference deleted.
std::string ReleasePatch(const ClaimContext& c, const Pod& pod) {
  nlohmann::json ref = {{"$patch", "delete"}, {"uid", c.controller->uid()}};
  nlohmann::json patch = {
      {"metadata", {{"ownerReferences", {ref}}, {"uid", pod.metadata().uid()}}}};
  return patch.dump();
}

class Claimer {
 public:
  explicit Claimer(const ClaimContext& c) : c_(c) {}

  // ClaimObject: whether the controller owns `pod` after the claim.
  Result<bool> Claim(const Pod& pod) {
    bool match = c_.selector.MatchesMap(pod.metadata().labels());
    bool controller_deleting = c_.controller->has_deletion_timestamp();
    if (const auto* ref = GetControllerOf(pod.metadata()); ref != nullptr) {
      if (ref->uid() != c_.controller->uid()) return false;  // someone else's
      if (match) return true;
      if (controller_deleting) return false;
      Status s = Release(pod);
      if (!s.ok()) return s;
      return false;
    }
    if (controller_deleting || !match || pod.metadata().has_deletion_timestamp()) return false;
    if (pod.metadata().namespace_() != c_.controller->namespace_()) return false;
    Status s = Adopt(pod);
    if (client::IsNotFound(s)) return false;
    if (!s.ok()) return s;
    return true;
  }

 private:
  Status Adopt(const Pod& pod) {
    if (!can_adopt_) can_adopt_ = c_.can_adopt ? c_.can_adopt() : Status();
    if (!can_adopt_->ok()) {
      return Status(
          can_adopt_->reason(),
          fmt::format("can't adopt Pod {}/{} ({}): {}", pod.metadata().namespace_(),
                      pod.metadata().name(), pod.metadata().uid(), can_adopt_->message()));
    }
    return c_.control->PatchPod(pod.metadata().namespace_(), pod.metadata().name(),
                                AdoptPatch(c_, pod));
  }

  // A pod gone, or no longer owned (Invalid), needs no release.
  Status Release(const Pod& pod) {
    Status s = c_.control->PatchPod(pod.metadata().namespace_(), pod.metadata().name(),
                                    ReleasePatch(c_, pod));
    if (client::IsNotFound(s) || client::IsInvalid(s)) return {};
    return s;
  }

  const ClaimContext& c_;
  std::optional<Status> can_adopt_;  // the memoized can_adopt answer
};

}  // namespace

ClaimResult ClaimPods(const ClaimContext& context, const std::vector<PodPtr>& pods) {
  ClaimResult result;
  Claimer claimer(context);
  for (const PodPtr& pod : pods) {
    Result<bool> owned = claimer.Claim(*pod);
    if (!owned.ok()) {
      if (result.status.ok()) result.status = owned.take_status();
      continue;
    }
    if (*owned) result.claimed.push_back(pod);
  }
  return result;
}

}  // namespace pk::controllers::replicaset
