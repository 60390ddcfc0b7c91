#include "client/informer_factory.h"

namespace pk::client {

SharedInformerFactory::SharedInformerFactory(const Clientset& clientset, FactoryOptions options)
    : clientset_(clientset), options_(std::move(options)) {}

SharedInformerFactory::~SharedInformerFactory() { Shutdown(); }

std::shared_ptr<SharedInformer> SharedInformerFactory::InformerFor(
    const google::protobuf::Descriptor* type) {
  std::lock_guard lock(mu_);
  auto& slot = informers_[type];
  if (slot == nullptr) {
    auto client = std::make_shared<ResourceClient>(clientset_.ForMessage(type, options_.ns));
    InformerOptions options;
    options.reflector = options_.reflector;
    options.resync = options_.resync;
    slot = std::make_shared<SharedInformer>(std::move(client), options);
  }
  return slot;
}

bool AllSynced(const CacheSyncResult& result) {
  for (const auto& [type, synced] : result) {
    if (!synced) return false;
  }
  return true;
}

void SharedInformerFactory::Start() {
  std::vector<std::shared_ptr<SharedInformer>> to_start;
  {
    std::lock_guard lock(mu_);
    if (shut_down_) return;
    for (auto& [type, informer] : informers_) {
      if (started_.insert(type).second) to_start.push_back(informer);
    }
  }
  for (auto& informer : to_start) informer->Start();
}

CacheSyncResult SharedInformerFactory::WaitForCacheSync(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::map<const google::protobuf::Descriptor*, std::shared_ptr<SharedInformer>> started;
  {
    std::lock_guard lock(mu_);
    for (const auto* type : started_) started[type] = informers_[type];
  }
  CacheSyncResult result;
  for (auto& [type, informer] : started) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    result[type] = informer->WaitForSync(std::max(left, std::chrono::milliseconds(0)));
  }
  return result;
}

void SharedInformerFactory::Shutdown() {
  std::vector<std::shared_ptr<SharedInformer>> informers;
  {
    std::lock_guard lock(mu_);
    shut_down_ = true;
    for (auto& [type, informer] : informers_) informers.push_back(informer);
  }
  for (auto& informer : informers) informer->Stop();
}

}  // namespace pk::client
