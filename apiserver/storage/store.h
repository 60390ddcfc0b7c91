// The store: where API objects live, with one global revision, compare-and-swap updates and
// watches. Only the apiserver talks to it. Two implementations share one engine
// (store_engine.h): OpenRocksStore (durable, RocksDB) and NewMemoryStore (tests of the
// layers above). Every rule -- revisions, preconditions, selectors, the watch window -- is
// implemented once, in the engine.
//
// Keys are "/registry/RESOURCE/NAMESPACE/NAME" (namespaced) or "/registry/RESOURCE/NAME".
// Values are API messages (proto/); the store sets metadata.resourceVersion to the revision of
// the write that produced them, so callers never write resourceVersion themselves.
//
// Thread-safe: every method may be called from any thread.
#pragma once

#include <google/protobuf/message.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "apimachinery/scheme.h"
#include "apimachinery/selectors.h"
#include "apimachinery/status.h"

namespace pk::storage {

// An immutable object as stored; shared by the cache, lists and every watcher.
using ObjectPtr = std::shared_ptr<const google::protobuf::Message>;

// "/registry/pods/default/nginx", "/registry/nodes/node-1"; prefix() of a resource or namespace
// ends with '/': "/registry/pods/" or "/registry/pods/default/".
std::string ObjectKey(std::string_view resource, std::string_view ns, std::string_view name);
std::string PrefixKey(std::string_view resource, std::string_view ns = "");

struct Preconditions {
  std::optional<std::string> uid;
  std::optional<int64_t> resource_version;
};

struct WriteOptions {
  // The object expires this long after the write. 0: the resource's default
  // (StoreOptions::default_ttl: Events 1 h), else never. Every write restarts the clock.
  std::chrono::seconds ttl{0};
};

// How to read the state of a LIST (Kubernetes' resourceVersion + resourceVersionMatch).
struct ListOptions {
  std::string prefix;  // PrefixKey(resource, namespace)
  LabelSelector labels;
  FieldSelector fields;
  int64_t limit = 0;           // 0: no limit
  std::string continue_token;  // from a previous page; fixes the revision of the whole list
  // 0: the newest state. Otherwise the state at exactly this revision when `exact`, or any
  // state at least this new. A revision that left the watch window is Expired (410).
  int64_t resource_version = 0;
  bool exact = false;
};

struct ListResult {
  std::vector<ObjectPtr> items;                 // sorted by key
  int64_t revision = 0;                         // the revision the list reflects
  std::string continue_token;                   // empty when this page is the last
  std::optional<int64_t> remaining_item_count;  // set when limited and unfiltered
};

// The wire form of an event's object, encoded once and shared by every watcher's copy of the
// event: the first face to serve it fills it in. Keyed by the object it encodes, since a
// filter may show a watcher another object under the same event (see ObjectFilter::Apply).
struct EncodedObject {
  std::mutex mu;
  ObjectPtr object;   // guarded by mu: what `bytes` encodes (nullptr: nothing yet)
  std::string bytes;  // guarded by mu
};

struct Event {
  enum class Type { kAdded, kModified, kDeleted, kBookmark, kError };
  Type type = Type::kAdded;
  int64_t revision = 0;
  std::string key;
  ObjectPtr object;       // for kDeleted: the last state, resourceVersion = deletion revision
  ObjectPtr prev_object;  // the state before this event (nullptr for kAdded)
  Status error;           // for kError
  // Set on live events of committed writes (not on replayed ones), shared by every copy of
  // the event; may be null.
  std::shared_ptr<EncodedObject> encoded;
};
std::string_view EventTypeName(Event::Type type);  // "ADDED", "MODIFIED", ... as on the wire

struct WatchOptions {
  std::string prefix;  // PrefixKey(...) or ObjectKey(...) for one object
  LabelSelector labels;
  FieldSelector fields;
  // 0: first an ADDED event for every current object, then changes. R > 0: every change
  // after revision R; R older than the window is Expired (410); R newer than the store is
  // waited for up to 3 s, then Timeout ("Too large resource version").
  int64_t resource_version = 0;
  bool bookmarks = false;  // periodic kBookmark events carrying the current revision
  size_t buffer = 0;       // events buffered for a slow reader; 0: the store's default
};

// A live watch. Events come in revision order. A watcher whose buffer overflows is cut off:
// it delivers what it has, then ends (Next returns std::nullopt with done() true); its reader
// re-watches from the last revision it saw, as Kubernetes clients do.
class Watcher {
 public:
  virtual ~Watcher() = default;
  // The next event, waiting up to `timeout`; nullopt on timeout or when the watch has ended.
  virtual std::optional<Event> Next(std::chrono::milliseconds timeout) = 0;
  // Every event available now, without waiting (may be empty).
  virtual std::vector<Event> Drain() = 0;
  // Called (from a store thread, must not block) whenever events become available or the
  // watch ends; lets an async server wait without a thread per watch.
  virtual void SetNotify(std::function<void()> notify) = 0;
  virtual bool done() const = 0;
  // Ends the watch; idempotent. Once it returns the notify callback is not running and is
  // never called again (unless Stop is called from the callback itself).
  virtual void Stop() = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Creates `key`. AlreadyExists if it exists. Returns the stored object (resourceVersion set).
  virtual Result<ObjectPtr> Create(const std::string& key,
                                   std::unique_ptr<google::protobuf::Message> object,
                                   const WriteOptions& options = {}) = 0;
  // NotFound if absent.
  virtual Result<ObjectPtr> Get(const std::string& key) = 0;
  virtual Result<ListResult> List(const ListOptions& options) = 0;

  // Read-modify-write: `update` gets the current object and returns the new one (or an error,
  // which is returned as is). The write is a compare-and-swap on the revision that was read;
  // on a lost race `update` runs again on the newer object. With preconditions, a mismatch
  // of uid or resourceVersion fails with Conflict instead of retrying. NotFound if absent,
  // unless `create_if_missing` -- then `update` gets nullptr.
  using UpdateFunc = std::function<Result<std::unique_ptr<google::protobuf::Message>>(
      const google::protobuf::Message* current)>;
  virtual Result<ObjectPtr> GuaranteedUpdate(const std::string& key,
                                             const Preconditions& preconditions,
                                             const UpdateFunc& update,
                                             bool create_if_missing = false,
                                             const WriteOptions& options = {}) = 0;

  // Deletes `key` if the preconditions hold (Conflict otherwise). Returns the last state.
  virtual Result<ObjectPtr> Delete(const std::string& key,
                                   const Preconditions& preconditions = {}) = 0;

  virtual Result<std::unique_ptr<Watcher>> Watch(const WatchOptions& options) = 0;

  // The revision of the newest durable write.
  virtual int64_t CurrentRevision() = 0;

  // Deletes every object whose TTL has passed, now; returns how many. The store also does
  // this by itself every StoreOptions::sweep_interval.
  virtual size_t ExpireDue() = 0;
};

struct StoreOptions {
  const Scheme* scheme = &Scheme::Builtin();  // maps a key's resource to its message type
  size_t window_events = 10000;  // recent events kept per resource for watches and lists
  size_t watcher_buffer = 1000;  // default per-watcher buffer
  std::chrono::milliseconds bookmark_interval{std::chrono::seconds(10)};
  // Clock in Unix milliseconds, for TTLs; tests inject their own.
  std::function<int64_t()> now_ms;
  // How often expired objects are deleted; 0 disables the background sweep (tests then
  // call ExpireDue()).
  std::chrono::milliseconds sweep_interval{std::chrono::seconds(1)};
  // Resources whose objects expire by default, as the apiserver's --event-ttl does for Events.
  std::map<std::string, std::chrono::seconds> default_ttl = {{"events", std::chrono::hours(1)}};
  // How long a LIST or WATCH at a resourceVersion newer than the store waits for it before
  // failing with Timeout (Kubernetes waits 3 s; tests shorten it).
  std::chrono::milliseconds resource_version_wait{std::chrono::seconds(3)};
};

// Opens (creating if needed) a RocksDB store in `dir`. Every write it acknowledges has been
// synced to the WAL; after a crash, reopening finds every acknowledged write and the revision
// continues from the last one.
// A database it cannot fully load -- a value that does not decode, an object newer than the
// store's revision, a key of no registered resource -- is not opened: InternalError naming
// the key (never a crash). Serving the rest would show controllers an object as deleted that
// is not (garbage collection and ReplicaSets act on absence); like etcd refusing a corrupt
// data file, the store leaves the repair to an operator.
Result<std::unique_ptr<Store>> OpenRocksStore(const std::string& dir,
                                              const StoreOptions& options = {});
// The same semantics, in memory only.
std::unique_ptr<Store> NewMemoryStore(const StoreOptions& options = {});

}  // namespace pk::storage
