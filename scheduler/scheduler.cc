#include "scheduler/scheduler.h"

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <chrono>

#include "client/channel.h"
#include "client/clientset_adapters.h"
#include "scheduler/framework/fit_error.h"
#include "scheduler/plugins/plugins.h"
#include "scheduler/scheduler_impl.h"
#include "trace/trace.h"

namespace pk::scheduler {
namespace {

using Clock = std::chrono::steady_clock;

std::string DefaultIdentity() {
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  return fmt::format("{}_{}", host, getpid());
}

DebugResponse Explain(const Scheduler::Impl& impl, const std::string& target) {
  std::string path = target.substr(0, target.find('?'));
  bool json = target.find("format=json") != std::string::npos;
  const std::string prefix = "/explain/";
  if (path == "/healthz") return {200, "text/plain", "ok"};
  if (path.rfind(prefix, 0) != 0) return {404, "text/plain", "try /explain/NAMESPACE/NAME\n"};
  std::string rest = path.substr(prefix.size());
  size_t slash = rest.find('/');
  if (slash == std::string::npos) return {404, "text/plain", "try /explain/NAMESPACE/NAME\n"};
  auto e = impl.explanations.Get(rest.substr(0, slash), rest.substr(slash + 1));
  if (!e) return {404, "text/plain", "no scheduling attempt recorded for " + rest + "\n"};
  if (json) return {200, "application/json", e->ToJson().dump(2) + "\n"};
  return {200, "text/plain; charset=utf-8", e->ToText()};
}

}  // namespace

Scheduler::Impl::Impl(SchedulerOptions o)
    : options(std::move(o)),
      clientset(client::NewApiChannel(options.apiserver, options.credentials),
                options.token),
      factory(std::make_unique<client::SharedInformerFactory>(clientset)),
      pods(factory->ForResource<Pod>()),
      nodes(factory->ForResource<Node>()),
      namespaces(factory->ForResource<k8s::core::v1::Namespace>()),
      services(factory->ForResource<k8s::core::v1::Service>()),
      replica_sets(factory->ForResource<k8s::apps::v1::ReplicaSet>()),
      stateful_sets(factory->ForResource<k8s::apps::v1::StatefulSet>()),
      parallelizer_(0),
      algorithm(options.seed),
      explanations(options.explanations_kept) {}

Scheduler::Impl::~Impl() {
  stopping = true;
  if (elector) elector->Stop();
  {
    std::lock_guard lock(leading_mu);
    leading = false;
  }
  leading_cv.notify_all();
  if (queue) queue->Close();
  if (loop.joinable()) loop.join();
  StopBinders();
  debug.reset();
  if (factory) factory->Shutdown();
  recorders.clear();
}

Status Scheduler::Impl::Init() {
  PluginRegistry registry = plugins::InTreeRegistry();
  for (const Profile& profile : options.config.profiles) {
    auto fw = Framework::New(profile, registry, this);
    if (!fw.ok()) return fw.take_status();
    client::EventRecorderOptions events;
    events.component = profile.scheduler_name;
    recorders[profile.scheduler_name] =
        std::make_unique<client::EventRecorder>(events, client::NewEventSink(clientset));
    frameworks[profile.scheduler_name] = std::move(fw).value();
  }
  Framework* first = frameworks.at(options.config.profiles[0].scheduler_name).get();
  QueueOptions q;
  q.initial_backoff = options.config.pod_initial_backoff;
  q.max_backoff = options.config.pod_max_backoff;
  q.less = [first](const QueuedPodInfo& a, const QueuedPodInfo& b) {
    return first->QueueLess(a, b);
  };
  q.pre_enqueue = [this](const Pod& pod) {
    auto it = frameworks.find(pod.spec().scheduler_name());
    return it == frameworks.end() || it->second->RunPreEnqueuePlugins(pod).ok();
  };
  queue = std::make_unique<SchedulingQueue>(std::move(q));

  std::vector<client::HandlerRegistration> handlers = AddEventHandlers();
  factory->Start();
  if (!client::AllSynced(factory->WaitForCacheSync(std::chrono::seconds(30)))) {
    return Status::Timeout("the scheduler's caches did not sync with the apiserver in 30s");
  }
  // The cache and the queue are built by the handlers, which run behind the informers: a pod
  // popped before the node handler has caught up would be judged against too few nodes.
  if (!client::WaitForHandlersSync(handlers, std::chrono::seconds(30))) {
    return Status::Timeout("the scheduler's event handlers did not catch up in 30s");
  }
  queue->Run();
  StartBinders();
  if (options.debug_port >= 0) {
    auto d = DebugServer::Start(options.debug_port, [this](const std::string& target) {
      return scheduler::Explain(*this, target);
    });
    if (!d.ok()) return d.take_status();
    debug = std::move(d).value();
  }
  loop = std::thread([this] { Run(); });
  const LeaderElection& le = options.config.leader_election;
  if (!le.leader_elect) {
    {
      std::lock_guard lock(leading_mu);
      leading = true;
    }
    leading_cv.notify_all();
    return {};
  }
  lease_store = client::NewLeaseStore(clientset, le.resource_namespace, le.resource_name);
  client::LeaderElectionConfig config;
  config.identity = options.identity.empty() ? DefaultIdentity() : options.identity;
  config.lease_duration = le.lease_duration;
  config.renew_deadline = le.renew_deadline;
  config.retry_period = le.retry_period;
  config.release_on_cancel = true;
  config.on_started_leading = [this] {
    std::lock_guard lock(leading_mu);
    leading = true;
    leading_cv.notify_all();
  };
  config.on_stopped_leading = [this] {
    {
      std::lock_guard lock(leading_mu);
      if (leading && !stopping) leadership_lost = true;
      leading = false;
    }
    leading_cv.notify_all();
  };
  auto elector_or = client::LeaderElector::New(std::move(config), lease_store.get());
  if (!elector_or.ok()) return elector_or.take_status();
  elector = std::move(elector_or).value();
  elector->Start();
  return {};
}

void Scheduler::Impl::Run() {
  while (!stopping) {
    {
      std::unique_lock lock(leading_mu);
      leading_cv.wait(lock, [&] { return leading || stopping; });
    }
    if (stopping) return;
    auto queued = queue->Pop();
    if (!queued) return;
    std::unique_lock lock(leading_mu);
    if (!leading) {  // lost the lease while waiting: leave the pod to the next leader
      queue->AddUnschedulable(std::move(*queued), false);
      continue;
    }
    lock.unlock();
    ScheduleOne(std::move(*queued));
  }
}

void Scheduler::Impl::ScheduleOne(QueuedPodInfo queued) {
  PodPtr pod = queued.pod_info->pod;
  const std::string& uid = pod->metadata().uid();
  auto fw_it = frameworks.find(pod->spec().scheduler_name());
  if (fw_it == frameworks.end() || pod->metadata().has_deletion_timestamp() ||
      cache.IsAssumed(uid)) {
    queue->Done(uid);
    return;
  }
  Framework& fw = *fw_it->second;
  auto start = Clock::now();
  cache.UpdateSnapshot(&snapshot_);
  auto state = std::make_unique<CycleState>();
  Explanation ex;
  ex.ns = pod->metadata().namespace_();
  ex.name = pod->metadata().name();
  ex.uid = uid;
  ex.profile = fw.scheduler_name();
  ex.attempt = queued.attempts;
  ex.time = std::chrono::system_clock::now();
  int32_t pct =
      fw.percentage_of_nodes_to_score().value_or(options.config.percentage_of_nodes_to_score);
  const int64_t cycle_start = trace::NowUnixNano();
  ScheduleResult result = algorithm.Schedule(fw, *state, *pod, pct, &ex);
  ex.Trim();
  TraceCycle(*pod, queued, ex, cycle_start);
  if (result.node.empty()) {
    OnFailure(std::move(queued), fw, result, *state, &ex);
    ex.duration_us =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
    explanations.Put(std::move(ex));
    return;
  }
  auto assumed = std::make_shared<Pod>(*pod);
  assumed->mutable_spec()->set_node_name(result.node);
  PluginStatus s;
  if (Status a = cache.AssumePod(assumed); !a.ok()) s = PluginStatus::Error(a.message());
  if (s.ok()) {
    s = fw.RunReservePlugins(*state, *assumed, result.node);
    if (s.ok()) s = fw.RunPermitPlugins(*state, *assumed, result.node);
    if (!s.ok()) {
      fw.RunUnreservePlugins(*state, *assumed, result.node);
      cache.ForgetPod(uid);
    }
  }
  ex.duration_us =
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
  if (!s.ok()) {
    ex.message = "rejected after the node was chosen: " + s.Message();
    explanations.Put(std::move(ex));
    RecordFailure(*pod, "FailedScheduling", s.Message(), std::nullopt);
    queue->AddUnschedulable(std::move(queued), s.IsRejected());
    return;
  }
  ex.message = fmt::format("Successfully assigned {}/{} to {}", ex.ns, ex.name, result.node);
  {
    std::lock_guard lock(summaries_mu);
    summaries[uid] = ex.Summary();
  }
  explanations.Put(std::move(ex));
  queue->DeleteNominatedPodIfExists(uid);
  Submit(BindTask{std::move(queued), std::move(assumed), result.node, &fw, std::move(state)});
}

// The pod-flow trace of one cycle: how long the pod waited in the queue, each node's filter
// result, the scores, the chosen node (filtering and scoring are timed together).
void Scheduler::Impl::TraceCycle(const Pod& pod, const QueuedPodInfo& queued, const Explanation& ex,
                                 int64_t cycle_start) {
  trace::Recorder& recorder = trace::Global();
  if (!recorder.enabled()) return;
  const auto ref = trace::PodRef::Of(pod);
  const int64_t waited =
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - queued.timestamp).count();
  const int64_t now = trace::NowUnixNano();
  const int64_t cycle = now - cycle_start;
  recorder.Record(ref, "queue wait", now - waited, std::max<int64_t>(0, waited - cycle),
                  fmt::format("attempt {}", queued.attempts));
  std::string filtered = fmt::format("{} of {} nodes fit", ex.ScoredTotal(), ex.nodes_total);
  for (const auto& [node, why] : ex.rejected) filtered += fmt::format("; {}: {}", node, why);
  if (!ex.pre_filter.empty()) filtered += "; PreFilter " + ex.pre_filter;
  recorder.Record(ref, "filter", cycle_start, cycle, std::move(filtered));
  std::string scores;
  for (size_t i = 0; i < ex.scored.size() && i < 5; ++i) {
    scores += fmt::format("{}{} {}", i ? ", " : "", ex.scored[i].node, ex.scored[i].total);
  }
  recorder.Event(ref, "score", scores.empty() ? "no node to score" : scores);
  recorder.Event(ref, "chosen node", ex.chosen.empty() ? ex.message : ex.chosen);
}

void Scheduler::Impl::OnFailure(QueuedPodInfo queued, Framework& fw, const ScheduleResult& result,
                                CycleState& state, Explanation* ex) {
  const Pod& pod = *queued.pod_info->pod;
  if (!result.status.IsRejected()) {
    RecordFailure(pod, "FailedScheduling", result.message, std::nullopt);
    queue->AddUnschedulable(std::move(queued), false);
    return;
  }
  std::optional<std::string> nominated;
  std::string post_filter_msg;
  PostFilterResult post;
  PluginStatus ps = result.nodes_total == 0
                        ? PluginStatus::Unschedulable("")
                        : fw.RunPostFilterPlugins(state, pod, result.statuses, &post);
  if (ps.ok() || ps.IsRejected()) nominated = post.nominated_node_name;
  post_filter_msg = ps.Message();
  ex->post_filter =
      ps.ok() ? "preempted victims on " + post.nominated_node_name.value_or("?") : post_filter_msg;
  if (nominated && !nominated->empty()) {
    ex->nominated = *nominated;
    queue->AddNominatedPod(queued.pod_info, *nominated);
  }
  // FitError: the filters' verdicts (or PreFilter's), then what PostFilter said.
  std::string message =
      result.nodes_total == 0
          ? result.message
          : FitErrorMessage(result.nodes_total, result.statuses,
                            ex->pre_filter.empty() ? "" : result.status.Message(), post_filter_msg);
  ex->message = message;
  queued.unschedulable_plugins.clear();
  for (const auto& [node, st] : result.statuses) queued.unschedulable_plugins.insert(st.plugin());
  if (!result.status.plugin().empty()) queued.unschedulable_plugins.insert(result.status.plugin());
  RecordFailure(pod, "FailedScheduling", message, nominated);
  queue->AddUnschedulable(std::move(queued), true);
}

Scheduler::Scheduler(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Scheduler::~Scheduler() = default;

Result<std::unique_ptr<Scheduler>> Scheduler::Start(SchedulerOptions options) {
  if (options.config.profiles.empty()) options.config = DefaultConfig();
  auto impl = std::make_unique<Impl>(std::move(options));
  PK_RETURN_IF_ERROR(impl->Init());
  return std::unique_ptr<Scheduler>(new Scheduler(std::move(impl)));
}

int Scheduler::debug_port() const { return impl_->debug ? impl_->debug->port() : -1; }
bool Scheduler::LeadershipLost() const { return impl_->leadership_lost; }
std::optional<Explanation> Scheduler::Explain(const std::string& ns,
                                              const std::string& name) const {
  return impl_->explanations.Get(ns, name);
}

}  // namespace pk::scheduler
