#include "controller-manager/serviceaccount/serviceaccount_controller.h"

#include "client/errors.h"
#include "controller-manager/queue_worker.h"
#include "proto/core/v1/config.pb.h"
#include "proto/core/v1/namespace.pb.h"

namespace pk::controllers {
namespace {

using k8s::core::v1::Namespace;
using k8s::core::v1::ServiceAccount;

constexpr char kDefault[] = "default";

class ServiceAccountController : public Controller {
 public:
  explicit ServiceAccountController(const ControllerContext& context)
      : clientset_(*context.clientset),
        namespaces_(context.factory->ForResource<Namespace>()),
        accounts_(context.factory->ForResource<ServiceAccount>()),
        worker_("serviceaccount", [this](const std::string& key) { return Sync(key); }) {
    namespaces_.AddEventHandler({
        .on_add = [this](const client::Ptr<Namespace>& ns,
                         bool) { worker_.Enqueue(ns->metadata().name()); },
        .on_update =
            [this](const client::Ptr<Namespace>&, const client::Ptr<Namespace>& ns) {
              worker_.Enqueue(ns->metadata().name());
            },
        .on_delete = nullptr,
    });
    accounts_.AddEventHandler({
        .on_add = nullptr,
        .on_update = nullptr,
        .on_delete =
            [this](const client::Deleted<ServiceAccount>& d) {
              if (d.object->metadata().name() == kDefault) {
                worker_.Enqueue(d.object->metadata().namespace_());
              }
            },
    });
  }

  void Run(int workers) override { worker_.Run(workers); }
  void Stop() override { worker_.Stop(); }

 private:
  // syncNamespace: creates the namespace's "default" ServiceAccount if it is missing and the
  // namespace is active.
  Status Sync(const std::string& ns) {
    auto found = namespaces_.GetLister().Get("", ns);
    if (!found.ok()) return {};  // deleted
    if ((*found)->status().phase() == "Terminating" ||
        (*found)->metadata().has_deletion_timestamp()) {
      return {};
    }
    if (accounts_.GetLister().Get(ns, kDefault).ok()) return {};
    ServiceAccount sa;
    sa.mutable_metadata()->set_name(kDefault);
    sa.mutable_metadata()->set_namespace_(ns);
    auto created = clientset_.Resource<ServiceAccount>(ns).Create(sa);
    if (!created.ok() && !client::IsAlreadyExists(created.status())) return created.take_status();
    return {};
  }

  const client::Clientset& clientset_;
  client::SharedIndexInformer<Namespace> namespaces_;
  client::SharedIndexInformer<ServiceAccount> accounts_;
  QueueWorker worker_;
};

}  // namespace

Result<std::unique_ptr<Controller>> NewServiceAccountController(const ControllerContext& context) {
  return std::unique_ptr<Controller>(new ServiceAccountController(context));
}

}  // namespace pk::controllers
