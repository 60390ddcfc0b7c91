// SharedInformer: one reflector feeding one Indexer, with event handlers, as client-go's
// sharedIndexInformer (without the DeltaFIFO: changes are applied to the indexer, then
// handed to the handlers). After a (re-)list, objects that vanished are delivered to OnDelete
// with final_state_unknown set (client-go's DeletedFinalStateUnknown): the object is its last
// known state, the real delete was missed. SharedIndexInformer<T> is its typed face.
//
// Handlers, as client-go's sharedProcessor: each handler has its own unbounded queue and its
// own thread, so it sees every change in order, one at a time, with the indexer already
// updated; a slow handler delays neither the reflector nor the other handlers. A handler may
// call back into the informer (AddEventHandler, indexer, HasSynced, even Stop).
//
// Thread-safety: all methods from any thread, Start and Stop concurrently too.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "client/background_thread.h"
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

class HandlerListener;
struct Notification;

// What AddEventHandler returns, as client-go's ResourceEventHandlerRegistration: whether the
// handler itself has caught up with the informer's first list. The informer's HasSynced only
// says the list reached the indexer; a component whose own state is built by its handlers
// (the scheduler's cache) waits for this too before it acts on that state.
class HandlerRegistration {
 public:
  HandlerRegistration() = default;
  explicit HandlerRegistration(std::shared_ptr<const HandlerListener> listener)
      : listener_(std::move(listener)) {}
  // True once the handler has been handed every object of the first list.
  bool HasSynced() const;
  // Waits for HasSynced; false after `timeout` or once the informer stopped.
  bool WaitForSync(std::chrono::milliseconds timeout) const;

 private:
  std::shared_ptr<const HandlerListener> listener_;
};

// Waits until every registration has synced, `timeout` in all (kube-scheduler's
// WaitForHandlersSync); false if one has not by then.
bool WaitForHandlersSync(const std::vector<HandlerRegistration>& registrations,
                         std::chrono::milliseconds timeout);

class SharedInformer : private Store {
 public:
  SharedInformer(std::shared_ptr<const ListerWatcher> lister_watcher, InformerOptions options);
  ~SharedInformer() override;  // Stop()

  // Handlers added once objects are cached first get OnAdd(obj, true) for each of them, then
  // every later change (client-go's synthetic adds). Asynchronous: returns before delivery;
  // the registration tells when the handler has seen the whole first list.
  HandlerRegistration AddEventHandler(RawEventHandler handler);
  Indexer& indexer() { return *indexer_; }
  const std::shared_ptr<Indexer>& shared_indexer() const { return indexer_; }

  // Starts the reflector and the handlers' threads; only the first call, and none after Stop.
  void Start();
  // Idempotent, also before Start. Once it returns no handler runs, and notifications not
  // yet delivered are dropped -- except when called from a handler: that one handler may
  // still be running (it is the caller); its thread ends when it returns.
  void Stop();
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
  // Hands `n` to every handler; callers hold listeners_mu_.
  void Distribute(const Notification& n);
  std::vector<std::shared_ptr<HandlerListener>> Listeners();

  const InformerOptions options_;
  const std::shared_ptr<Indexer> indexer_;
  Reflector reflector_;

  // Held across each indexer change and its distribution, and across a new handler's replay,
  // so that every handler sees the cache's history in order, without gap or repeat. Never
  // held while a handler runs.
  std::mutex listeners_mu_;
  std::vector<std::shared_ptr<HandlerListener>> listeners_;  // guarded by listeners_mu_

  mutable std::mutex mu_;  // taken after listeners_mu_ when both are held
  mutable std::condition_variable cv_;
  bool started_ = false;  // guarded by mu_
  bool stopped_ = false;  // guarded by mu_
  bool synced_ = false;   // guarded by mu_
  BackgroundThread resync_thread_;
};

}  // namespace pk::client
