#include "controller-manager/ttlafterfinished/ttlafterfinished_controller.h"

#include <optional>

#include "client/errors.h"
#include "controller-manager/job/job_util.h"
#include "controller-manager/queue_worker.h"

namespace pk::controllers {
namespace {

using k8s::batch::v1::Job;

// needsCleanup: a TTL and a Complete or Failed condition, and not being deleted.
bool NeedsCleanup(const Job& j) {
  return j.spec().has_ttl_seconds_after_finished() && job::IsFinished(j) &&
         !j.metadata().has_deletion_timestamp();
}

// jobFinishTime: when the Complete or Failed condition became True (seconds since the epoch).
std::optional<double> FinishTime(const Job& j) {
  for (const auto& c : j.status().conditions()) {
    if ((c.type() == job::kComplete || c.type() == job::kFailed) && c.status() == "True" &&
        c.has_last_transition_time()) {
      return c.last_transition_time().seconds() + c.last_transition_time().nanos() / 1e9;
    }
  }
  return std::nullopt;
}

class TtlAfterFinishedController : public Controller {
 public:
  explicit TtlAfterFinishedController(const ControllerContext& context)
      : clientset_(*context.clientset),
        jobs_(context.factory->ForResource<Job>()),
        clock_(*context.clock),
        time_scale_(context.time_scale),
        worker_("ttl-after-finished", [this](const std::string& key) { return Sync(key); }) {
    jobs_.AddEventHandler({
        .on_add = [this](const client::Ptr<Job>& j, bool) { MaybeEnqueue(*j); },
        .on_update = [this](const client::Ptr<Job>&,
                            const client::Ptr<Job>& j) { MaybeEnqueue(*j); },
        .on_delete = nullptr,
    });
  }

  void Run(int workers) override { worker_.Run(workers); }
  void Stop() override { worker_.Stop(); }

 private:
  void MaybeEnqueue(const Job& j) {
    if (NeedsCleanup(j)) worker_.Enqueue(j.metadata().namespace_() + "/" + j.metadata().name());
  }

  // Seconds left before `j` expires (<= 0: expired); nullopt when it needs no clean-up.
  std::optional<double> TimeLeft(const Job& j) const {
    if (!NeedsCleanup(j)) return std::nullopt;
    std::optional<double> finished = FinishTime(j);
    if (!finished) return std::nullopt;
    double ttl = static_cast<double>(j.spec().ttl_seconds_after_finished()) * time_scale_;
    double now = std::chrono::duration<double>(clock_.WallNow().time_since_epoch()).count();
    return *finished + ttl - now;
  }

  // processJob: requeues a job not yet expired; deletes an expired one after checking the
  // apiserver's copy.
  Status Sync(const std::string& key) {
    auto slash = key.find('/');
    std::string ns = key.substr(0, slash), name = key.substr(slash + 1);
    auto cached = jobs_.GetLister().Get(ns, name);
    if (!cached.ok()) return {};
    if (!Expired(**cached, key)) return {};
    auto jobs = clientset_.Resource<Job>(ns);
    auto fresh = jobs.Get(name);
    if (!fresh.ok()) return client::IsNotFound(fresh.status()) ? Status() : fresh.take_status();
    if (!Expired(**fresh, key)) return {};
    // Kubernetes asks for propagationPolicy Background; this client's DeleteOptions has no
    // policy and the apiserver deletes dependents through the garbage collector anyway.
    client::DeleteOptions options;
    options.precondition_resource_version = (*fresh)->metadata().resource_version();
    auto deleted = jobs.Delete(name, options);
    if (!deleted.ok() && !client::IsNotFound(deleted.status())) return deleted.take_status();
    return {};
  }

  // True when `j` expired; otherwise queues `key` again for when it will.
  bool Expired(const Job& j, const std::string& key) {
    std::optional<double> left = TimeLeft(j);
    if (!left) return false;
    if (*left <= 0) return true;
    worker_.EnqueueAfter(key, std::chrono::duration_cast<client::Clock::Duration>(
                                  std::chrono::duration<double>(*left)));
    return false;
  }

  const client::Clientset& clientset_;
  client::SharedIndexInformer<Job> jobs_;
  const client::Clock& clock_;
  const double time_scale_;
  QueueWorker worker_;  // last: its threads use the members above
};

}  // namespace

Result<std::unique_ptr<Controller>> NewTtlAfterFinishedController(
    const ControllerContext& context) {
  return std::unique_ptr<Controller>(new TtlAfterFinishedController(context));
}

}  // namespace pk::controllers
