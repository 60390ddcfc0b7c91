#include "controller-manager/resourcequota/resourcequota_controller.h"

#include <chrono>
#include <string>
#include <vector>

#include "apimachinery/object.h"
#include "client/errors.h"
#include "controller-manager/queue_worker.h"
#include "proto/core/v1/config.pb.h"
#include "proto/core/v1/pod.pb.h"
#include "proto/core/v1/policy.pb.h"
#include "proto/core/v1/service.pb.h"
#include "proto/core/v1/volume.pb.h"
#include "quota/quota.h"

namespace pk::controllers {
namespace {

using google::protobuf::Message;
using k8s::core::v1::ResourceQuota;

// The queue key that recounts every quota (the periodic resync).
constexpr const char* kResyncAll = "";

quota::ResourceNames HardNames(const ResourceQuota& q) {
  return quota::Names(quota::FromProto(q.spec().hard()));
}

bool Counts(const ResourceQuota& q, const GroupResource& gr) {
  for (const auto& counted : quota::CountedResources(HardNames(q))) {
    if (counted == gr) return true;
  }
  return false;
}

class ResourceQuotaController : public Controller {
 public:
  explicit ResourceQuotaController(const ControllerContext& context)
      : clientset_(*context.clientset),
        quotas_(context.factory->ForResource<ResourceQuota>()),
        clock_(*context.clock),
        period_(std::chrono::duration_cast<client::Clock::Duration>(
            context.resource_quota_sync_period * context.time_scale)),
        worker_("resourcequota", [this](const std::string& key) { return Sync(key); }) {
    quotas_.AddEventHandler({
        .on_add = [this](const client::Ptr<ResourceQuota>& q, bool) { Enqueue(*q); },
        // Only a change of spec.hard needs a recount; status writes are this controller's.
        .on_update =
            [this](const client::Ptr<ResourceQuota>& old, const client::Ptr<ResourceQuota>& q) {
              if (!quota::Equals(quota::FromProto(old->spec().hard()),
                                 quota::FromProto(q->spec().hard()))) {
                Enqueue(*q);
              }
            },
        .on_delete = nullptr,
    });
    for (const Message* prototype :
         {static_cast<const Message*>(&k8s::core::v1::Pod::default_instance()),
          static_cast<const Message*>(&k8s::core::v1::Service::default_instance()),
          static_cast<const Message*>(&k8s::core::v1::ConfigMap::default_instance()),
          static_cast<const Message*>(&k8s::core::v1::Secret::default_instance()),
          static_cast<const Message*>(&k8s::core::v1::PersistentVolumeClaim::default_instance()),
          static_cast<const Message*>(&ResourceQuota::default_instance())}) {
      WatchReplenishment(context.factory, prototype->GetDescriptor());
    }
  }

  void Run(int workers) override {
    worker_.Run(workers);
    worker_.EnqueueAfter(kResyncAll, period_);
  }
  void Stop() override { worker_.Stop(); }

 private:
  void Enqueue(const ResourceQuota& q) {
    worker_.Enqueue(q.metadata().namespace_() + "/" + q.metadata().name());
  }

  // The replenishment controllers: a deleted object, or one whose usage changed, has its
  // namespace's quotas that count its resource recounted.
  void WatchReplenishment(client::SharedInformerFactory* factory,
                          const google::protobuf::Descriptor* type) {
    const ResourceType* rt = Scheme::Builtin().FindByMessage(type);
    if (rt == nullptr) return;
    GroupResource gr = rt->group_resource();
    client::RawEventHandler handler;
    handler.on_update = [this, gr](const client::ObjectPtr& old, const client::ObjectPtr& cur) {
      const quota::Evaluator& e = quota::EvaluatorFor(gr);
      int64_t now = NowSeconds();
      if (!quota::Equals(e.Usage(*old, now), e.Usage(*cur, now))) Replenish(gr, *cur);
    };
    handler.on_delete = [this, gr](const client::RawDeleted& d) {
      if (d.object != nullptr) Replenish(gr, *d.object);
    };
    factory->InformerFor(type)->AddEventHandler(std::move(handler));
  }

  void Replenish(const GroupResource& gr, const Message& object) {
    const auto* meta = GetObjectMeta(object);
    if (meta == nullptr) return;
    for (const auto& q : quotas_.GetLister().ByNamespace(meta->namespace_()).List()) {
      if (Counts(*q, gr)) Enqueue(*q);
    }
  }

  int64_t NowSeconds() const {
    return std::chrono::duration_cast<std::chrono::seconds>(clock_.WallNow().time_since_epoch())
        .count();
  }

  Status Sync(const std::string& key) {
    if (key == kResyncAll) {
      for (const auto& q : quotas_.GetLister().List()) Enqueue(*q);
      worker_.EnqueueAfter(kResyncAll, period_);
      return Status();
    }
    auto slash = key.find('/');
    std::string ns = key.substr(0, slash), name = key.substr(slash + 1);
    auto quotas = clientset_.Resource<ResourceQuota>(ns);
    auto fresh = quotas.Get(name);
    if (!fresh.ok()) return client::IsNotFound(fresh.status()) ? Status() : fresh.take_status();
    return SyncQuota(**fresh);
  }

  // syncResourceQuota: status.hard from spec.hard, status.used recounted for what it limits.
  Status SyncQuota(const ResourceQuota& q) {
    const std::string& ns = q.metadata().namespace_();
    quota::ResourceNames hard = HardNames(q);
    std::vector<quota::Selector> selectors = quota::ScopeSelectorsOf(q);
    quota::ResourceList used = quota::FromProto(q.status().used());
    int64_t now = NowSeconds();
    for (const GroupResource& gr : quota::CountedResources(hard)) {
      auto objects = ListObjects(gr, ns);
      if (!objects.ok()) return objects.take_status();
      std::vector<const Message*> items;
      for (const auto& o : *objects) items.push_back(o.get());
      for (const auto& [k, v] :
           quota::UsageOf(quota::EvaluatorFor(gr), hard, selectors, items, now)) {
        used[k] = v;
      }
    }
    used = quota::Mask(used, hard);
    bool dirty =
        !quota::Equals(quota::FromProto(q.spec().hard()), quota::FromProto(q.status().hard())) ||
        q.status().hard_size() != q.spec().hard_size() ||
        !quota::Equals(used, quota::FromProto(q.status().used()));
    if (!dirty) return Status();
    ResourceQuota next = q;
    *next.mutable_status()->mutable_hard() = q.spec().hard();
    quota::ToProto(used, next.mutable_status()->mutable_used());
    auto written = clientset_.Resource<ResourceQuota>(ns).UpdateStatus(next);
    if (!written.ok() && !client::IsNotFound(written.status())) return written.take_status();
    return Status();
  }

  // The namespace's objects of `gr`, read from the apiserver (none for resources it does not
  // serve).
  Result<std::vector<client::ObjectPtr>> ListObjects(const GroupResource& gr,
                                                     const std::string& ns) const {
    const ResourceType* type = Scheme::Builtin().FindResource(gr.group, gr.resource);
    if (type == nullptr || !type->namespaced) return std::vector<client::ObjectPtr>{};
    auto list = clientset_.ForMessage(type->prototype->GetDescriptor(), ns).List({});
    if (!list.ok()) return list.take_status();
    return std::move(list->items);
  }

  const client::Clientset& clientset_;
  client::SharedIndexInformer<ResourceQuota> quotas_;
  const client::Clock& clock_;
  const client::Clock::Duration period_;
  QueueWorker worker_;  // last: its threads use the members above
};

}  // namespace

Result<std::unique_ptr<Controller>> NewResourceQuotaController(const ControllerContext& context) {
  return std::unique_ptr<Controller>(new ResourceQuotaController(context));
}

}  // namespace pk::controllers
