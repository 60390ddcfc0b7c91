// The binding cycle (schedule_one.go's bindingCycle) on a pool of threads: PreBind, Bind
// (pods/binding through the apiserver), PostBind. A failed bind undoes the assumption and
// sends the pod back to the queue with back-off.
#include <fmt/format.h>

#include "apimachinery/slow_motion.h"
#include "client/errors.h"
#include "scheduler/scheduler_impl.h"

namespace pk::scheduler {

void Scheduler::Impl::StartBinders() {
  for (int i = 0; i < std::max(options.bind_workers, 1); ++i) {
    binders.emplace_back([this] {
      while (true) {
        std::unique_lock lock(bind_mu);
        bind_cv.wait(lock, [&] { return binders_stopping || !bind_queue.empty(); });
        if (bind_queue.empty()) return;  // stopping, and nothing left to bind
        BindTask task = std::move(bind_queue.front());
        bind_queue.pop_front();
        lock.unlock();
        Bind(std::move(task));
      }
    });
  }
}

void Scheduler::Impl::StopBinders() {
  {
    std::lock_guard lock(bind_mu);
    binders_stopping = true;
  }
  bind_cv.notify_all();
  for (auto& t : binders) t.join();
  binders.clear();
}

void Scheduler::Impl::Submit(BindTask task) {
  {
    std::lock_guard lock(bind_mu);
    bind_queue.push_back(std::move(task));
  }
  bind_cv.notify_one();
}

void Scheduler::Impl::Bind(BindTask task) {
  const Pod& pod = *task.assumed;
  const std::string uid = pod.metadata().uid();
  Framework& fw = *task.framework;
  slowmotion::Pause(fmt::format("scheduler: bind {} to {}", PodKey(pod), task.node));
  PluginStatus s = fw.RunPreBindPlugins(*task.state, pod, task.node);
  if (s.ok()) s = fw.RunBindPlugins(*task.state, pod, task.node);
  {
    std::lock_guard lock(summaries_mu);
    summaries.erase(uid);
  }
  if (s.ok()) {
    RecordScheduled(pod, task.node);
    fw.RunPostBindPlugins(*task.state, pod, task.node);
    queue->Done(uid);
    return;
  }
  cache.ForgetPod(uid);
  fw.RunUnreservePlugins(*task.state, pod, task.node);
  RecordFailure(*task.queued.pod_info->pod, "FailedScheduling",
                fmt::format("Binding rejected: {}", s.Message()), std::nullopt);
  queue->AddUnschedulable(std::move(task.queued), false);
}

}  // namespace pk::scheduler
