#include "controller-manager/namespace/namespace_controller.h"

#include "controller-manager/namespace/namespaced_resources_deleter.h"
#include "controller-manager/queue_worker.h"
#include "proto/core/v1/namespace.pb.h"

namespace pk::controllers {
namespace {

using k8s::core::v1::Namespace;

class NamespaceController : public Controller {
 public:
  explicit NamespaceController(const ControllerContext& context)
      : deleter_(*context.clientset),
        namespaces_(context.factory->ForResource<Namespace>()),
        // Kubernetes waits the deleter's estimate (at least the content's grace periods)
        // before looking again; one second, scaled, stands in for it.
        recheck_(std::chrono::milliseconds(
            std::max<int64_t>(10, static_cast<int64_t>(1000 * context.time_scale)))),
        worker_("namespace", [this](const std::string& key) { return Sync(key); }) {
    namespaces_.AddEventHandler({
        .on_add = [this](const client::Ptr<Namespace>& ns, bool) { Enqueue(*ns); },
        .on_update = [this](const client::Ptr<Namespace>&,
                            const client::Ptr<Namespace>& ns) { Enqueue(*ns); },
        .on_delete = nullptr,
    });
  }

  void Run(int workers) override { worker_.Run(workers); }
  void Stop() override { worker_.Stop(); }

 private:
  // Only namespaces being deleted are work.
  void Enqueue(const Namespace& ns) {
    if (ns.metadata().has_deletion_timestamp()) worker_.Enqueue(ns.metadata().name());
  }

  // syncNamespaceFromKey: one deleter pass; content still there is looked at again later.
  Status Sync(const std::string& name) {
    auto done = deleter_.Delete(name);
    if (!done.ok()) return done.take_status();
    if (!*done) worker_.EnqueueAfter(name, recheck_);
    return {};
  }

  NamespacedResourcesDeleter deleter_;
  client::SharedIndexInformer<Namespace> namespaces_;
  const client::Clock::Duration recheck_;
  QueueWorker worker_;
};

}  // namespace

Result<std::unique_ptr<Controller>> NewNamespaceController(const ControllerContext& context) {
  return std::unique_ptr<Controller>(new NamespaceController(context));
}

}  // namespace pk::controllers
