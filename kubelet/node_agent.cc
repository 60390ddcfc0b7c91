#include "kubelet/node_agent.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include "apimachinery/time.h"
#include "client/errors.h"

namespace pk::kubelet {

using k8s::core::v1::Node;

NodeAgent::NodeAgent(const client::Clientset& clientset, RuntimeClient* runtime,
                     std::vector<NodeConfig> nodes, NodeAgentOptions options)
    : clientset_(clientset), runtime_(runtime), nodes_(std::move(nodes)), options_(options) {}

NodeAgent::~NodeAgent() { Stop(); }

Status NodeAgent::Register() {
  auto version = runtime_->Version();
  runtime_ready_ = version.ok();
  runtime_message_ = version.ok() ? "" : version.status().message();
  for (const NodeConfig& config : nodes_) PK_RETURN_IF_ERROR(RegisterWithRetry(config));
  return Status::OK();
}

// registerWithAPIServer: an apiserver that cannot be reached yet (starting, or a connection
// that failed its first handshake) is retried with back-off from 100 ms to 2 s, for at most
// 30 s; a refusal (403, 422) is final.
Status NodeAgent::RegisterWithRetry(const NodeConfig& config) {
  constexpr auto kGiveUpAfter = std::chrono::seconds(30);
  const auto deadline = std::chrono::steady_clock::now() + kGiveUpAfter;
  auto delay = std::chrono::milliseconds(100);
  while (true) {
    Status status = RegisterOne(config);
    if (status.ok() || !client::IsUnavailable(status) ||
        std::chrono::steady_clock::now() + delay > deadline) {
      return status;
    }
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, std::chrono::milliseconds(2000));
  }
}

Status NodeAgent::RegisterOne(const NodeConfig& config) {
  Node node = NewNode(config);
  SetNodeStatus(config, runtime_ready_, runtime_message_, NowTime(), node.mutable_status());
  auto created = clientset_.Nodes().Create(node);
  if (created.ok()) {
    uids_[config.name] = (*created)->metadata().uid();
    // Create ignores the status (Kubernetes does too): post it.
    PK_RETURN_IF_ERROR(PostStatus(config));
  } else if (client::IsAlreadyExists(created.status())) {
    auto existing = clientset_.Nodes().Get(config.name);
    if (!existing.ok()) return existing.take_status();
    uids_[config.name] = (*existing)->metadata().uid();
    PK_RETURN_IF_ERROR(PostStatus(config));
  } else {
    return created.take_status();
  }
  return RenewLease(config);
}

Status NodeAgent::RenewLease(const NodeConfig& config) {
  auto leases = clientset_.Leases("kube-node-lease");
  Node owner;
  owner.mutable_metadata()->set_name(config.name);
  auto uid = uids_.find(config.name);  // read only: Heartbeat's threads share the map
  if (uid != uids_.end()) owner.mutable_metadata()->set_uid(uid->second);
  auto lease = NewNodeLease(
      owner,
      int32_t(std::chrono::duration_cast<std::chrono::seconds>(options_.lease_duration).count()),
      NowMicroTime());
  auto existing = leases.Get(config.name);
  if (client::IsNotFound(existing.status())) return leases.Create(lease).status();
  if (!existing.ok()) return existing.take_status();
  lease.mutable_metadata()->set_resource_version((*existing)->metadata().resource_version());
  return leases.Update(lease).status();
}

// updateNodeStatus: up to nodeStatusUpdateRetry (5) read-modify-writes, as a controller
// (node lifecycle tainting a new node) may write the Node between the read and the update.
Status NodeAgent::PostStatus(const NodeConfig& config) {
  constexpr int kNodeStatusUpdateRetry = 5;
  Status last;
  for (int attempt = 0; attempt < kNodeStatusUpdateRetry; ++attempt) {
    auto existing = clientset_.Nodes().Get(config.name);
    if (!existing.ok()) return existing.take_status();
    Node node = **existing;
    SetNodeStatus(config, runtime_ready_, runtime_message_, NowTime(), node.mutable_status());
    last = clientset_.Nodes().UpdateStatus(node).status();
    if (!client::IsConflict(last)) return last;
  }
  return last;
}

void NodeAgent::Start() {
  std::lock_guard lock(mu_);
  if (loop_.joinable() || stopping_) return;
  loop_ = std::thread([this] { Loop(); });
}

void NodeAgent::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (loop_.joinable()) loop_.join();
}

// A hollow kubelet's thousands of nodes go on up to kHeartbeatWorkers threads (64 nodes or
// more each), as thousands of kubelets would renew at once: one node after another, a round
// of 5000 (a Get and an Update each) outlasts the 40 s lease on a loaded apiserver, and the
// node lifecycle controller marks the nodes not yet renewed Unknown.
void NodeAgent::Heartbeat(bool post) {
  constexpr size_t kHeartbeatWorkers = 16;
  const size_t workers = std::min(kHeartbeatWorkers, (nodes_.size() + 63) / 64);
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next++) < nodes_.size();) {
      (void)RenewLease(nodes_[i]);  // a failure is retried at the next interval
      if (post) (void)PostStatus(nodes_[i]);
    }
  };
  std::vector<std::thread> threads;
  for (size_t t = 1; t < workers; ++t) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
}

void NodeAgent::Loop() {
  auto last_status = std::chrono::steady_clock::now();
  std::unique_lock lock(mu_);
  while (!wake_.wait_for(lock, options_.renew_interval, [this] { return stopping_; })) {
    lock.unlock();
    auto version = runtime_->Version();
    bool changed = version.ok() != runtime_ready_;
    runtime_ready_ = version.ok();
    runtime_message_ = version.ok() ? "" : version.status().message();
    bool post =
        changed || std::chrono::steady_clock::now() - last_status >= options_.status_interval;
    Heartbeat(post);
    if (post) last_status = std::chrono::steady_clock::now();
    lock.lock();
  }
}

}  // namespace pk::kubelet
