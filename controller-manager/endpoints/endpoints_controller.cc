#include "controller-manager/endpoints/endpoints_controller.h"

#include <map>
#include <mutex>

#include "apimachinery/time.h"
#include "client/errors.h"
#include "controller-manager/endpoints/endpoint_util.h"
#include "controller-manager/endpoints/subsets.h"
#include "controller-manager/queue_worker.h"

namespace pk::controllers {
namespace {

using k8s::core::v1::Endpoints;
using k8s::core::v1::EndpointSubset;
using k8s::core::v1::Pod;
using k8s::core::v1::Service;
using Labels = std::map<std::string, std::string>;

constexpr char kHeadlessLabel[] = "service.kubernetes.io/headless";
constexpr char kTriggerTime[] = "endpoints.kubernetes.io/last-change-trigger-time";
constexpr char kLeaderAnnotation[] = "control-plane.alpha.kubernetes.io/leader";

std::string KeyOf(const std::string& ns, const std::string& name) { return ns + "/" + name; }

template <class M>
Labels ToMap(const M& m) {
  return Labels(m.begin(), m.end());
}

// staleEndpointsTracker: the resourceVersion an Endpoints had when this controller updated
// it; while the informer still shows that version, its cache is older than our write.
class StaleTracker {
 public:
  void Stale(const std::string& key, const std::string& rv) {
    std::lock_guard lock(mu_);
    versions_[key] = rv;
  }
  bool IsStale(const std::string& key, const std::string& rv) {
    std::lock_guard lock(mu_);
    auto it = versions_.find(key);
    return it != versions_.end() && it->second == rv;
  }
  void Delete(const std::string& key) {
    std::lock_guard lock(mu_);
    versions_.erase(key);
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::string> versions_;
};

// errors.HasStatusCause(err, v1.NamespaceTerminatingCause).
bool IsNamespaceTerminating(const Status& s) {
  for (const auto& cause : s.details().causes) {
    if (cause.reason == "NamespaceTerminating") return true;
  }
  return false;
}

class EndpointsController : public Controller {
 public:
  explicit EndpointsController(const ControllerContext& context)
      : clientset_(*context.clientset),
        recorder_(context.recorder("endpoint-controller")),
        services_(context.factory->ForResource<Service>()),
        pods_(context.factory->ForResource<Pod>()),
        endpoints_(context.factory->ForResource<Endpoints>()),
        worker_("endpoint", [this](const std::string& key) { return Sync(key); }) {
    services_.AddEventHandler({
        .on_add = [this](const client::Ptr<Service>& s, bool) { EnqueueObject(*s); },
        .on_update = [this](const client::Ptr<Service>&,
                            const client::Ptr<Service>& s) { EnqueueObject(*s); },
        .on_delete = [this](const client::Deleted<Service>& d) { EnqueueObject(*d.object); },
    });
    pods_.AddEventHandler({
        .on_add = [this](const client::Ptr<Pod>& p, bool) { EnqueueServicesOf(*p); },
        .on_update = [this](const client::Ptr<Pod>& old,
                            const client::Ptr<Pod>& cur) { OnPodUpdate(*old, *cur); },
        .on_delete = [this](const client::Deleted<Pod>& d) { EnqueueServicesOf(*d.object); },
    });
    endpoints_.AddEventHandler({
        .on_add = nullptr,
        .on_update = nullptr,
        .on_delete = [this](const client::Deleted<Endpoints>& d) { EnqueueObject(*d.object); },
    });
  }

  void Run(int workers) override {
    worker_.Run(workers);
    CheckLeftoverEndpoints();
  }
  void Stop() override { worker_.Stop(); }

 private:
  template <class T>
  void EnqueueObject(const T& object) {
    worker_.Enqueue(KeyOf(object.metadata().namespace_(), object.metadata().name()));
  }
  void EnqueueServicesOf(const Pod& pod) {
    for (const auto& key : endpoints::PodServiceMemberships(services_.GetLister(), pod)) {
      worker_.Enqueue(key);
    }
  }
  void OnPodUpdate(const Pod& old, const Pod& cur) {
    for (const auto& key :
         endpoints::ServicesToUpdateOnPodChange(services_.GetLister(), old, cur)) {
      worker_.Enqueue(key);
    }
  }

  // checkLeftoverEndpoints: every Endpoints once, so that those whose Service went while
  // this controller was down are deleted (leader-election records are not).
  void CheckLeftoverEndpoints() {
    for (const auto& e : endpoints_.GetLister().List()) {
      if (e->metadata().annotations().count(kLeaderAnnotation)) continue;
      EnqueueObject(*e);
    }
  }

  Status Sync(const std::string& key);
  Status DeleteEndpoints(const std::string& ns, const std::string& name);
  Status Write(const Service& service, const Endpoints& current, bool create,
               std::vector<EndpointSubset> subsets, int64_t trigger_time);

  const client::Clientset& clientset_;
  client::EventRecorder& recorder_;
  client::SharedIndexInformer<Service> services_;
  client::SharedIndexInformer<Pod> pods_;
  client::SharedIndexInformer<Endpoints> endpoints_;
  endpoints::TriggerTimeTracker trigger_times_;
  StaleTracker stale_;
  QueueWorker worker_;
};

Status EndpointsController::DeleteEndpoints(const std::string& ns, const std::string& name) {
  auto deleted = clientset_.Resource<Endpoints>(ns).Delete(name);
  if (!deleted.ok() && !client::IsNotFound(deleted.status())) return deleted.take_status();
  trigger_times_.DeleteService(KeyOf(ns, name));
  stale_.Delete(KeyOf(ns, name));
  return {};
}

// syncService.
Status EndpointsController::Sync(const std::string& key) {
  const auto slash = key.find('/');
  const std::string ns = key.substr(0, slash), name = key.substr(slash + 1);
  auto service = services_.GetLister().Get(ns, name);
  if (!service.ok()) return DeleteEndpoints(ns, name);
  const Service& svc = **service;
  if (svc.spec().type() == "ExternalName") return {};
  if (svc.spec().selector().empty()) return {};  // Endpoints made out of band

  std::vector<client::Ptr<Pod>> pods;
  for (const auto& pod : pods_.GetLister().ByNamespace(ns).List()) {
    if (endpoints::Selects(svc, *pod)) pods.push_back(pod);
  }
  // Computed before the no-op check so the tracker follows every sync.
  const int64_t trigger_time = trigger_times_.Compute(svc, pods);
  std::vector<EndpointSubset> subsets = endpoints::ComputeSubsets(svc, pods);

  Endpoints current;
  auto cached = endpoints_.GetLister().Get(ns, name);
  if (cached.ok()) {
    current = **cached;
    if (stale_.IsStale(key, current.metadata().resource_version())) {
      return Status::InternalError(fmt::format(
          "endpoints informer cache is out of date, resource version {} already processed for "
          "endpoints {}",
          current.metadata().resource_version(), key));
    }
  } else {
    current.mutable_metadata()->set_name(name);
    current.mutable_metadata()->set_namespace_(ns);
  }
  const bool create = current.metadata().resource_version().empty();
  Labels compare = ToMap(current.metadata().labels());
  compare.erase(kHeadlessLabel);  // never on the Service itself
  if (!create && endpoints::SubsetsEqual(current, subsets) &&
      compare == ToMap(svc.metadata().labels()) && endpoints::CapacityAnnotationCorrect(current)) {
    return {};
  }
  return Write(svc, current, create, std::move(subsets), trigger_time);
}

Status EndpointsController::Write(const Service& service, const Endpoints& current, bool create,
                                  std::vector<EndpointSubset> subsets, int64_t trigger_time) {
  Endpoints next = current;
  next.clear_subsets();
  for (auto& s : subsets) *next.add_subsets() = std::move(s);
  auto* meta = next.mutable_metadata();
  *meta->mutable_labels() = service.metadata().labels();
  auto* annotations = meta->mutable_annotations();
  if (trigger_time != 0) {
    (*annotations)[kTriggerTime] = FormatRfc3339(trigger_time);
  } else {
    annotations->erase(kTriggerTime);
  }
  if (endpoints::Truncate(&next)) {
    (*annotations)[endpoints::kOverCapacity] = "truncated";
  } else {
    annotations->erase(endpoints::kOverCapacity);
  }
  // helper.IsServiceIPSet is false for "None" and for ""; "" only reaches here when the
  // apiserver allocated no cluster IP (this one allocates none), so only "None" counts.
  if (service.spec().cluster_ip() == "None") {
    (*meta->mutable_labels())[kHeadlessLabel] = "";
  } else {
    meta->mutable_labels()->erase(kHeadlessLabel);
  }
  const std::string& ns = service.metadata().namespace_();
  auto client = clientset_.Resource<Endpoints>(ns);
  auto written = create ? client.Create(next) : client.Update(next);
  if (!written.ok()) {
    const Status& s = written.status();
    if (create && IsNamespaceTerminating(s)) return {};  // creates will keep failing
    if (create) {
      recorder_.Eventf(next, "Warning", "FailedToCreateEndpoint",
                       "Failed to create endpoint for service {}/{}: {}", ns,
                       service.metadata().name(), s.message());
    } else {
      recorder_.Eventf(next, "Warning", "FailedToUpdateEndpoint",
                       "Failed to update endpoint {}/{}: {}", ns, service.metadata().name(),
                       s.message());
    }
    return written.take_status();
  }
  if (!create &&
      (*written)->metadata().resource_version() != current.metadata().resource_version()) {
    stale_.Stale(KeyOf(ns, service.metadata().name()), current.metadata().resource_version());
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<Controller>> NewEndpointsController(const ControllerContext& context) {
  return std::unique_ptr<Controller>(new EndpointsController(context));
}

}  // namespace pk::controllers
