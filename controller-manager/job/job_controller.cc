#include "controller-manager/job/job_controller.h"

#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "client/errors.h"
#include "controller-manager/job/expectations.h"
#include "controller-manager/job/indexed.h"
#include "controller-manager/job/job_util.h"
#include "controller-manager/queue_worker.h"

namespace pk::controllers {
namespace {

using job::Job;
using job::JobCondition;
using job::Pod;
using job::PodCounts;

constexpr char kOwnerIndex[] = "job-controller/controller-uid";
constexpr char kComponent[] = "job-controller";
constexpr int kMaxPodCreateDeletePerSync = 500;

std::pair<std::string, std::string> SplitKey(const std::string& key) {
  auto slash = key.find('/');
  if (slash == std::string::npos) return {"", key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

// The key of the Job controlling `pod`, or "".
std::string OwnerKey(const Pod& pod) {
  for (const auto& ref : pod.metadata().owner_references()) {
    if (ref.has_controller() && ref.controller() && ref.kind() == "Job" &&
        ref.api_version() == "batch/v1") {
      return pod.metadata().namespace_() + "/" + ref.name();
    }
  }
  return "";
}

double Seconds(const k8s::meta::v1::Time& t) { return t.seconds() + t.nanos() / 1e9; }

// What one sync counted (syncJobCtx), updated as it makes and removes pods.
struct SyncState {
  int succeeded = 0;
  std::set<int> succeeded_indexes;  // Indexed jobs only
  int terminating = 0;
  int ready = 0;
};

// What one sync decided about the job's end (syncJobCtx.finishedCondition).
struct Finish {
  JobCondition interim;   // FailureTarget or SuccessCriteriaMet, written first
  JobCondition terminal;  // Failed or Complete, once no pod is terminating
  bool failure() const { return terminal.type() == job::kFailed; }
};

class JobController : public Controller {
 public:
  explicit JobController(const ControllerContext& context)
      : clientset_(*context.clientset),
        jobs_(context.factory->ForResource<Job>()),
        pods_(context.factory->ForResource<Pod>()),
        recorder_(context.recorder(kComponent)),
        clock_(*context.clock),
        time_scale_(context.time_scale),
        expectations_(*context.clock),
        worker_("job", [this](const std::string& key) { return Sync(key); }) {
    pods_.AddIndexer(kOwnerIndex, [](const Pod& pod) {
      std::string uid = job::ControllingJobUid(pod);
      return uid.empty() ? std::vector<std::string>{} : std::vector<std::string>{uid};
    });
    jobs_.AddEventHandler({
        .on_add = [this](const client::Ptr<Job>& j, bool) { EnqueueJob(*j); },
        .on_update = [this](const client::Ptr<Job>&, const client::Ptr<Job>& j) { EnqueueJob(*j); },
        .on_delete = [this](const client::Deleted<Job>& d) { Forget(d.object.get()); },
    });
    pods_.AddEventHandler({
        .on_add = [this](const client::Ptr<Pod>& p, bool) { OnPodAdd(*p); },
        .on_update = [this](const client::Ptr<Pod>& a,
                            const client::Ptr<Pod>& b) { OnPodUpdate(*a, *b); },
        .on_delete = [this](const client::Deleted<Pod>& d) { OnPodDelete(d.object.get()); },
    });
  }

  void Run(int workers) override { worker_.Run(workers); }
  void Stop() override { worker_.Stop(); }

 private:
  // The failures seen since the job's last success, for the replacement back-off
  // (podBackoffStore); kept in memory only.
  struct BackoffRecord {
    int failed_seen = 0;
    int succeeded_seen = 0;
    int failures_since_success = 0;
    client::Clock::TimePoint last_failure;
  };

  static std::string KeyOf(const Job& j) {
    return j.metadata().namespace_() + "/" + j.metadata().name();
  }
  void EnqueueJob(const Job& j) { worker_.Enqueue(KeyOf(j)); }
  void Forget(const Job* j) {
    if (j != nullptr) Forget(KeyOf(*j));
  }
  // Drops what is remembered of a job deleted or finished.
  void Forget(const std::string& key) {
    expectations_.Delete(key);
    std::lock_guard lock(mu_);
    backoff_.erase(key);
    killed_.erase(key);
  }

  void OnPodAdd(const Pod& pod) {
    std::string key = OwnerKey(pod);
    if (key.empty()) return;
    expectations_.CreationObserved(key);
    worker_.Enqueue(key);
  }
  void OnPodUpdate(const Pod& old_pod, const Pod& pod) {
    std::string key = OwnerKey(pod), old_key = OwnerKey(old_pod);
    // A deletion is observed when the deletionTimestamp appears (graceful deletion).
    if (!key.empty() && pod.metadata().has_deletion_timestamp() &&
        !old_pod.metadata().has_deletion_timestamp()) {
      expectations_.DeletionObserved(key);
    }
    if (!key.empty()) worker_.Enqueue(key);
    if (!old_key.empty() && old_key != key) worker_.Enqueue(old_key);
  }
  void OnPodDelete(const Pod* pod) {
    if (pod == nullptr) return;
    std::string key = OwnerKey(*pod);
    if (key.empty()) return;
    if (!pod->metadata().has_deletion_timestamp()) expectations_.DeletionObserved(key);
    worker_.Enqueue(key);
  }

  k8s::meta::v1::Time Now() const {
    k8s::meta::v1::Time t;
    t.set_seconds(
        std::chrono::duration_cast<std::chrono::seconds>(clock_.WallNow().time_since_epoch())
            .count());
    return t;
  }
  double NowSeconds() const {
    return std::chrono::duration<double>(clock_.WallNow().time_since_epoch()).count();
  }

  Status Sync(const std::string& key);
  std::optional<Finish> FinishedCondition(const Job& j, int failed,
                                          const std::vector<client::Ptr<Pod>>& pods,
                                          const std::string& key);
  int ManageJob(const Job& j, const std::string& key, const PodCounts& counts, SyncState* state,
                Status* error);
  int CreatePods(const Job& j, const std::string& key, int count, const std::vector<int>& indexes,
                 Status* error);
  int DeletePods(const Job& j, const std::vector<client::Ptr<Pod>>& pods, int* ready, Status* error,
                 std::vector<std::string>* deleted_uids = nullptr);
  int KilledNotPresent(const std::string& key, const Job& j,
                       const std::vector<client::Ptr<Pod>>& pods);
  bool SyncSuspended(Job* j);
  std::chrono::nanoseconds UpdateBackoff(const std::string& key, const PodCounts& counts);
  void RecordFinished(const Job& j, const JobCondition& terminal);

  const client::Clientset& clientset_;
  client::SharedIndexInformer<Job> jobs_;
  client::SharedIndexInformer<Pod> pods_;
  client::EventRecorder& recorder_;
  const client::Clock& clock_;
  const double time_scale_;
  Expectations expectations_;
  std::mutex mu_;
  std::map<std::string, BackoffRecord> backoff_;  // guarded by mu_
  // Per job, the uids of the running pods deleted because the job failed: they count as
  // failed once gone (Kubernetes holds them with its tracking finalizer until counted).
  std::map<std::string, std::set<std::string>> killed_;  // guarded by mu_
  QueueWorker worker_;                                   // last: its threads use the members above
};

// syncJob: counts the job's pods, decides whether it finished, makes or removes pods, and
// writes the status (the interim condition before the terminal one).
Status JobController::Sync(const std::string& key) {
  auto [ns, name] = SplitKey(key);
  auto found = jobs_.GetLister().Get(ns, name);
  if (!found.ok()) return {};  // deleted
  const Job& cached = **found;
  if (job::IsFinished(cached)) {
    Forget(key);
    return {};
  }
  if (cached.spec().has_managed_by() &&
      cached.spec().managed_by() != "kubernetes.io/job-controller") {
    return {};
  }
  bool satisfied = expectations_.Satisfied(key);
  std::vector<client::Ptr<Pod>> pods;
  for (auto& pod : pods_.GetLister().ByIndex(kOwnerIndex, cached.metadata().uid())) {
    if (pod->metadata().namespace_() == ns) pods.push_back(pod);
  }
  Job j = cached;
  PodCounts counts = job::CountPods(j, pods);
  int active = static_cast<int>(counts.active.size());
  SyncState state{
      std::max(j.status().succeeded(), counts.succeeded), {}, counts.terminating, counts.ready};
  int& succeeded = state.succeeded;
  int& terminating = state.terminating;
  int& ready = state.ready;
  if (job::IsIndexed(j) && j.spec().has_completions()) {
    state.succeeded_indexes = job::SucceededIndexes(j, pods);
    succeeded = static_cast<int>(state.succeeded_indexes.size());
    j.mutable_status()->set_completed_indexes(job::FormatIndexes(state.succeeded_indexes));
  }
  int failed = std::max(j.status().failed(), counts.failed);
  if (!j.status().has_start_time() && !job::IsSuspended(j)) {
    *j.mutable_status()->mutable_start_time() = Now();
  }
  std::optional<Finish> finish = FinishedCondition(j, failed, pods, key);
  Status manage_error;
  if (finish) {
    std::vector<std::string> gone;
    int deleted = DeletePods(j, counts.active, &ready, &manage_error, &gone);
    if (finish->failure()) {
      std::lock_guard lock(mu_);
      killed_[key].insert(gone.begin(), gone.end());
    }
    if (deleted != active || !satisfied) finish.reset();
    active -= deleted;
    terminating += deleted;
  } else {
    bool managed = false;
    if (satisfied && !j.metadata().has_deletion_timestamp()) {
      active = ManageJob(j, key, counts, &state, &manage_error);
      managed = true;
    }
    bool complete = active == 0 && (j.spec().has_completions() ? succeeded >= j.spec().completions()
                                                               : succeeded > 0);
    if (complete) {
      Finish f;
      f.interim = job::NewCondition(job::kSuccessCriteriaMet, "CompletionsReached",
                                    "Reached expected number of succeeded pods", Now());
      f.terminal = f.interim;
      f.terminal.set_type(job::kComplete);
      finish = f;
    } else if (managed) {
      SyncSuspended(&j);
    }
  }
  // Every pod still running when the job failed counts as failed.
  failed = std::max(failed, counts.failed + KilledNotPresent(key, j, pods));
  auto* status = j.mutable_status();
  status->set_active(active);
  status->set_ready(ready);
  status->set_terminating(terminating);
  status->set_succeeded(succeeded);
  status->set_failed(failed);
  status->mutable_uncounted_terminated_pods();
  bool finished_now = false;
  if (finish) {
    if (!job::HasTrueCondition(j, finish->interim.type())) {
      *status->add_conditions() = finish->interim;
    }
    // delayTerminalCondition: the terminal condition waits for terminating pods.
    if (terminating == 0) {
      const JobCondition& t = finish->terminal;
      job::EnsureCondition(&j, t.type(), "True", t.reason(), t.message(), Now());
      if (t.type() == job::kComplete) *status->mutable_completion_time() = Now();
      finished_now = true;
    }
  }
  if (!google::protobuf::util::MessageDifferencer::Equals(j.status(), cached.status())) {
    auto updated = clientset_.Resource<Job>(ns).UpdateStatus(j);
    if (!updated.ok()) return updated.take_status();
    if (finished_now) RecordFinished(j, finish->terminal);
  }
  return manage_error;
}

// The job's end, if it has come: the SuccessCriteriaMet or FailureTarget it already has,
// more failures than backoffLimit, or the active deadline passed (else a sync is queued for
// the deadline).
std::optional<Finish> JobController::FinishedCondition(const Job& j, int failed,
                                                       const std::vector<client::Ptr<Pod>>& pods,
                                                       const std::string& key) {
  auto finish = [](const JobCondition& interim, const std::string& terminal_type) {
    Finish f{interim, interim};
    f.terminal.set_type(terminal_type);
    return f;
  };
  if (job::HasTrueCondition(j, job::kSuccessCriteriaMet)) {
    return finish(*job::FindCondition(j, job::kSuccessCriteriaMet), job::kComplete);
  }
  if (job::HasTrueCondition(j, job::kFailureTarget)) {
    return finish(*job::FindCondition(j, job::kFailureTarget), job::kFailed);
  }
  if (failed > j.spec().backoff_limit() || job::PastBackoffLimitOnFailure(j, pods)) {
    return finish(job::NewCondition(job::kFailureTarget, "BackoffLimitExceeded",
                                    "Job has reached the specified backoff limit", Now()),
                  job::kFailed);
  }
  if (!j.spec().has_active_deadline_seconds() || !j.status().has_start_time() ||
      job::IsSuspended(j)) {
    return std::nullopt;
  }
  double left = Seconds(j.status().start_time()) +
                static_cast<double>(j.spec().active_deadline_seconds()) - NowSeconds();
  if (left <= 0) {
    return finish(job::NewCondition(job::kFailureTarget, "DeadlineExceeded",
                                    "Job was active longer than specified deadline", Now()),
                  job::kFailed);
  }
  worker_.EnqueueAfter(key, std::chrono::duration_cast<client::Clock::Duration>(
                                std::chrono::duration<double>(left)));
  return std::nullopt;
}

// manageJob: deletes every active pod of a suspended job, else makes or removes pods until
// the active ones are as many as wanted; returns the active count after.
int JobController::ManageJob(const Job& j, const std::string& key, const PodCounts& counts,
                             SyncState* state, Status* error) {
  int active = static_cast<int>(counts.active.size());
  std::chrono::nanoseconds backoff = UpdateBackoff(key, counts);
  bool indexed = job::IsIndexed(j) && j.spec().has_completions();
  std::vector<client::Ptr<Pod>> victims, kept = counts.active;
  if (job::IsSuspended(j)) {
    victims = counts.active;
  } else {
    if (indexed) {
      victims = job::DuplicatedIndexPods(counts.active, j.spec().completions());
      std::set<const Pod*> out;
      for (const auto& p : victims) out.insert(p.get());
      std::erase_if(kept, [&](const client::Ptr<Pod>& p) { return out.count(p.get()) > 0; });
    }
    int excess = -job::WantActive(j, static_cast<int>(kept.size()), state->succeeded);
    // Not-ready pods go first (activePodsForRemoval, simplified).
    std::stable_partition(kept.begin(), kept.end(), [](const client::Ptr<Pod>& p) {
      return p->status().phase() != "Running";
    });
    for (int i = 0; i < excess && i < static_cast<int>(kept.size()); ++i) {
      victims.push_back(kept[i]);
    }
  }
  if (!victims.empty()) {
    if (victims.size() > kMaxPodCreateDeletePerSync) victims.resize(kMaxPodCreateDeletePerSync);
    int n = static_cast<int>(victims.size());
    expectations_.Expect(key, 0, n);
    int deleted = DeletePods(j, victims, &state->ready, error);
    expectations_.Lower(key, 0, n - deleted);
    state->terminating += deleted;
    return active - deleted;
  }
  int diff = job::WantActive(j, active, state->succeeded);
  if (diff <= 0 || job::IsSuspended(j)) return active;
  if (backoff.count() > 0) {
    worker_.EnqueueAfter(key, std::chrono::duration_cast<client::Clock::Duration>(backoff));
    return active;
  }
  // With podReplacementPolicy Failed a terminating pod still holds its place (and index).
  bool only_failed = j.spec().pod_replacement_policy() == "Failed";
  if (only_failed) diff -= state->terminating;
  diff = std::min(diff, kMaxPodCreateDeletePerSync);
  if (diff <= 0) return active;
  std::vector<int> indexes;
  if (indexed) {
    std::vector<client::Ptr<Pod>> holders = counts.active;
    if (only_failed) {
      holders.insert(holders.end(), counts.terminating_pods.begin(), counts.terminating_pods.end());
    }
    indexes = job::PendingIndexes(state->succeeded_indexes, holders, j.spec().completions(), diff);
    diff = static_cast<int>(indexes.size());
    if (diff == 0) return active;
  }
  return active + CreatePods(j, key, diff, indexes, error);
}

// Creates `count` pods (of `indexes`, in order, for an Indexed job) in slow-start batches
// (1, 2, 4...), stopping at the first failure; returns how many were created.
int JobController::CreatePods(const Job& j, const std::string& key, int count,
                              const std::vector<int>& indexes, Status* error) {
  expectations_.Expect(key, count, 0);
  auto client = clientset_.Pods(j.metadata().namespace_());
  const Pod from_template = job::NewPodFromTemplate(j);
  int created = 0;
  for (int batch = 1; created < count && error->ok(); batch *= 2) {
    for (int i = 0; i < batch && created < count; ++i) {
      Pod pod = from_template;
      if (!indexes.empty()) job::SetCompletionIndex(j, indexes[created], &pod);
      auto made = client.Create(pod);
      if (!made.ok()) {
        recorder_.Eventf(j, "Warning", "FailedCreate", "Error creating: {}",
                         made.status().message());
        *error = made.take_status();
        break;
      }
      recorder_.Eventf(j, "Normal", "SuccessfulCreate", "Created pod: {}",
                       (*made)->metadata().name());
      ++created;
    }
  }
  expectations_.Lower(key, count - created, 0);
  return created;
}

// Deletes `pods` (NotFound counts as deleted); returns how many went (their uids into
// `deleted_uids` if given), and lowers `ready` by the ready ones.
int JobController::DeletePods(const Job& j, const std::vector<client::Ptr<Pod>>& pods, int* ready,
                              Status* error, std::vector<std::string>* deleted_uids) {
  int deleted = 0;
  for (const auto& pod : pods) {
    auto gone = clientset_.Pods(pod->metadata().namespace_()).Delete(pod->metadata().name());
    if (!gone.ok() && !client::IsNotFound(gone.status())) {
      recorder_.Eventf(j, "Warning", "FailedDelete", "Error deleting: {}", gone.status().message());
      *error = gone.take_status();
      continue;
    }
    if (gone.ok()) {
      recorder_.Eventf(j, "Normal", "SuccessfulDelete", "Deleted pod: {}", pod->metadata().name());
    }
    ++deleted;
    if (deleted_uids != nullptr) deleted_uids->push_back(pod->metadata().uid());
    *ready -= job::CountPods(j, {pod}).ready;
  }
  return deleted;
}

// How many of the pods deleted because the job failed are not among `pods` counted failed.
int JobController::KilledNotPresent(const std::string& key, const Job& j,
                                    const std::vector<client::Ptr<Pod>>& pods) {
  std::lock_guard lock(mu_);
  auto it = killed_.find(key);
  if (it == killed_.end()) return 0;
  std::set<std::string> missing = it->second;
  for (const auto& pod : pods) {
    if (job::IsPodFailed(j, *pod)) missing.erase(pod->metadata().uid());
  }
  return static_cast<int>(missing.size());
}

// The Suspended condition follows spec.suspend; resuming restarts the active deadline.
bool JobController::SyncSuspended(Job* j) {
  if (job::IsSuspended(*j)) {
    if (!job::EnsureCondition(j, job::kSuspended, "True", "JobSuspended", "Job suspended", Now())) {
      return false;
    }
    recorder_.Event(*j, "Normal", "Suspended", "Job suspended");
    return true;
  }
  if (!job::EnsureCondition(j, job::kSuspended, "False", "JobResumed", "Job resumed", Now())) {
    return false;
  }
  recorder_.Event(*j, "Normal", "Resumed", "Job resumed");
  *j->mutable_status()->mutable_start_time() = Now();
  return true;
}

// Notes the failures and successes seen since the last sync; returns the back-off left
// before a failed pod may be replaced.
std::chrono::nanoseconds JobController::UpdateBackoff(const std::string& key,
                                                      const PodCounts& counts) {
  std::lock_guard lock(mu_);
  BackoffRecord& r = backoff_[key];
  if (counts.succeeded > r.succeeded_seen) r.failures_since_success = 0;
  if (counts.failed > r.failed_seen) {
    r.failures_since_success += counts.failed - r.failed_seen;
    r.last_failure = clock_.Now();
  }
  r.succeeded_seen = std::max(r.succeeded_seen, counts.succeeded);
  r.failed_seen = std::max(r.failed_seen, counts.failed);
  return job::RemainingBackoff(r.failures_since_success, clock_.Now() - r.last_failure,
                               time_scale_);
}

void JobController::RecordFinished(const Job& j, const JobCondition& terminal) {
  if (terminal.type() != job::kComplete) {
    recorder_.Event(j, "Warning", terminal.reason(), terminal.message());
    return;
  }
  if (j.spec().has_completions() && j.status().succeeded() > j.spec().completions()) {
    recorder_.Event(j, "Warning", "TooManySucceededPods",
                    "Too many succeeded pods running after completion count reached");
  }
  recorder_.Event(j, "Normal", "Completed", "Job completed");
}

}  // namespace

Result<std::unique_ptr<Controller>> NewJobController(const ControllerContext& context) {
  return std::unique_ptr<Controller>(new JobController(context));
}

}  // namespace pk::controllers
