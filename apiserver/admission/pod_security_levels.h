// The Pod Security Standards as the PodSecurity plugin evaluates them
// (k8s.io/pod-security-admission/api and /policy, v1.32): levels, policy versions, the
// namespace labels that choose them, and the checks of each level. Internal to the plugin
// (pod_security.h); its tests use it directly.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "apimachinery/status.h"
#include "proto/core/v1/pod.pb.h"
#include "proto/meta/v1/meta.pb.h"

namespace pk::admission::podsecurity {

enum class Level { kPrivileged, kBaseline, kRestricted };

// "latest" or v1.MINOR.
struct Version {
  bool latest = true;
  int minor = 0;
  bool operator==(const Version&) const = default;
};

struct LevelVersion {
  Level level = Level::kPrivileged;
  Version version;
  bool operator==(const LevelVersion&) const = default;
  std::string String() const;  // "restricted:latest", "baseline:v1.30"
};

// The namespace's policy: what enforce refuses, warn warns of and audit records.
struct Policy {
  LevelVersion enforce, audit, warn;
};

// PolicyToEvaluate: the labels pod-security.kubernetes.io/{enforce,audit,warn}[-version] over
// the defaults (privileged:latest). An invalid level reads as restricted and an invalid
// version as latest, and each adds a cause (`metadata.labels[KEY]`, "must be one of
// privileged, baseline, restricted" / `must be "latest" or "v1.x"`). Without its own label,
// warn follows an enforce label stricter than it.
Policy PolicyToEvaluate(const google::protobuf::Map<std::string, std::string>& labels,
                        std::vector<StatusCause>* errors);

// CheckResult: why one check forbids a pod (empty reason: allowed).
struct Violation {
  std::string reason;  // "allowPrivilegeEscalation != false"
  std::string detail;  // `container "c" must set securityContext.allowPrivilegeEscalation=false`
};

// AggregateCheckResult of every check of the level at the version, in Kubernetes' order.
struct Result {
  std::vector<Violation> violations;
  bool allowed() const { return violations.empty(); }
  std::string ForbiddenReason() const;  // "a, b"
  std::string ForbiddenDetail() const;  // "a (detail), b (detail)"
};

Result Evaluate(const LevelVersion& lv, const k8s::meta::v1::ObjectMeta& metadata,
                const k8s::core::v1::PodSpec& spec);

}  // namespace pk::admission::podsecurity
