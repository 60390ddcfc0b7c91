// StoreEngine: lifecycle, the public write operations and TTL expiry. The pipeline they feed
// is in store_commit.cc, reads in store_read.cc, watches in store_watch.cc.
#include "apiserver/storage/store_engine.h"

#include <fmt/format.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/message_differencer.h>
#include <pthread.h>

#include <chrono>

#include "apimachinery/object.h"
#include "apiserver/storage/value_codec.h"
#include "apiserver/storage/watch_stream.h"

namespace pk::storage {
namespace {

// A GuaranteedUpdate that keeps losing its compare-and-swap gives up after this many tries.
constexpr int kMaxUpdateAttempts = 100;

StoreOptions WithDefaults(StoreOptions options) {
  if (options.scheme == nullptr) options.scheme = &Scheme::Builtin();
  if (!options.now_ms) {
    options.now_ms = [] {
      using namespace std::chrono;
      return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    };
  }
  return options;
}

// Deterministic bytes (map entries sorted by key), so equal messages give equal bytes.
std::string DeterministicBytes(const google::protobuf::Message& m) {
  std::string out;
  out.reserve(m.ByteSizeLong());
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    m.SerializeWithCachedSizes(&coded);
  }
  return out;
}

// Whether an update changes nothing but (possibly) resourceVersion: Kubernetes then skips the
// write, so no-op updates cost no revision and wake no watcher. Compares bytes, with
// `updated` holding current's resourceVersion meanwhile: a fraction of a field-by-field
// comparison's cost. (Bytes can differ for equal values only as -0.0 and 0.0 do; the update
// is then written, as any change is.)
bool SameObject(google::protobuf::Message& updated, const google::protobuf::Message& current) {
  k8s::meta::v1::ObjectMeta* meta = MutableObjectMeta(&updated);
  const k8s::meta::v1::ObjectMeta* current_meta = GetObjectMeta(current);
  if (meta == nullptr || current_meta == nullptr) {
    return google::protobuf::util::MessageDifferencer::Equals(updated, current);
  }
  std::string own = std::move(*meta->mutable_resource_version());
  meta->set_resource_version(current_meta->resource_version());
  bool same = updated.ByteSizeLong() == current.ByteSizeLong() &&
              DeterministicBytes(updated) == DeterministicBytes(current);
  *meta->mutable_resource_version() = std::move(own);
  return same;
}

// Gives metadata.resourceVersion room for any revision, so setting it at admission (under
// the admission lock) does not allocate.
void ReserveResourceVersion(k8s::meta::v1::ObjectMeta* meta) {
  meta->mutable_resource_version()->reserve(20);  // INT64_MAX has 19 digits
}

}  // namespace

StoreEngine::StoreEngine(std::unique_ptr<Backend> backend, const StoreOptions& options)
    : options_(WithDefaults(options)), backend_(std::move(backend)), durable_(backend_->durable()) {
  for (const ResourceType& type : options_.scheme->resources()) {
    auto ttl = options_.default_ttl.find(type.resource);
    resources_.emplace(
        type.resource,
        ResourceInfo{type.group_resource(), type.prototype,
                     ttl == options_.default_ttl.end() ? std::chrono::seconds(0) : ttl->second});
  }
}

Result<std::unique_ptr<StoreEngine>> StoreEngine::Open(std::unique_ptr<Backend> backend,
                                                       const StoreOptions& options) {
  std::unique_ptr<StoreEngine> engine(new StoreEngine(std::move(backend), options));
  auto data = engine->backend_->Recover();
  if (!data.ok()) return data.take_status();
  PK_RETURN_IF_ERROR(engine->Load(std::move(*data)));
  engine->Start();
  return engine;
}

StoreEngine::~StoreEngine() {
  {
    std::lock_guard lock(sweep_mu_);
    sweep_stopping_ = true;
  }
  sweep_cv_.notify_all();
  if (sweeper_.joinable()) sweeper_.join();
  {
    std::lock_guard lock(mu_);  // the committer drains pending_ before it exits
    stopping_ = true;
  }
  commit_cv_.notify_all();
  if (committer_.joinable()) committer_.join();  // not started when Open failed
  {
    std::lock_guard lock(apply_mu_);
    apply_stopping_ = true;
  }
  apply_cv_.notify_all();
  if (applier_.joinable()) applier_.join();
  {
    std::lock_guard lock(queue_mu_);
    dispatch_stopping_ = true;
  }
  queue_cv_.notify_all();
  if (dispatcher_.joinable()) dispatcher_.join();
  std::vector<WatchRegistration> watchers;
  {
    std::lock_guard lock(dispatch_mu_);
    watchers.swap(watchers_);
  }
  for (auto& w : watchers) {
    w.stream->End();
    w.stream->Notify();
  }
}

// Runs before any thread exists; the locks are taken only to honour the "guarded by" rules.
Status StoreEngine::Load(RecoveredData data) {
  int64_t revision = data.revision;
  std::scoped_lock lock(mu_, state_mu_);
  latest_.reserve(data.entries.size() * 2);  // no rehash of a big table under mu_ soon after
  for (const auto& [key, value] : data.entries) {
    PK_RETURN_IF_ERROR(LoadEntry(key, value, revision).Prefix(fmt::format("loading {}", key)));
  }
  open_revision_ = revision;
  next_revision_ = revision;
  current_revision_ = revision;
  dispatched_revision_ = revision;  // no thread yet: dispatch_mu_ is not needed
  return Status::OK();
}

Status StoreEngine::LoadEntry(const std::string& key, const std::string& value, int64_t revision) {
  auto parts = ParseKey(key);
  if (!parts.ok()) return parts.take_status();
  const ResourceInfo* info = FindResource(parts->resource);
  if (info == nullptr) {
    return Status::InternalError(fmt::format("no resource \"{}\" is registered", parts->resource));
  }
  auto decoded = DecodeValue(value);
  if (!decoded.ok()) return decoded.take_status();
  // Every batch records its revision with its writes, so no object is newer than the store;
  // trusting a corrupt header would make revisions jump or run backwards.
  if (decoded->mod_revision <= 0 || decoded->mod_revision > revision) {
    return Status::InternalError(fmt::format("corrupt stored object: revision {} outside 1..{}",
                                             decoded->mod_revision, revision));
  }
  if (decoded->expire_at_ms < 0) {
    return Status::InternalError("corrupt stored object: negative expiry time");
  }
  std::unique_ptr<google::protobuf::Message> object(info->prototype->New());
  if (!object->ParseFromArray(decoded->payload.data(), static_cast<int>(decoded->payload.size()))) {
    return Status::InternalError("corrupt stored object: protobuf does not parse");
  }
  if (auto* meta = MutableObjectMeta(object.get())) {
    meta->set_resource_version(std::to_string(decoded->mod_revision));
  }
  Entry entry{ObjectPtr(std::move(object)), decoded->mod_revision, decoded->expire_at_ms};
  state_.emplace(key, entry);
  latest_.emplace(key, entry);
  if (entry.expire_at_ms != 0) expiry_.emplace(entry.expire_at_ms, key);
  return Status::OK();
}

void StoreEngine::Start() {
  // Named, so profiles and debuggers tell the stages apart.
  committer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "pk-store-commit");
    CommitLoop();
  });
  applier_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "pk-store-apply");
    ApplyLoop();
  });
  dispatcher_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "pk-store-watch");
    DispatchLoop();
  });
  if (options_.sweep_interval.count() > 0) {
    sweeper_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "pk-store-ttl");
      SweepLoop();
    });
  }
}

const StoreEngine::ResourceInfo* StoreEngine::FindResource(std::string_view resource) const {
  auto it = resources_.find(std::string(resource));
  return it == resources_.end() ? nullptr : &it->second;
}

GroupResource StoreEngine::GroupResourceOf(std::string_view key) const {
  std::string_view resource = ResourceOf(key);
  const ResourceInfo* info = FindResource(resource);
  return info ? info->group_resource : GroupResource{"", std::string(resource)};
}

int64_t StoreEngine::ExpireAt(const WriteOptions& options, const ResourceInfo& resource) const {
  std::chrono::seconds ttl = options.ttl.count() > 0 ? options.ttl : resource.default_ttl;
  if (ttl.count() <= 0) return 0;
  return options_.now_ms() + std::chrono::milliseconds(ttl).count();
}

Result<PendingPtr> StoreEngine::PrepareWrite(const std::string& key,
                                             std::unique_ptr<google::protobuf::Message> object,
                                             const WriteOptions& options) {
  auto parts = ParseKey(key);
  if (!parts.ok()) return parts.take_status();
  const ResourceInfo* info = FindResource(parts->resource);
  if (info == nullptr) {
    return Status::BadRequest(fmt::format("no resource \"{}\" is registered", parts->resource));
  }
  if (object == nullptr) return Status::InternalError("no object to store");
  if (object->GetDescriptor() != info->prototype->GetDescriptor()) {
    return Status::BadRequest(
        fmt::format("a {} cannot be stored as {}", object->GetDescriptor()->full_name(), key));
  }
  auto write = std::make_shared<PendingWrite>();
  write->key = key;
  write->meta = MutableObjectMeta(object.get());
  if (write->meta) write->meta->clear_resource_version();  // never stored: the header has it
  write->expire_at_ms = ExpireAt(options, *info);
  if (durable_) {
    write->value = NewValue(write->expire_at_ms);
    object->AppendToString(&write->value);
  }
  if (write->meta) ReserveResourceVersion(write->meta);
  write->object = std::shared_ptr<google::protobuf::Message>(std::move(object));
  return write;
}

PendingPtr StoreEngine::PrepareDelete(const std::string& key,
                                      const google::protobuf::Message& last) {
  auto write = std::make_shared<PendingWrite>();
  write->key = key;
  write->is_delete = true;
  // The DELETED event and Delete's result: the last state, resourceVersion = deletion revision.
  write->object.reset(last.New());
  write->object->CopyFrom(last);
  write->meta = MutableObjectMeta(write->object.get());
  if (write->meta) ReserveResourceVersion(write->meta);
  return write;
}

Status StoreEngine::CheckPreconditions(const std::string& key, const Preconditions& preconditions,
                                       const google::protobuf::Message& current) const {
  const k8s::meta::v1::ObjectMeta* meta = GetObjectMeta(current);
  if (meta == nullptr) return Status::OK();
  std::string_view name = ParseKey(key)->name;
  if (preconditions.uid && *preconditions.uid != meta->uid()) {
    return Status::Conflict(GroupResourceOf(key), name,
                            fmt::format("Precondition failed: UID in precondition: {}, UID in "
                                        "object meta: {}",
                                        *preconditions.uid, meta->uid()));
  }
  if (preconditions.resource_version &&
      std::to_string(*preconditions.resource_version) != meta->resource_version()) {
    return Status::ObjectModified(GroupResourceOf(key), name);
  }
  return Status::OK();
}

Result<ObjectPtr> StoreEngine::Create(const std::string& key,
                                      std::unique_ptr<google::protobuf::Message> object,
                                      const WriteOptions& options) {
  auto write = PrepareWrite(key, std::move(object), options);
  if (!write.ok()) return write.take_status();
  switch (Admit(*write, kMustBeAbsent)) {
    case Admission::kAdmitted:
      PK_RETURN_IF_ERROR(Await(**write));
      return ObjectPtr((*write)->object);
    case Admission::kExists:
      return Status::AlreadyExists(GroupResourceOf(key), ParseKey(key)->name);
    case Admission::kBroken:
      return BrokenStatus();
    default:
      return Status::InternalError("unexpected admission result for a create");
  }
}

Result<ObjectPtr> StoreEngine::GuaranteedUpdate(const std::string& key,
                                                const Preconditions& preconditions,
                                                const UpdateFunc& update, bool create_if_missing,
                                                const WriteOptions& options) {
  auto parts = ParseKey(key);
  if (!parts.ok()) return parts.take_status();
  for (int attempt = 0; attempt < kMaxUpdateAttempts; ++attempt) {
    std::optional<Entry> current = ReadLatest(key);
    if (!current && !create_if_missing) {
      return Status::NotFound(GroupResourceOf(key), parts->name);
    }
    if (current) PK_RETURN_IF_ERROR(CheckPreconditions(key, preconditions, *current->object));
    bool retry = false;
    auto result = TryUpdate(key, current, update, options, &retry);
    if (!retry) return result;
  }
  return Status::ObjectModified(GroupResourceOf(key), parts->name);
}

// One read-modify-write attempt; sets *retry when another write got in between.
Result<ObjectPtr> StoreEngine::TryUpdate(const std::string& key,
                                         const std::optional<Entry>& current,
                                         const UpdateFunc& update, const WriteOptions& options,
                                         bool* retry) {
  auto updated = update(current ? current->object.get() : nullptr);
  if (!updated.ok()) return updated.take_status();
  if (*updated == nullptr) return Status::InternalError("the update returned no object");
  if (current && SameObject(**updated, *current->object)) {
    // Nothing to write; but `current` comes from latest_, which runs ahead of what is durable:
    // acknowledge it only once the write that produced it is (or fail with it).
    PK_RETURN_IF_ERROR(AwaitDurable(current->mod_revision));
    return current->object;
  }
  auto write = PrepareWrite(key, std::move(*updated), options);
  if (!write.ok()) return write.take_status();
  switch (Admit(*write, current ? current->mod_revision : kMustBeAbsent)) {
    case Admission::kAdmitted:
      PK_RETURN_IF_ERROR(Await(**write));
      return ObjectPtr((*write)->object);
    case Admission::kBroken:
      return BrokenStatus();
    default:
      *retry = true;
      return ObjectPtr();
  }
}

Result<ObjectPtr> StoreEngine::Delete(const std::string& key, const Preconditions& preconditions) {
  auto parts = ParseKey(key);
  if (!parts.ok()) return parts.take_status();
  for (int attempt = 0; attempt < kMaxUpdateAttempts; ++attempt) {
    std::optional<Entry> current = ReadLatest(key);
    if (!current) return Status::NotFound(GroupResourceOf(key), parts->name);
    PK_RETURN_IF_ERROR(CheckPreconditions(key, preconditions, *current->object));
    PendingPtr write = PrepareDelete(key, *current->object);
    switch (Admit(write, current->mod_revision)) {
      case Admission::kAdmitted:
        PK_RETURN_IF_ERROR(Await(*write));
        return ObjectPtr(write->object);
      case Admission::kBroken:
        return BrokenStatus();
      default:
        break;  // changed or deleted meanwhile: look again
    }
  }
  return Status::ObjectModified(GroupResourceOf(key), parts->name);
}

size_t StoreEngine::ExpireDue() {
  const int64_t now = options_.now_ms();
  std::vector<std::string> due;
  {
    std::shared_lock lock(state_mu_);
    for (const auto& [expire_at, key] : expiry_) {
      if (expire_at > now) break;
      due.push_back(key);
    }
  }
  // Admit every delete first and wait after, so they share commits.
  std::vector<PendingPtr> admitted;
  for (const std::string& key : due) {
    std::optional<Entry> current = ReadLatest(key);
    if (!current || current->expire_at_ms == 0 || current->expire_at_ms > now) continue;
    PendingPtr write = PrepareDelete(key, *current->object);
    if (Admit(write, current->mod_revision) == Admission::kAdmitted) admitted.push_back(write);
  }
  size_t deleted = 0;
  for (const PendingPtr& write : admitted) {
    if (Await(*write).ok()) ++deleted;
  }
  return deleted;
}

void StoreEngine::SweepLoop() {
  std::unique_lock lock(sweep_mu_);
  while (!sweep_cv_.wait_for(lock, options_.sweep_interval, [this] { return sweep_stopping_; })) {
    lock.unlock();
    ExpireDue();
    lock.lock();
  }
}

}  // namespace pk::storage
