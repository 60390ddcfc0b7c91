#include "controller-manager/deployment/deployment_util.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <set>

#include "apimachinery/time.h"

namespace pk::controllers::deployment {
namespace {

std::string DeterministicBytes(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  m.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

// Drops every set but empty sub-message, recursively: a template written with "resources: {}"
// is the same template as one without (Go's value structs have no such difference).
void DropEmptyMessages(google::protobuf::Message* m) {
  const google::protobuf::Reflection* r = m->GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  r->ListFields(*m, &fields);
  for (const auto* f : fields) {
    if (f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE || f->is_map()) {
      continue;
    }
    if (f->is_repeated()) {
      for (int i = 0; i < r->FieldSize(*m, f); ++i) {
        DropEmptyMessages(r->MutableRepeatedMessage(m, f, i));
      }
      continue;
    }
    google::protobuf::Message* sub = r->MutableMessage(m, f);
    DropEmptyMessages(sub);
    if (sub->ByteSizeLong() == 0) r->ClearField(m, f);
  }
}

std::string TemplateBytes(k8s::core::v1::PodTemplateSpec tmpl, bool drop_hash) {
  if (drop_hash) tmpl.mutable_metadata()->mutable_labels()->erase(kPodTemplateHashLabel);
  DropEmptyMessages(&tmpl);
  return DeterministicBytes(tmpl);
}

std::optional<int64_t> ParseInt(const std::string& s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

bool SkipCopyAnnotation(const std::string& key) {
  static const std::set<std::string> skip = {"kubectl.kubernetes.io/last-applied-configuration",
                                             kRevisionAnnotation,
                                             kRevisionHistoryAnnotation,
                                             kDesiredReplicasAnnotation,
                                             kMaxReplicasAnnotation,
                                             "deprecated.deployment.rollback.to"};
  return skip.count(key) > 0;
}

int64_t CreationSeconds(const RSPtr& rs) { return rs->metadata().creation_timestamp().seconds(); }

// ReplicaSetsByCreationTimestamp's order.
bool OlderThan(const RSPtr& a, const RSPtr& b) {
  if (CreationSeconds(a) != CreationSeconds(b)) return CreationSeconds(a) < CreationSeconds(b);
  return a->metadata().name() < b->metadata().name();
}

// getReplicaSetFraction: how much `rs` grows (or shrinks) when the Deployment's maximum size
// went from its max-replicas annotation to today's.
int32_t ReplicaSetFraction(const ReplicaSet& rs, const Deployment& d) {
  if (Replicas(d) == 0) return -Replicas(rs);
  int32_t max_now = Replicas(d) + MaxSurge(d);
  std::optional<int32_t> before = IntAnnotation(rs, kMaxReplicasAnnotation);
  int32_t max_before = before.value_or(0);
  if (max_before == 0) {
    max_before = d.status().replicas();
    if (max_before == 0) return 0;
  }
  double size = static_cast<double>(Replicas(rs)) * max_now / max_before;
  int32_t rounded = static_cast<int32_t>(size < 0 ? size - 0.5 : size + 0.5);
  return rounded - Replicas(rs);
}

}  // namespace

std::string SafeEncodeString(const std::string& s) {
  static constexpr std::string_view kAlphanums = "bcdfghjklmnpqrstvwxz2456789";
  std::string out(s.size(), ' ');
  for (size_t i = 0; i < s.size(); ++i) {
    out[i] = kAlphanums[static_cast<unsigned char>(s[i]) % kAlphanums.size()];
  }
  return out;
}

std::string ComputeHash(const k8s::core::v1::PodTemplateSpec& tmpl,
                        std::optional<int32_t> collision_count) {
  uint32_t hash = 2166136261u;
  auto write = [&hash](const std::string& bytes) {
    for (unsigned char c : bytes) {
      hash ^= c;
      hash *= 16777619u;
    }
  };
  write(TemplateBytes(tmpl, false));
  if (collision_count.has_value()) {
    std::string bytes(8, '\0');
    uint32_t v = static_cast<uint32_t>(*collision_count);
    for (int i = 0; i < 4; ++i) bytes[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    write(bytes);
  }
  return SafeEncodeString(std::to_string(hash));
}

bool EqualIgnoreHash(const k8s::core::v1::PodTemplateSpec& a,
                     const k8s::core::v1::PodTemplateSpec& b) {
  return TemplateBytes(a, true) == TemplateBytes(b, true);
}

Result<int32_t> ScaledValue(const k8s::util::IntOrString& value, int32_t total, bool round_up) {
  if (value.type() == 0) return value.int_val();
  const std::string& s = value.str_val();
  std::optional<int64_t> percent;
  if (!s.empty() && s.back() == '%') percent = ParseInt(s.substr(0, s.size() - 1));
  if (!percent) {
    return Status::BadRequest(
        "invalid value for IntOrString: invalid type: string is not a "
        "percentage");
  }
  double scaled = static_cast<double>(*percent) * total / 100;
  return static_cast<int32_t>(round_up ? std::ceil(scaled) : std::floor(scaled));
}

bool IsRollingUpdate(const Deployment& d) { return d.spec().strategy().type() == "RollingUpdate"; }

Fenceposts ResolveFenceposts(const Deployment& d) {
  const auto& rolling = d.spec().strategy().rolling_update();
  Fenceposts f;
  auto surge = ScaledValue(rolling.max_surge(), Replicas(d), true);
  auto unavailable = ScaledValue(rolling.max_unavailable(), Replicas(d), false);
  f.surge = surge.ok() ? *surge : 0;  // an unset value is the int 0
  f.unavailable = unavailable.ok() ? *unavailable : 0;
  if (f.surge == 0 && f.unavailable == 0) f.unavailable = 1;
  return f;
}

int32_t MaxSurge(const Deployment& d) {
  return IsRollingUpdate(d) ? ResolveFenceposts(d).surge : 0;
}

int32_t MaxUnavailable(const Deployment& d) {
  if (!IsRollingUpdate(d) || Replicas(d) == 0) return 0;
  return std::min(ResolveFenceposts(d).unavailable, Replicas(d));
}

int32_t Replicas(const Deployment& d) { return d.spec().has_replicas() ? d.spec().replicas() : 1; }
int32_t Replicas(const ReplicaSet& rs) {
  return rs.spec().has_replicas() ? rs.spec().replicas() : 1;
}

bool HasProgressDeadline(const Deployment& d) {
  return d.spec().has_progress_deadline_seconds() &&
         d.spec().progress_deadline_seconds() != INT32_MAX;
}
bool HasRevisionHistoryLimit(const Deployment& d) {
  return d.spec().has_revision_history_limit() && d.spec().revision_history_limit() != INT32_MAX;
}

int64_t Revision(const ReplicaSet& rs) {
  auto it = rs.metadata().annotations().find(kRevisionAnnotation);
  if (it == rs.metadata().annotations().end()) return 0;
  return ParseInt(it->second).value_or(0);
}

int64_t MaxRevision(const RSList& rss) {
  int64_t max = 0;
  for (const RSPtr& rs : rss) {
    if (rs) max = std::max(max, Revision(*rs));
  }
  return max;
}

bool SetDeploymentRevision(Deployment* d, const std::string& revision) {
  auto* annotations = d->mutable_metadata()->mutable_annotations();
  auto it = annotations->find(kRevisionAnnotation);
  if (it != annotations->end() && it->second == revision) return false;
  (*annotations)[kRevisionAnnotation] = revision;
  return true;
}

bool SetNewReplicaSetAnnotations(const Deployment& d, ReplicaSet* rs,
                                 const std::string& new_revision, bool exists) {
  bool changed = false;
  auto* annotations = rs->mutable_metadata()->mutable_annotations();
  for (const auto& [k, v] : d.metadata().annotations()) {
    auto it = annotations->find(k);
    if (SkipCopyAnnotation(k) || (it != annotations->end() && it->second == v)) continue;
    (*annotations)[k] = v;
    changed = true;
  }
  auto old_it = annotations->find(kRevisionAnnotation);
  bool had_revision = old_it != annotations->end();
  std::string old_revision = had_revision ? old_it->second : "";
  std::optional<int64_t> old_number = old_revision.empty() ? 0 : ParseInt(old_revision);
  if (!old_number) return false;  // not a number: left alone, as Kubernetes does
  std::optional<int64_t> new_number = ParseInt(new_revision);
  if (!new_number) return false;
  if (*old_number < *new_number) {
    (*annotations)[kRevisionAnnotation] = new_revision;
    changed = true;
    if (had_revision) {
      // A rollback: keep the revisions this ReplicaSet had, within the length limit.
      std::string history = (*annotations)[kRevisionHistoryAnnotation];
      std::vector<std::string> olds;
      for (size_t start = 0; !history.empty();) {
        size_t comma = history.find(',', start);
        olds.push_back(history.substr(start, comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      size_t total = history.size() + old_revision.size() + 1;
      size_t first = 0;
      while (total > kMaxRevisionHistoryChars && first < olds.size()) {
        total -= olds[first].size() + 1;
        ++first;
      }
      if (total <= kMaxRevisionHistoryChars) {
        std::string joined;
        for (size_t i = first; i < olds.size(); ++i) joined += olds[i] + ",";
        (*annotations)[kRevisionHistoryAnnotation] = joined + old_revision;
      }
    }
  }
  if (!exists && SetReplicasAnnotations(rs, Replicas(d), Replicas(d) + MaxSurge(d))) {
    changed = true;
  }
  return changed;
}

bool SetReplicasAnnotations(ReplicaSet* rs, int32_t desired, int32_t max) {
  if (!ReplicasAnnotationsNeedUpdate(*rs, desired, max)) return false;
  auto* annotations = rs->mutable_metadata()->mutable_annotations();
  (*annotations)[kDesiredReplicasAnnotation] = std::to_string(desired);
  (*annotations)[kMaxReplicasAnnotation] = std::to_string(max);
  return true;
}

bool ReplicasAnnotationsNeedUpdate(const ReplicaSet& rs, int32_t desired, int32_t max) {
  const auto& annotations = rs.metadata().annotations();
  auto d = annotations.find(kDesiredReplicasAnnotation);
  auto m = annotations.find(kMaxReplicasAnnotation);
  return d == annotations.end() || d->second != std::to_string(desired) || m == annotations.end() ||
         m->second != std::to_string(max);
}

std::optional<int32_t> IntAnnotation(const ReplicaSet& rs, const char* key) {
  auto it = rs.metadata().annotations().find(key);
  if (it == rs.metadata().annotations().end()) return std::nullopt;
  std::optional<int64_t> v = ParseInt(it->second);
  if (!v || *v < INT32_MIN || *v > INT32_MAX) return std::nullopt;
  return static_cast<int32_t>(*v);
}

RSPtr FindNewReplicaSet(const Deployment& d, RSList rss) {
  SortByCreation(&rss);
  for (const RSPtr& rs : rss) {
    if (EqualIgnoreHash(rs->spec().template_(), d.spec().template_())) return rs;
  }
  return nullptr;
}

RSList FindOldReplicaSets(const Deployment& d, const RSList& rss) {
  RSPtr new_rs = FindNewReplicaSet(d, rss);
  RSList old;
  for (const RSPtr& rs : rss) {
    if (new_rs && rs->metadata().uid() == new_rs->metadata().uid()) continue;
    old.push_back(rs);
  }
  return old;
}

RSList FilterActive(const RSList& rss) {
  RSList out;
  for (const RSPtr& rs : rss) {
    if (rs && Replicas(*rs) > 0) out.push_back(rs);
  }
  return out;
}

void SortByCreation(RSList* rss) { std::stable_sort(rss->begin(), rss->end(), OlderThan); }

void SortByRevision(RSList* rss) {
  std::stable_sort(rss->begin(), rss->end(), [](const RSPtr& a, const RSPtr& b) {
    if (Revision(*a) != Revision(*b)) return Revision(*a) < Revision(*b);
    return OlderThan(a, b);
  });
}

void SortBySizeOlder(RSList* rss) {
  std::stable_sort(rss->begin(), rss->end(), [](const RSPtr& a, const RSPtr& b) {
    if (Replicas(*a) != Replicas(*b)) return Replicas(*a) > Replicas(*b);
    return OlderThan(a, b);
  });
}

void SortBySizeNewer(RSList* rss) {
  std::stable_sort(rss->begin(), rss->end(), [](const RSPtr& a, const RSPtr& b) {
    if (Replicas(*a) != Replicas(*b)) return Replicas(*a) > Replicas(*b);
    return OlderThan(b, a);
  });
}

RSPtr FindActiveOrLatest(const RSPtr& new_rs, RSList old_rss) {
  if (!new_rs && old_rss.empty()) return nullptr;
  SortByCreation(&old_rss);
  std::reverse(old_rss.begin(), old_rss.end());
  RSList all = old_rss;
  all.push_back(new_rs);
  RSList active = FilterActive(all);
  if (active.size() == 1) return active[0];
  if (!active.empty()) return nullptr;
  return new_rs ? new_rs : old_rss[0];
}

bool IsSaturated(const Deployment& d, const RSPtr& rs) {
  if (!rs) return false;
  std::optional<int32_t> desired = IntAnnotation(*rs, kDesiredReplicasAnnotation);
  if (!desired) return false;
  return Replicas(*rs) == Replicas(d) && *desired == Replicas(d) &&
         rs->status().available_replicas() == Replicas(d);
}

int32_t GetProportion(const ReplicaSet& rs, const Deployment& d, int32_t to_add, int32_t added) {
  if (Replicas(rs) == 0 || to_add == 0 || to_add == added) return 0;
  int32_t fraction = ReplicaSetFraction(rs, d);
  int32_t allowed = to_add - added;
  return to_add > 0 ? std::min(fraction, allowed) : std::max(fraction, allowed);
}

Result<int32_t> NewRSNewReplicas(const Deployment& d, const RSList& all, const ReplicaSet& new_rs) {
  const std::string& type = d.spec().strategy().type();
  if (type == "Recreate") return Replicas(d);
  if (type != "RollingUpdate") {
    return Status::BadRequest("deployment type " + type + " isn't supported");
  }
  auto surge = ScaledValue(d.spec().strategy().rolling_update().max_surge(), Replicas(d), true);
  if (!surge.ok()) return surge.take_status();
  int32_t current = SpecReplicaCount(all);
  int32_t max_total = Replicas(d) + *surge;
  if (current >= max_total) return Replicas(new_rs);
  int32_t up = std::min(max_total - current, Replicas(d) - Replicas(new_rs));
  return Replicas(new_rs) + up;
}

int32_t SpecReplicaCount(const RSList& rss) {
  int32_t n = 0;
  for (const RSPtr& rs : rss) n += rs ? Replicas(*rs) : 0;
  return n;
}
int32_t ActualReplicaCount(const RSList& rss) {
  int32_t n = 0;
  for (const RSPtr& rs : rss) n += rs ? rs->status().replicas() : 0;
  return n;
}
int32_t ReadyReplicaCount(const RSList& rss) {
  int32_t n = 0;
  for (const RSPtr& rs : rss) n += rs ? rs->status().ready_replicas() : 0;
  return n;
}
int32_t AvailableReplicaCount(const RSList& rss) {
  int32_t n = 0;
  for (const RSPtr& rs : rss) {
    if (rs) n += std::min(rs->status().available_replicas(), Replicas(*rs));
  }
  return n;
}

DeploymentCondition NewCondition(const std::string& type, const std::string& status,
                                 const std::string& reason, const std::string& message) {
  DeploymentCondition c;
  c.set_type(type);
  c.set_status(status);
  *c.mutable_last_update_time() = NowTime();
  *c.mutable_last_transition_time() = NowTime();
  c.set_reason(reason);
  c.set_message(message);
  return c;
}

const DeploymentCondition* GetCondition(const DeploymentStatus& status, const std::string& type) {
  for (const DeploymentCondition& c : status.conditions()) {
    if (c.type() == type) return &c;
  }
  return nullptr;
}

void SetCondition(DeploymentStatus* status, DeploymentCondition condition) {
  const DeploymentCondition* current = GetCondition(*status, condition.type());
  if (current && current->status() == condition.status() &&
      current->reason() == condition.reason()) {
    return;
  }
  if (current && current->status() == condition.status()) {
    *condition.mutable_last_transition_time() = current->last_transition_time();
  }
  RemoveCondition(status, condition.type());
  *status->add_conditions() = std::move(condition);
}

void RemoveCondition(DeploymentStatus* status, const std::string& type) {
  auto* conditions = status->mutable_conditions();
  for (int i = conditions->size() - 1; i >= 0; --i) {
    if (conditions->Get(i).type() == type) conditions->DeleteSubrange(i, 1);
  }
}

bool DeploymentComplete(const Deployment& d, const DeploymentStatus& status) {
  return status.updated_replicas() == Replicas(d) && status.replicas() == Replicas(d) &&
         status.available_replicas() == Replicas(d) &&
         status.observed_generation() >= d.metadata().generation();
}

bool DeploymentProgressing(const Deployment& d, const DeploymentStatus& status) {
  const DeploymentStatus& old = d.status();
  int32_t old_old_replicas = old.replicas() - old.updated_replicas();
  int32_t new_old_replicas = status.replicas() - status.updated_replicas();
  return status.updated_replicas() > old.updated_replicas() ||
         new_old_replicas < old_old_replicas || status.ready_replicas() > old.ready_replicas() ||
         status.available_replicas() > old.available_replicas();
}

bool DeploymentTimedOut(const Deployment& d, const DeploymentStatus& status, int64_t now_seconds) {
  if (!HasProgressDeadline(d)) return false;
  const DeploymentCondition* c = GetCondition(status, kProgressing);
  if (c == nullptr || c->reason() == kNewRSAvailableReason) return false;
  if (c->reason() == kTimedOutReason) return true;
  return c->last_update_time().seconds() + d.spec().progress_deadline_seconds() < now_seconds;
}

DeploymentStatus CalculateStatus(const RSList& all, const RSPtr& new_rs, const Deployment& d) {
  int32_t available = AvailableReplicaCount(all);
  int32_t total = SpecReplicaCount(all);
  DeploymentStatus status;
  status.set_observed_generation(d.metadata().generation());
  status.set_replicas(ActualReplicaCount(all));
  status.set_updated_replicas(ActualReplicaCount({new_rs}));
  status.set_ready_replicas(ReadyReplicaCount(all));
  status.set_available_replicas(available);
  status.set_unavailable_replicas(std::max(0, total - available));
  if (d.status().has_collision_count()) status.set_collision_count(d.status().collision_count());
  *status.mutable_conditions() = d.status().conditions();
  if (available >= Replicas(d) - MaxUnavailable(d)) {
    SetCondition(&status, NewCondition(kAvailable, "True", kMinimumReplicasAvailable,
                                       "Deployment has minimum availability."));
  } else {
    SetCondition(&status, NewCondition(kAvailable, "False", kMinimumReplicasUnavailable,
                                       "Deployment does not have minimum availability."));
  }
  return status;
}

}  // namespace pk::controllers::deployment
