// Scheduler::Impl, shared by scheduler.cc (start, the scheduling loop), event_handlers.cc
// (informers -> cache and queue), binding.cc (the binding pool) and api_actions.cc (what the
// scheduler writes to the apiserver). Internal to scheduler/.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "client/clientset.h"
#include "client/event_recorder.h"
#include "client/informer_factory.h"
#include "client/leader_elector.h"
#include "proto/apps/v1/apps.pb.h"
#include "proto/core/v1/binding.pb.h"
#include "proto/core/v1/namespace.pb.h"
#include "proto/core/v1/service.pb.h"
#include "proto/scheduling/v1/scheduling.pb.h"
#include "scheduler/cache/cache.h"
#include "scheduler/debug_server.h"
#include "scheduler/explanation_store.h"
#include "scheduler/framework/framework.h"
#include "scheduler/framework/parallelize.h"
#include "scheduler/queue/scheduling_queue.h"
#include "scheduler/schedule_one.h"
#include "scheduler/scheduler.h"

namespace pk::scheduler {

// A pod on its way to its node: everything the binding cycle needs.
struct BindTask {
  QueuedPodInfo queued;
  PodPtr assumed;  // the pod with spec.nodeName set
  std::string node;
  Framework* framework;
  std::unique_ptr<CycleState> state;
};

struct Scheduler::Impl : public Services {
  explicit Impl(SchedulerOptions o);
  ~Impl() override;

  // Services (for the frameworks).
  const Snapshot& snapshot() const override { return snapshot_; }
  Parallelizer& parallelizer() override { return parallelizer_; }
  std::vector<PodInfoPtr> NominatedPodsFor(const std::string& node) const override {
    return queue->NominatedPodsForNode(node);
  }
  LabelSelector DefaultSelectorFor(const Pod& pod) const override;
  Status Evict(const Pod& victim, const Pod& preemptor, const std::string& node) override;
  Status BindPod(const Pod& pod, const std::string& node,
                 const std::map<std::string, std::string>& annotations) override;

  // start (scheduler.cc)
  Status Init();
  void Run();  // the scheduling loop, until stopping
  void ScheduleOne(QueuedPodInfo queued);
  void TraceCycle(const Pod& pod, const QueuedPodInfo& queued, const Explanation& ex,
                  int64_t cycle_start);
  void OnFailure(QueuedPodInfo queued, Framework& fw, const ScheduleResult& result,
                 CycleState& state, Explanation* ex);

  // event_handlers.cc
  // Registers the informers' handlers that feed the cache and the queue.
  std::vector<client::HandlerRegistration> AddEventHandlers();
  bool Responsible(const Pod& pod) const;  // a profile of ours schedules it
  // The pod with spec.priority filled from its PriorityClass when the admission plugin has not.

  // binding.cc
  void StartBinders();
  void StopBinders();
  void Submit(BindTask task);
  void Bind(BindTask task);

  // api_actions.cc
  void RecordScheduled(const Pod& pod, const std::string& node);
  // FailedScheduling event, PodScheduled=False condition and nominatedNodeName (if given).
  void RecordFailure(const Pod& pod, const std::string& reason, const std::string& message,
                     const std::optional<std::string>& nominated);
  client::EventRecorder& RecorderFor(const Pod& pod);

  const SchedulerOptions options;
  client::Clientset clientset;
  std::unique_ptr<client::SharedInformerFactory> factory;
  client::SharedIndexInformer<Pod> pods;
  client::SharedIndexInformer<Node> nodes;
  client::SharedIndexInformer<k8s::core::v1::Namespace> namespaces;
  // For default spreading (DefaultSelectorFor).
  client::SharedIndexInformer<k8s::core::v1::Service> services;
  client::SharedIndexInformer<k8s::apps::v1::ReplicaSet> replica_sets;
  client::SharedIndexInformer<k8s::apps::v1::StatefulSet> stateful_sets;

  Cache cache;
  std::unique_ptr<SchedulingQueue> queue;
  Parallelizer parallelizer_;
  std::map<std::string, std::unique_ptr<Framework>> frameworks;             // by schedulerName
  std::map<std::string, std::unique_ptr<client::EventRecorder>> recorders;  // by schedulerName
  Snapshot snapshot_;  // the scheduling loop's; only it reads or writes it
  Algorithm algorithm;
  ExplanationStore explanations;
  std::mutex summaries_mu;
  std::map<std::string, std::string> summaries;  // by uid, for the binding's annotation

  std::unique_ptr<client::LeaseStore> lease_store;
  std::unique_ptr<client::LeaderElector> elector;
  std::atomic<bool> leadership_lost{false};
  std::unique_ptr<DebugServer> debug;

  std::atomic<bool> stopping{false};
  std::thread loop;
  std::mutex leading_mu;
  std::condition_variable leading_cv;
  bool leading = false;  // guarded by leading_mu

  std::mutex bind_mu;
  std::condition_variable bind_cv;
  std::deque<BindTask> bind_queue;  // guarded by bind_mu
  bool binders_stopping = false;    // guarded by bind_mu
  std::vector<std::thread> binders;
};

}  // namespace pk::scheduler
