// SharedInformer: one reflector feeding one Indexer, with event handlers, as client-go's
// sharedIndexInformer (without the DeltaFIFO: changes are applied to the indexer, then
// handlers are called). After a (re-)list, objects that vanished are delivered to OnDelete
// with final_state_unknown set (client-go's DeletedFinalStateUnknown): the object is its last
// known state, the real delete was missed. SharedIndexInformer<T> is its typed face.
//
// Thread-safety: all methods from any thread. Handlers run one at a time, on the reflector's
// thread (or the resync thread, or AddEventHandler's caller for the replay); they see the
// indexer already updated and must not block for long (enqueue keys, as controllers do).
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "client/indexer.h"
#include "client/reflector.h"

namespace pk::client {

struct RawDeleted {
  ObjectPtr object;  // the last state seen
  std::string key;
  bool final_state_unknown = false;  // deleted while the watch was down; found by a re-list
};

struct RawEventHandler {
  std::function<void(const ObjectPtr&, bool is_initial_list)> on_add;
  std::function<void(const ObjectPtr& old_object, const ObjectPtr& new_object)> on_update;
  std::function<void(const RawDeleted&)> on_delete;
};

struct InformerOptions {
  ReflectorOptions reflector;
  // Every period, OnUpdate(obj, obj) for every cached object; 0 never.
  std::chrono::milliseconds resync{0};
};

class SharedInformer : private Store {
 public:
  SharedInformer(std::shared_ptr<const ListerWatcher> lister_watcher, InformerOptions options);
  ~SharedInformer() override;  // Stop()

  // Handlers added after the start first get OnAdd(obj, true) for every cached object.
  void AddEventHandler(RawEventHandler handler);
  Indexer& indexer() { return *indexer_; }
  const std::shared_ptr<Indexer>& shared_indexer() const { return indexer_; }

  void Start();  // idempotent
  void Stop();   // idempotent; no handler runs after it returns
  // True once the first list has reached the indexer.
  bool HasSynced() const;
  bool WaitForSync(std::chrono::milliseconds timeout) const;
  std::string LastSyncResourceVersion() const { return reflector_.LastSyncResourceVersion(); }
  int lists() const { return reflector_.lists(); }

 private:
  // Store, called by the reflector.
  void Replace(std::vector<ObjectPtr> items, const std::string& resource_version) override;
  void Add(ObjectPtr object) override;
  void Update(ObjectPtr object) override;
  void Delete(ObjectPtr object) override;

  void ResyncLoop();

  const InformerOptions options_;
  const std::shared_ptr<Indexer> indexer_;
  Reflector reflector_;

  std::mutex handlers_mu_;                 // held while any handler runs: handlers never overlap
  std::vector<RawEventHandler> handlers_;  // guarded by handlers_mu_

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool started_ = false;  // guarded by mu_
  bool stopped_ = false;  // guarded by mu_
  bool synced_ = false;   // guarded by mu_
  std::thread resync_thread_;
};

}  // namespace pk::client
