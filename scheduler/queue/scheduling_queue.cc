// SchedulingQueue (internal/queue.PriorityQueue): every waiting pod is one Entry in `pods`,
// linked into exactly one of activeQ (ordered by options.less), backoffQ (ordered by back-off
// expiry) or the unschedulable map. Pods being tried (popped, not yet Done/AddUnschedulable)
// are "in flight": not in `pods`, but their updates and deletes are remembered.
#include "scheduler/queue/scheduling_queue.h"

#include <google/protobuf/util/message_differencer.h>

#include <atomic>
#include <string_view>
#include <tuple>
#include <utility>

namespace pk::scheduler {
namespace {

using TimePoint = client::Clock::TimePoint;
using Duration = client::Clock::Duration;

constexpr auto kFlushPeriod = std::chrono::milliseconds(100);
constexpr std::string_view kSchedulingGates = "SchedulingGates";

enum class Where { kActive, kBackoff, kUnschedulable };

bool DefaultLess(const QueuedPodInfo& a, const QueuedPodInfo& b) {
  int32_t pa = PodPriority(a.pod()), pb = PodPriority(b.pod());
  return pa > pb || (pa == pb && a.timestamp < b.timestamp);
}

QueueOptions WithDefaults(QueueOptions o) {
  if (!o.less) o.less = DefaultLess;
  if (!o.pre_enqueue) o.pre_enqueue = [](const Pod&) { return true; };
  return o;
}

// Whether an update may make an unschedulable pod fit: its spec or labels changed (status,
// resourceVersion and other metadata alone do not; Kubernetes' isPodUpdated).
bool SpecOrLabelsChanged(const Pod& a, const Pod& b) {
  using google::protobuf::util::MessageDifferencer;
  if (!MessageDifferencer::Equals(a.spec(), b.spec())) return true;
  const auto &la = a.metadata().labels(), &lb = b.metadata().labels();
  if (la.size() != lb.size()) return true;
  for (const auto& [k, v] : la) {
    auto it = lb.find(k);
    if (it == lb.end() || it->second != v) return true;
  }
  return false;
}

const std::string& Uid(const Pod& pod) { return pod.metadata().uid(); }

}  // namespace

struct SchedulingQueue::State {
  struct Entry {
    QueuedPodInfo info;
    Where where = Where::kActive;
    uint64_t seq = 0;         // tie-break in the ordered sets; new on every insertion
    bool gated = false;       // waits in unschedulable because pre_enqueue said no
    TimePoint backoff_until;  // fixed while in backoffQ
  };
  struct ActiveLess {
    const QueueOptions* options;
    bool operator()(const Entry* a, const Entry* b) const {
      if (options->less(a->info, b->info)) return true;
      if (options->less(b->info, a->info)) return false;
      return a->seq < b->seq;
    }
  };
  struct BackoffLess {
    bool operator()(const Entry* a, const Entry* b) const {
      return std::tie(a->backoff_until, a->seq) < std::tie(b->backoff_until, b->seq);
    }
  };
  struct InFlight {
    int64_t cycle = 0;     // the scheduling cycle it was popped in
    PodInfoPtr pod;        // as popped, or as last updated during the attempt
    bool changed = false;  // spec or labels changed during the attempt
    bool deleted = false;
  };

  State(const QueueOptions& o, std::condition_variable& cv)
      : options(o), pop_cv(cv), active(ActiveLess{&o}) {}

  const QueueOptions& options;
  std::condition_variable& pop_cv;

  std::map<std::string, std::unique_ptr<Entry>> pods;  // by uid
  std::set<Entry*, ActiveLess> active;
  std::set<Entry*, BackoffLess> backoff;
  std::map<std::string, Entry*> unschedulable;  // by uid
  std::map<std::string, InFlight> in_flight;    // by uid

  int64_t scheduling_cycle = 0;     // bumped by every Pop
  int64_t move_request_cycle = -1;  // scheduling_cycle at the last move request
  uint64_t next_seq = 0;
  bool closed = false;
  std::atomic<bool> stop{false};
  std::condition_variable stop_cv;  // wakes the flush loop on Close

  std::map<std::string, std::vector<PodInfoPtr>> nominated;  // node -> pods
  std::map<std::string, std::string> nominated_node;         // uid -> node
  std::atomic<size_t> nominated_count{0};  // nominated_node.size(), read without the lock

  // Back-off of a pod that failed `attempts` times: initial * 2^(attempts-1), capped;
  // none before its first attempt (calculateBackoffDuration).
  Duration BackoffDuration(int attempts) const {
    if (attempts == 0) return Duration::zero();
    Duration d = options.initial_backoff;
    for (int i = 1; i < attempts; ++i) {
      if (d > options.max_backoff - d) return options.max_backoff;
      d += d;
    }
    return d;
  }
  bool BackingOff(const Entry& e, TimePoint now) const {
    return !e.gated && e.info.timestamp + BackoffDuration(e.info.attempts) > now;
  }

  // Unlinks `e` from its sub-queue (it stays in `pods`).
  void Detach(Entry* e) {
    switch (e->where) {
      case Where::kActive:
        active.erase(e);
        break;
      case Where::kBackoff:
        backoff.erase(e);
        break;
      case Where::kUnschedulable:
        unschedulable.erase(Uid(e->info.pod()));
        break;
    }
  }
  void PushUnschedulable(Entry* e) {
    e->where = Where::kUnschedulable;
    unschedulable[Uid(e->info.pod())] = e;
  }
  void PushBackoff(Entry* e) {
    e->where = Where::kBackoff;
    e->gated = false;
    e->seq = next_seq++;
    e->backoff_until = e->info.timestamp + BackoffDuration(e->info.attempts);
    backoff.insert(e);
  }
  // To activeQ unless PreEnqueue gates it: then it waits in unschedulable.
  void PushActive(Entry* e) {
    if (!options.pre_enqueue(e->info.pod())) {
      e->gated = true;
      e->info.unschedulable_plugins = {std::string(kSchedulingGates)};
      PushUnschedulable(e);
      return;
    }
    e->gated = false;
    e->where = Where::kActive;
    e->seq = next_seq++;
    active.insert(e);
    pop_cv.notify_one();
  }
  void PushActiveOrBackoff(Entry* e, TimePoint now) {
    if (BackingOff(*e, now)) {
      PushBackoff(e);
    } else {
      PushActive(e);
    }
  }
  // Moves the unschedulable pods `pred` selects back (movePodsToActiveOrBackoffQueue).
  template <class Pred>
  size_t MoveUnschedulable(TimePoint now, Pred pred) {
    std::vector<Entry*> moving;
    for (const auto& [uid, e] : unschedulable) {
      if (pred(*e)) moving.push_back(e);
    }
    for (Entry* e : moving) {
      unschedulable.erase(Uid(e->info.pod()));
      PushActiveOrBackoff(e, now);
    }
    return moving.size();
  }
  void FlushBackoff(TimePoint now) {
    while (!backoff.empty() && (*backoff.begin())->backoff_until <= now) {
      Entry* e = *backoff.begin();
      backoff.erase(backoff.begin());
      PushActive(e);
    }
  }
  // Pods unschedulable for longer than max_unschedulable are tried again
  // (flushUnschedulablePodsLeftover). Gated pods are not: only an update of theirs can lift
  // their gates, and re-gating them every tick would count as a move request each time.
  void FlushUnschedulableLeftover(TimePoint now) {
    size_t moved = MoveUnschedulable(now, [&](const Entry& e) {
      return !e.gated && now - e.info.timestamp > options.max_unschedulable;
    });
    if (moved > 0) move_request_cycle = scheduling_cycle;
  }

  void Nominate(PodInfoPtr info, const std::string& node) {
    Unnominate(Uid(*info->pod));
    nominated_node[Uid(*info->pod)] = node;
    nominated[node].push_back(std::move(info));
    nominated_count = nominated_node.size();
  }
  void Unnominate(const std::string& uid) {
    auto it = nominated_node.find(uid);
    if (it == nominated_node.end()) return;
    auto& list = nominated[it->second];
    std::erase_if(list, [&](const PodInfoPtr& p) { return Uid(*p->pod) == uid; });
    if (list.empty()) nominated.erase(it->second);
    nominated_node.erase(it);
    nominated_count = nominated_node.size();
  }
  // Keeps a nominated pod's PodInfo current; nominates a pod whose status names a node
  // (a scheduler restarted after preemption finds its nominations there).
  void RefreshNomination(const PodInfoPtr& info) {
    auto it = nominated_node.find(Uid(*info->pod));
    const std::string& from_status = info->pod->status().nominated_node_name();
    if (it != nominated_node.end()) {
      Nominate(info, from_status.empty() ? std::string(it->second) : from_status);
    } else if (!from_status.empty()) {
      Nominate(info, from_status);
    }
  }
};

SchedulingQueue::SchedulingQueue(QueueOptions options)
    : options_(WithDefaults(std::move(options))),
      clock_(options_.clock ? *options_.clock : client::RealClock()),
      state_(std::make_unique<State>(options_, cv_)) {}

SchedulingQueue::~SchedulingQueue() { Close(); }

void SchedulingQueue::Run() {
  flusher_.Start([this] { FlushLoop(state_->stop); });
}

void SchedulingQueue::Close() {
  {
    std::lock_guard lock(mu_);
    state_->closed = true;
    state_->stop = true;
  }
  cv_.notify_all();
  state_->stop_cv.notify_all();
  flusher_.Join();
}

// Flushes on every tick (Kubernetes flushes backoffQ each second and the leftover
// unschedulable pods every 30 s; checking both each tick only makes them more punctual).
void SchedulingQueue::FlushLoop(const std::atomic<bool>& stop) {
  std::unique_lock lock(mu_);
  while (!stop) {
    TimePoint now = clock_.Now();
    state_->FlushBackoff(now);
    state_->FlushUnschedulableLeftover(now);
    state_->stop_cv.wait_for(lock, kFlushPeriod, [&] { return stop.load(); });
  }
}

void SchedulingQueue::Add(PodPtr pod) {
  std::unique_lock lock(mu_);
  const std::string uid = Uid(*pod);
  auto it = state_->pods.find(uid);
  if (it != state_->pods.end() || state_->in_flight.count(uid)) {
    lock.unlock();
    Update(nullptr, std::move(pod));
    return;
  }
  auto entry = std::make_unique<State::Entry>();
  entry->info.pod_info = std::make_shared<PodInfo>(std::move(pod));
  entry->info.timestamp = clock_.Now();
  State::Entry* e = entry.get();
  state_->pods.emplace(uid, std::move(entry));
  state_->RefreshNomination(e->info.pod_info);
  state_->PushActive(e);
}

void SchedulingQueue::Update(const PodPtr& /*old_pod*/, PodPtr new_pod) {
  std::unique_lock lock(mu_);
  const std::string uid = Uid(*new_pod);
  auto info = std::make_shared<const PodInfo>(new_pod);
  if (auto f = state_->in_flight.find(uid); f != state_->in_flight.end()) {
    // The queue's own copy is the reference (the caller's old pod may be older, or null).
    f->second.changed = f->second.changed || SpecOrLabelsChanged(*f->second.pod->pod, *new_pod);
    f->second.pod = info;
    state_->RefreshNomination(info);
    return;
  }
  auto it = state_->pods.find(uid);
  if (it == state_->pods.end()) {
    lock.unlock();
    Add(std::move(new_pod));
    return;
  }
  State::Entry* e = it->second.get();
  bool changed = SpecOrLabelsChanged(*e->info.pod_info->pod, *new_pod);
  state_->RefreshNomination(info);
  state_->Detach(e);
  e->info.pod_info = std::move(info);
  switch (e->where) {
    case Where::kActive:
      state_->PushActive(e);
      break;  // re-sorted; gates re-checked
    case Where::kBackoff:
      state_->backoff.insert(e);
      break;
    case Where::kUnschedulable:
      if (e->gated || changed) {
        state_->PushActiveOrBackoff(e, clock_.Now());
      } else {
        state_->PushUnschedulable(e);
      }
      break;
  }
}

void SchedulingQueue::Delete(const Pod& pod) {
  std::lock_guard lock(mu_);
  const std::string& uid = Uid(pod);
  if (auto it = state_->pods.find(uid); it != state_->pods.end()) {
    state_->Detach(it->second.get());
    state_->pods.erase(it);
  }
  if (auto f = state_->in_flight.find(uid); f != state_->in_flight.end()) {
    f->second.deleted = true;
  }
  state_->Unnominate(uid);
}

std::optional<QueuedPodInfo> SchedulingQueue::Pop() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return state_->closed || !state_->active.empty(); });
  if (state_->closed) return std::nullopt;
  State::Entry* e = *state_->active.begin();
  state_->active.erase(state_->active.begin());
  auto node = state_->pods.extract(Uid(e->info.pod()));
  QueuedPodInfo info = std::move(e->info);
  ++state_->scheduling_cycle;
  ++info.attempts;
  info.unschedulable_plugins.clear();  // the next attempt's rejectors are its own
  if (info.initial_attempt == TimePoint{}) info.initial_attempt = clock_.Now();
  state_->in_flight[node.key()] =
      State::InFlight{.cycle = state_->scheduling_cycle, .pod = info.pod_info};
  return info;
}

// AddUnschedulableIfNotPresent: to backoffQ when the failure was an error or names no
// rejecting plugin (no event would be known to help), when a move request came after the pod
// was popped (the event it waits for may already have happened), or when the pod itself
// changed meanwhile; otherwise to unschedulable until an event or the timeout.
void SchedulingQueue::AddUnschedulable(QueuedPodInfo info, bool unschedulable) {
  std::lock_guard lock(mu_);
  const std::string uid = Uid(info.pod());
  int64_t cycle = state_->scheduling_cycle;
  bool changed = false;
  if (auto f = state_->in_flight.find(uid); f != state_->in_flight.end()) {
    State::InFlight flight = std::move(f->second);
    state_->in_flight.erase(f);
    if (flight.deleted) return;
    cycle = flight.cycle;
    changed = flight.changed;
    info.pod_info = std::move(flight.pod);  // the latest version of the pod
  }
  if (state_->closed || state_->pods.count(uid)) return;  // re-added meanwhile: keep that
  auto entry = std::make_unique<State::Entry>();
  entry->info = std::move(info);
  entry->info.timestamp = clock_.Now();
  State::Entry* e = entry.get();
  state_->pods.emplace(uid, std::move(entry));
  if (!unschedulable || e->info.unschedulable_plugins.empty() || changed ||
      state_->move_request_cycle >= cycle) {
    state_->PushBackoff(e);
  } else {
    state_->PushUnschedulable(e);
  }
}

void SchedulingQueue::Done(const std::string& uid) {
  std::lock_guard lock(mu_);
  state_->in_flight.erase(uid);
}

void SchedulingQueue::MoveAllToActiveOrBackoff(ClusterEvent event) {
  std::lock_guard lock(mu_);
  state_->MoveUnschedulable(clock_.Now(), [&](const State::Entry& e) {
    if (e.info.unschedulable_plugins.empty() || event == ClusterEvent::kUnschedulableTimeout) {
      return true;
    }
    for (const std::string& plugin : e.info.unschedulable_plugins) {
      if (EventMayHelp(plugin, event)) return true;
    }
    return false;
  });
  state_->move_request_cycle = state_->scheduling_cycle;
}

void SchedulingQueue::AddNominatedPod(PodInfoPtr pod, const std::string& node) {
  std::lock_guard lock(mu_);
  state_->Nominate(std::move(pod), node);
}

void SchedulingQueue::DeleteNominatedPodIfExists(const std::string& uid) {
  std::lock_guard lock(mu_);
  state_->Unnominate(uid);
}

std::vector<PodInfoPtr> SchedulingQueue::NominatedPodsForNode(const std::string& node) const {
  // Asked for every node a pod is filtered against: most of the time nobody is nominated.
  if (state_->nominated_count.load(std::memory_order_relaxed) == 0) return {};
  std::lock_guard lock(mu_);
  auto it = state_->nominated.find(node);
  return it == state_->nominated.end() ? std::vector<PodInfoPtr>{} : it->second;
}

SchedulingQueue::Counts SchedulingQueue::counts() const {
  std::lock_guard lock(mu_);
  return Counts{.active = state_->active.size(),
                .backoff = state_->backoff.size(),
                .unschedulable = state_->unschedulable.size()};
}

}  // namespace pk::scheduler
