// SharedInformerFactory: one SharedInformer per resource type per factory (so one list+watch
// per resource per process), and SharedIndexInformer<T>, the typed face of an informer.
//
//   SharedInformerFactory factory(clientset);
//   auto pods = factory.ForResource<k8s::core::v1::Pod>();
//   pods.AddIndexer("node", [](const Pod& p) { return std::vector{p.spec().node_name()}; });
//   pods.AddEventHandler({.on_add = ..., .on_update = ..., .on_delete = ...});
//   factory.Start();
//   if (!AllSynced(factory.WaitForCacheSync(10s))) ...;
//   pods.Lister().ByIndex("node", "n1");
//
// Thread-safety: every method from any thread.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "client/clientset.h"
#include "client/informer.h"
#include "client/lister.h"

namespace pk::client {

template <class T>
struct Deleted {
  Ptr<T> object;  // the last state seen
  std::string key;
  bool final_state_unknown = false;  // client-go's DeletedFinalStateUnknown
};

template <class T>
struct EventHandler {
  std::function<void(const Ptr<T>&, bool is_initial_list)> on_add;
  std::function<void(const Ptr<T>& old_object, const Ptr<T>& new_object)> on_update;
  std::function<void(const Deleted<T>&)> on_delete;
};

template <class T>
class SharedIndexInformer {
 public:
  explicit SharedIndexInformer(std::shared_ptr<SharedInformer> informer)
      : informer_(std::move(informer)) {}

  HandlerRegistration AddEventHandler(EventHandler<T> h) {
    RawEventHandler raw;
    if (h.on_add) {
      raw.on_add = [f = h.on_add](const ObjectPtr& o, bool initial) { f(Cast(o), initial); };
    }
    if (h.on_update) {
      raw.on_update = [f = h.on_update](const ObjectPtr& a, const ObjectPtr& b) {
        f(Cast(a), Cast(b));
      };
    }
    if (h.on_delete) {
      raw.on_delete = [f = h.on_delete](const RawDeleted& d) {
        f(Deleted<T>{Cast(d.object), d.key, d.final_state_unknown});
      };
    }
    return informer_->AddEventHandler(std::move(raw));
  }
  // `fn` gives the values an object is indexed under (e.g. a pod's spec.nodeName).
  void AddIndexer(const std::string& name, std::function<std::vector<std::string>(const T&)> fn) {
    informer_->indexer().AddIndex(name, [fn = std::move(fn)](const google::protobuf::Message& m) {
      return fn(static_cast<const T&>(m));
    });
  }
  Lister<T> GetLister() const { return Lister<T>(informer_->shared_indexer()); }
  bool HasSynced() const { return informer_->HasSynced(); }
  SharedInformer& raw() const { return *informer_; }

 private:
  static Ptr<T> Cast(const ObjectPtr& o) { return std::static_pointer_cast<const T>(o); }
  std::shared_ptr<SharedInformer> informer_;
};

struct FactoryOptions {
  std::string ns;  // "" every namespace
  std::chrono::milliseconds resync{0};
  ReflectorOptions reflector;  // back-off, clock, selectors for every informer
};

// Per informer type, whether its cache synced (client-go's WaitForCacheSync result).
using CacheSyncResult = std::map<const google::protobuf::Descriptor*, bool>;
// True when every informer in `result` synced (and true for none).
bool AllSynced(const CacheSyncResult& result);

class SharedInformerFactory {
 public:
  explicit SharedInformerFactory(const Clientset& clientset, FactoryOptions options = {});
  ~SharedInformerFactory();  // Shutdown()

  // The factory's informer for T, created on first use (started by the next Start()).
  template <class T>
  SharedIndexInformer<T> ForResource() {
    return SharedIndexInformer<T>(InformerFor(T::descriptor()));
  }
  std::shared_ptr<SharedInformer> InformerFor(const google::protobuf::Descriptor* type);

  // Starts every informer not yet started; nothing after Shutdown.
  void Start();
  // Waits until every informer this factory started has synced or `timeout` passed, and
  // returns each one's state, as client-go. Informers created but not started are neither
  // waited for nor in the result.
  CacheSyncResult WaitForCacheSync(std::chrono::milliseconds timeout);
  // Stops every informer (see SharedInformer::Stop: no handler runs after it returns unless
  // called from a handler); later Starts do nothing. Idempotent.
  void Shutdown();

 private:
  const Clientset clientset_;
  const FactoryOptions options_;
  std::mutex mu_;  // never held while an informer starts or stops
  std::map<const google::protobuf::Descriptor*, std::shared_ptr<SharedInformer>>
      informers_;                                          // guarded by mu_
  std::set<const google::protobuf::Descriptor*> started_;  // guarded by mu_
  bool shut_down_ = false;                                 // guarded by mu_
};

}  // namespace pk::client
