// The scheduler process (kube-scheduler): informers for pods, nodes, namespaces and the
// workloads feed the cache and the scheduling queue (a pod's priority is its spec.priority,
// resolved by the Priority admission plugin); one loop pops a pod, runs its
// profile's framework on a snapshot of the cache, assumes the pod on the chosen node and
// hands the binding (pods/binding) to a pool of binding threads, so the next pod is scheduled
// before the bind is confirmed. Pods that fit nowhere get a FailedScheduling event, the
// PodScheduled=False/Unschedulable condition and a preemption attempt.
//
// Every attempt's Explanation is kept (the last `explanations_kept` pods) and served on the
// debug port: GET /explain/NAMESPACE/NAME (text; ?format=json for JSON). A bound pod also
// carries a one-paragraph summary in its scheduler.picokube.io/explanation annotation.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "client/channel.h"
#include "apimachinery/status.h"
#include "scheduler/config/config.h"
#include "scheduler/explanation.h"

namespace pk::scheduler {

struct SchedulerOptions {
  std::string apiserver;  // gRPC target: "unix:PATH" or "127.0.0.1:PORT"
  std::string token;
  client::ApiCredentials credentials;  // TLS files (client/channel.h)
  SchedulerConfig config = DefaultConfig();
  std::string identity;  // leader election identity; host name and pid when empty
  int debug_port = 0;    // 0: any free loopback port; -1: no debug server
  int bind_workers = 16;
  size_t explanations_kept = 1000;
  uint64_t seed = 1;  // ties between equally scored nodes are broken with this seed
};

class Scheduler {
 public:
  // Connects, starts the informers, and (once leading, when leader election is on) the
  // scheduling loop. Fails on a bad configuration or an unreachable apiserver.
  static Result<std::unique_ptr<Scheduler>> Start(SchedulerOptions options);
  ~Scheduler();

  int debug_port() const;
  // True once this scheduler led and lost its lease: the process must exit, as
  // kube-scheduler does, so a fresh start campaigns again.
  bool LeadershipLost() const;
  std::optional<Explanation> Explain(const std::string& ns, const std::string& name) const;

  struct Impl;

 private:
  explicit Scheduler(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pk::scheduler
