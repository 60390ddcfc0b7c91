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

void SharedInformerFactory::Start() {
  std::lock_guard lock(mu_);
  for (auto& [type, informer] : informers_) informer->Start();
}

bool SharedInformerFactory::WaitForCacheSync(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<std::shared_ptr<SharedInformer>> informers;
  {
    std::lock_guard lock(mu_);
    for (auto& [type, informer] : informers_) informers.push_back(informer);
  }
  for (auto& informer : informers) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (!informer->WaitForSync(std::max(left, std::chrono::milliseconds(0)))) return false;
  }
  return true;
}

void SharedInformerFactory::Shutdown() {
  std::lock_guard lock(mu_);
  for (auto& [type, informer] : informers_) informer->Stop();
}

}  // namespace pk::client
