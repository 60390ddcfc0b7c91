#include "controller-manager/controller_manager.h"

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <atomic>
#include <mutex>

#include "apimachinery/log.h"
#include "client/channel.h"
#include "client/clientset_adapters.h"
#include "client/leader_elector.h"
#include "controller-manager/controller.h"

namespace pk::controllers {

struct ControllerManager::Impl {
  ControllerManagerOptions options;
  std::vector<std::string> selected;
  std::unique_ptr<client::Clientset> clientset;
  std::unique_ptr<client::SharedInformerFactory> factory;
  std::mutex recorders_mu;
  std::map<std::string, std::unique_ptr<client::EventRecorder>> recorders;
  std::vector<std::unique_ptr<Controller>> controllers;
  std::unique_ptr<client::LeaseStore> lease_store;
  std::unique_ptr<client::LeaderElector> elector;
  std::atomic<bool> lost{false}, stopping{false};
  std::mutex run_mu;
  bool running = false;  // guarded by run_mu

  client::EventRecorder& Recorder(const std::string& component) {
    std::lock_guard lock(recorders_mu);
    auto& r = recorders[component];
    if (!r) {
      client::EventRecorderOptions o;
      o.component = component;
      r = std::make_unique<client::EventRecorder>(o, client::NewEventSink(*clientset));
    }
    return *r;
  }

  // Makes the controllers (they register their informers), starts the informers and, once
  // synced, the controllers' workers.
  Status RunControllers() {
    ControllerContext context;
    context.clientset = clientset.get();
    context.factory = factory.get();
    context.recorder = [this](const std::string& c) -> client::EventRecorder& {
      return Recorder(c);
    };
    context.time_scale = options.time_scale;
    context.terminated_pod_gc_threshold = options.terminated_pod_gc_threshold;
    context.resource_quota_sync_period = options.resource_quota_sync_period;
    for (const std::string& name : selected) {
      auto c = KnownControllers().at(name).factory(context);
      if (!c.ok()) return c.take_status().Prefix("starting the " + name + " controller");
      controllers.push_back(std::move(c).value());
    }
    factory->Start();
    if (!client::AllSynced(factory->WaitForCacheSync(std::chrono::seconds(60)))) {
      return Status::Timeout("the controllers' caches did not sync with the apiserver in 60s");
    }
    for (auto& c : controllers) c->Run(options.workers);
    return {};
  }

  void StopControllers() {
    for (auto& c : controllers) c->Stop();
    if (factory) factory->Shutdown();
    recorders.clear();
  }
};

ControllerManager::ControllerManager(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ControllerManager::~ControllerManager() {
  impl_->stopping = true;
  if (impl_->elector) impl_->elector->Stop();
  std::lock_guard lock(impl_->run_mu);
  impl_->StopControllers();
}

bool ControllerManager::LeadershipLost() const { return impl_->lost; }
const std::vector<std::string>& ControllerManager::controllers() const { return impl_->selected; }

Result<std::unique_ptr<ControllerManager>> ControllerManager::Start(
    ControllerManagerOptions options) {
  auto impl = std::make_unique<Impl>();
  auto selected = SelectControllers(options.controllers);
  if (!selected.ok()) return selected.take_status();
  impl->selected = std::move(selected).value();
  impl->options = std::move(options);
  impl->clientset = std::make_unique<client::Clientset>(
      client::NewApiChannel(impl->options.apiserver, impl->options.credentials),
      impl->options.token);
  impl->factory = std::make_unique<client::SharedInformerFactory>(*impl->clientset);
  Impl* raw = impl.get();
  if (!impl->options.leader_elect) {
    std::lock_guard lock(raw->run_mu);
    PK_RETURN_IF_ERROR(raw->RunControllers());
    return std::unique_ptr<ControllerManager>(new ControllerManager(std::move(impl)));
  }
  impl->lease_store =
      client::NewLeaseStore(*impl->clientset, "kube-system", "kube-controller-manager");
  client::LeaderElectionConfig config;
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  config.identity = impl->options.identity.empty() ? fmt::format("{}_{}", host, getpid())
                                                   : impl->options.identity;
  config.release_on_cancel = true;
  config.on_started_leading = [raw] {
    std::lock_guard lock(raw->run_mu);
    if (raw->stopping) return;
    Status s = raw->RunControllers();
    if (!s.ok()) {
      pk::Logf("controller-manager: %s\n", s.message().c_str());
      raw->lost = true;  // the process exits and a restart tries again
    }
  };
  config.on_stopped_leading = [raw] {
    if (!raw->stopping) raw->lost = true;
  };
  auto elector = client::LeaderElector::New(std::move(config), impl->lease_store.get());
  if (!elector.ok()) return elector.take_status();
  impl->elector = std::move(elector).value();
  impl->elector->Start();
  return std::unique_ptr<ControllerManager>(new ControllerManager(std::move(impl)));
}

}  // namespace pk::controllers
