#include "apiserver/registry/registry.h"

#include <fmt/format.h>

#include "apimachinery/object.h"
#include "apimachinery/time.h"
#include "apiserver/registry/names.h"
#include "trace/request_trace.h"

namespace pk::registry {
namespace {

using google::protobuf::Message;
using k8s::meta::v1::ObjectMeta;

MessagePtr Copy(const Message& m) {
  MessagePtr copy(m.New());
  copy->CopyFrom(m);
  return copy;
}

// The store speaks of keys; clients expect the resource and name.
Status Translate(Status s, const GroupResource& resource, const std::string& name) {
  if (s.reason() == Reason::kNotFound) return Status::NotFound(resource, name);
  if (s.reason() == Reason::kAlreadyExists) return Status::AlreadyExists(resource, name);
  return s;
}

// Replaces `to`'s field named `field` with `from`'s (both of one message type).
void CopyField(const Message& from, Message* to, const char* field) {
  const auto* fd = to->GetDescriptor()->FindFieldByName(field);
  if (fd == nullptr) return;
  const auto* reflection = to->GetReflection();
  if (!from.GetReflection()->HasField(from, fd)) {
    reflection->ClearField(to, fd);
    return;
  }
  reflection->MutableMessage(to, fd)->CopyFrom(from.GetReflection()->GetMessage(from, fd));
}

// What an update cannot change: the object's identity, creation and deletion state, and
// its generation (the strategy bumps that); the store assigns the resourceVersion.
void CarryOverSystemFields(const ObjectMeta& old_meta, ObjectMeta* meta) {
  meta->set_name(old_meta.name());
  meta->set_namespace_(old_meta.namespace_());
  meta->set_uid(old_meta.uid());
  *meta->mutable_creation_timestamp() = old_meta.creation_timestamp();
  if (old_meta.has_deletion_timestamp()) {
    *meta->mutable_deletion_timestamp() = old_meta.deletion_timestamp();
  } else {
    meta->clear_deletion_timestamp();
  }
  if (old_meta.has_deletion_grace_period_seconds()) {
    meta->set_deletion_grace_period_seconds(old_meta.deletion_grace_period_seconds());
  } else {
    meta->clear_deletion_grace_period_seconds();
  }
  meta->set_generation(old_meta.generation());
  meta->clear_resource_version();
  if (meta->generate_name().empty()) meta->set_generate_name(old_meta.generate_name());
}

// An update carrying a resourceVersion or uid must be of the stored object.
Status CheckUpdatePreconditions(const ObjectMeta& meta, const ObjectMeta& old_meta,
                                const GroupResource& resource, const std::string& name) {
  if (!meta.resource_version().empty() && meta.resource_version() != old_meta.resource_version()) {
    return Status::ObjectModified(resource, name);
  }
  if (!meta.uid().empty() && meta.uid() != old_meta.uid()) {
    return Status::Conflict(resource, name,
                            fmt::format("Precondition failed: UID in precondition: {}, UID in "
                                        "object meta: {}",
                                        meta.uid(), old_meta.uid()));
  }
  return Status();
}

bool IsFinalized(const Strategy& strategy, const Message& object) {
  const ObjectMeta* meta = GetObjectMeta(object);
  return meta->has_deletion_timestamp() && meta->finalizers().empty() &&
         !strategy.HasPendingFinalizers(object) &&
         (!meta->has_deletion_grace_period_seconds() || meta->deletion_grace_period_seconds() == 0);
}

// Kubernetes' deletionFinalizersForGarbageCollection: the garbage collector's finalizers
// as `policy` wants them; whether they changed.
bool ApplyPropagationPolicy(const std::string& policy, ObjectMeta* meta) {
  if (policy.empty()) return false;
  const char* wanted = policy == "Orphan"       ? "orphan"
                       : policy == "Foreground" ? "foregroundDeletion"
                                                : nullptr;
  bool changed = false, has = false;
  auto* finalizers = meta->mutable_finalizers();
  for (int i = finalizers->size() - 1; i >= 0; --i) {
    const std::string& f = finalizers->Get(i);
    if (wanted != nullptr && f == wanted) {
      has = true;
    } else if (f == "orphan" || f == "foregroundDeletion") {
      finalizers->DeleteSubrange(i, 1);
      changed = true;
    }
  }
  if (wanted != nullptr && !has) {
    finalizers->Add(wanted);
    changed = true;
  }
  return changed;
}

Status CheckPreconditions(const storage::Preconditions& p, const ObjectMeta& meta,
                          const GroupResource& resource, const std::string& name) {
  if (p.uid && *p.uid != meta.uid()) {
    return Status::Conflict(resource, name,
                            fmt::format("Precondition failed: UID in precondition: {}, UID in "
                                        "object meta: {}",
                                        *p.uid, meta.uid()));
  }
  if (p.resource_version && std::to_string(*p.resource_version) != meta.resource_version()) {
    return Status::Conflict(resource, name,
                            fmt::format("Precondition failed: ResourceVersion in precondition: "
                                        "{}, ResourceVersion in object meta: {}",
                                        *p.resource_version, meta.resource_version()));
  }
  return Status();
}

}  // namespace

Registry::Registry(const ResourceType& type, storage::Store* store,
                   const admission::Chain* admission)
    : type_(type), strategy_(StrategyFor(type)), store_(store), admission_(admission) {}

std::string Registry::Key(const std::string& ns, const std::string& name) const {
  return storage::ObjectKey(type_.resource, type_.namespaced ? ns : "", name);
}

std::string Registry::Prefix(const std::string& ns) const {
  return storage::PrefixKey(type_.resource, type_.namespaced ? ns : "");
}

Result<ObjectPtr> Registry::Get(const std::string& ns, const std::string& name) const {
  auto object = store_->Get(Key(ns, name));
  if (!object.ok()) return Translate(object.take_status(), type_.group_resource(), name);
  return object;
}

Status Registry::CheckFieldSelector(const FieldSelector& selector) const {
  std::vector<std::string> supported = strategy_.FieldSelectors();
  supported.push_back("metadata.name");
  supported.push_back("metadata.namespace");
  for (const auto& r : selector.requirements()) {
    if (std::find(supported.begin(), supported.end(), r.field) == supported.end()) {
      return Status::BadRequest(fmt::format("field label not supported: {}", r.field));
    }
  }
  return Status();
}

Result<storage::ListResult> Registry::List(const std::string& ns,
                                           storage::ListOptions options) const {
  PK_RETURN_IF_ERROR(CheckFieldSelector(options.fields));
  options.prefix = Prefix(ns);
  return store_->List(options);
}

Result<std::unique_ptr<storage::Watcher>> Registry::Watch(const std::string& ns,
                                                          storage::WatchOptions options) const {
  PK_RETURN_IF_ERROR(CheckFieldSelector(options.fields));
  options.prefix = Prefix(ns);
  return store_->Watch(options);
}

admission::Attributes Registry::AttributesOf(admission::Operation operation,
                                             const WriteContext& ctx, const std::string& name,
                                             Message* object, const Message* old) const {
  return {operation, &type_, ctx.subresource, ctx.ns,     name,        ctx.user, ctx.dry_run,
          object,    old,    ctx.uid,         ctx.groups, ctx.warnings};
}

Status Registry::PrepareCreate(const WriteContext& ctx, Message* object) const {
  ObjectMeta* meta = MutableObjectMeta(object);
  if (type_.namespaced) {
    if (meta->namespace_().empty()) meta->set_namespace_(ctx.ns);
    if (meta->namespace_() != ctx.ns) {
      return Status::BadRequest(
          "the namespace of the provided object does not match the namespace sent on the request");
    }
  } else {
    meta->clear_namespace_();
  }
  strategy_.Default(object);
  admission::Attributes attributes =
      AttributesOf(admission::Operation::kCreate, ctx, meta->name(), object, nullptr);
  PK_RETURN_IF_ERROR(admission_->Admit(attributes));
  if (meta->name().empty() && !meta->generate_name().empty()) {
    meta->set_name(GenerateName(meta->generate_name()));
  }
  meta->set_uid(NewUid());
  *meta->mutable_creation_timestamp() = NowTime();
  meta->clear_deletion_timestamp();
  meta->clear_deletion_grace_period_seconds();
  meta->clear_resource_version();
  meta->clear_generation();
  if (strategy_.TracksGeneration()) meta->set_generation(1);
  strategy_.PrepareForCreate(object);
  return ValidateCreate(ctx, *object);
}

Status Registry::ValidateCreate(const WriteContext& ctx, const Message& object) const {
  trace::ScopedStep step("validation");  // the pod-flow trace; admission has its own steps
  const ObjectMeta& meta = *GetObjectMeta(object);
  Causes causes = ValidateObjectMeta(type_, meta);
  Causes more = strategy_.Validate(object);
  causes.insert(causes.end(), more.begin(), more.end());
  if (!causes.empty()) return Status::Invalid(type_.kind, meta.name(), std::move(causes));
  step.End();
  admission::Attributes attributes = AttributesOf(admission::Operation::kCreate, ctx, meta.name(),
                                                  const_cast<Message*>(&object), nullptr);
  return admission_->Validate(attributes);
}

Result<ObjectPtr> Registry::Create(const WriteContext& ctx, MessagePtr object) const {
  PK_RETURN_IF_ERROR(PrepareCreate(ctx, object.get()));
  if (ctx.dry_run) return ObjectPtr(std::move(object));
  std::string name = GetObjectMeta(*object)->name();
  auto stored = store_->Create(Key(ctx.ns, name), std::move(object));
  if (!stored.ok()) return Translate(stored.take_status(), type_.group_resource(), name);
  return stored;
}

Result<MessagePtr> Registry::PrepareUpdate(const WriteContext& ctx, const std::string& name,
                                           const Message& current, MessagePtr updated,
                                           const UpdateOptions& options) const {
  const ObjectMeta& old_meta = *GetObjectMeta(current);
  ObjectMeta* meta = MutableObjectMeta(updated.get());
  PK_RETURN_IF_ERROR(CheckUpdatePreconditions(*meta, old_meta, type_.group_resource(), name));
  if (options.status_only) {
    // A status write changes status only; everything else stays as stored.
    MessagePtr merged = Copy(current);
    CopyField(*updated, merged.get(), "status");
    *MutableObjectMeta(merged.get())->mutable_managed_fields() = meta->managed_fields();
    if (strategy_.StatusWritesAnnotations()) {
      *MutableObjectMeta(merged.get())->mutable_annotations() = meta->annotations();
    }
    updated = std::move(merged);
    meta = MutableObjectMeta(updated.get());
  }
  CarryOverSystemFields(old_meta, meta);
  if (!options.status_only) strategy_.Default(updated.get());
  admission::Attributes attributes =
      AttributesOf(admission::Operation::kUpdate, ctx, name, updated.get(), &current);
  PK_RETURN_IF_ERROR(admission_->Admit(attributes));
  if (!options.status_only) strategy_.PrepareForUpdate(updated.get(), current);
  trace::ScopedStep step("validation");  // the pod-flow trace; admission has its own steps
  Causes causes = ValidateObjectMeta(type_, *meta);
  for (Causes more : {strategy_.Validate(*updated), strategy_.ValidateUpdate(*updated, current)}) {
    causes.insert(causes.end(), more.begin(), more.end());
  }
  if (!causes.empty()) return Status::Invalid(type_.kind, name, std::move(causes));
  step.End();
  PK_RETURN_IF_ERROR(admission_->Validate(attributes));
  return updated;
}

Result<std::pair<ObjectPtr, bool>> Registry::Update(const WriteContext& ctx,
                                                    const std::string& name,
                                                    const UpdateFunc& update,
                                                    const UpdateOptions& options) const {
  bool created = false;
  auto compute = [&](const Message* current) -> Result<MessagePtr> {
    auto next = update(current);
    if (!next.ok()) return next;
    created = current == nullptr;
    if (created) {
      if (options.status_only || (!options.allow_create && !strategy_.AllowCreateOnUpdate())) {
        return Status::NotFound(type_.group_resource(), name);
      }
      ObjectMeta* meta = MutableObjectMeta(next->get());
      if (meta->name().empty()) meta->set_name(name);
      PK_RETURN_IF_ERROR(PrepareCreate(ctx, next->get()));
      return next;
    }
    return PrepareUpdate(ctx, name, *current, std::move(next).value(), options);
  };
  if (ctx.dry_run) {
    auto current = store_->Get(Key(ctx.ns, name));
    if (!current.ok() && current.status().reason() != Reason::kNotFound)
      return current.take_status();
    auto next = compute(current.ok() ? current->get() : nullptr);
    if (!next.ok()) return next.take_status();
    return std::make_pair(ObjectPtr(std::move(next).value()), created);
  }
  auto stored = store_->GuaranteedUpdate(Key(ctx.ns, name), {}, compute,
                                         /*create_if_missing=*/true);
  if (!stored.ok()) return Translate(stored.take_status(), type_.group_resource(), name);
  if (IsFinalized(strategy_, **stored)) {
    auto deleted = DeleteIfFinalized(*stored);
    if (!deleted.ok()) return deleted.take_status();
    return std::make_pair(*deleted, false);
  }
  return std::make_pair(*stored, created);
}

Result<ObjectPtr> Registry::DeleteIfFinalized(ObjectPtr object) const {
  const ObjectMeta& meta = *GetObjectMeta(*object);
  storage::Preconditions p;
  p.resource_version = std::stoll(meta.resource_version());
  auto deleted = store_->Delete(Key(meta.namespace_(), meta.name()), p);
  // Someone changed it since (a finalizer came back): the newer state stands.
  if (!deleted.ok() && deleted.status().reason() == Reason::kConflict) return object;
  if (!deleted.ok() && deleted.status().reason() == Reason::kNotFound) return object;
  return deleted;
}

Result<MessagePtr> Registry::MarkDeleted(const WriteContext& ctx, const Message& current,
                                         std::optional<int64_t> grace, bool graceful) const {
  MessagePtr marked = Copy(current);
  ObjectMeta* meta = MutableObjectMeta(marked.get());
  int64_t seconds = graceful ? grace.value_or(0) : 0;
  Timestamp now = NowTimestamp();
  bool shorter =
      meta->has_deletion_grace_period_seconds() && seconds < meta->deletion_grace_period_seconds();
  if (!meta->has_deletion_timestamp() || (graceful && shorter)) {
    meta->mutable_deletion_timestamp()->set_seconds(now.seconds + seconds);
    meta->set_deletion_grace_period_seconds(seconds);
  }
  strategy_.PrepareForDelete(marked.get());
  meta->clear_resource_version();
  return marked;
}

Result<DeleteResult> Registry::Delete(const WriteContext& ctx, const std::string& name,
                                      const DeleteOptions& options) const {
  auto current = Get(ctx.ns, name);
  if (!current.ok()) return current.take_status();
  const ObjectMeta& meta = *GetObjectMeta(**current);
  PK_RETURN_IF_ERROR(CheckPreconditions(options.preconditions, meta, type_.group_resource(), name));
  admission::Attributes attributes =
      AttributesOf(admission::Operation::kDelete, ctx, name, nullptr, current->get());
  PK_RETURN_IF_ERROR(admission_->Validate(attributes));
  std::optional<int64_t> grace = options.grace_period_seconds;
  bool graceful = strategy_.CheckGracefulDelete(**current, &grace);
  ObjectMeta after = meta;
  ApplyPropagationPolicy(options.propagation_policy, &after);
  bool pending = !after.finalizers().empty() || strategy_.HasPendingFinalizers(**current);
  if (!graceful && !pending) {
    if (ctx.dry_run) return DeleteResult{*current, true};
    auto deleted = store_->Delete(Key(ctx.ns, name), options.preconditions);
    if (!deleted.ok()) return Translate(deleted.take_status(), type_.group_resource(), name);
    return DeleteResult{*deleted, true};
  }
  auto mark = [&](const Message* now) -> Result<MessagePtr> {
    auto marked = MarkDeleted(ctx, *now, grace, graceful);
    if (marked.ok()) {
      ApplyPropagationPolicy(options.propagation_policy, MutableObjectMeta(marked->get()));
    }
    return marked;
  };
  if (ctx.dry_run) {
    auto marked = mark(current->get());
    if (!marked.ok()) return marked.take_status();
    return DeleteResult{ObjectPtr(std::move(marked).value()), false};
  }
  auto stored = store_->GuaranteedUpdate(Key(ctx.ns, name), options.preconditions, mark);
  if (!stored.ok()) return Translate(stored.take_status(), type_.group_resource(), name);
  if (IsFinalized(strategy_, **stored)) {
    // Its finalizers went between the read above and the mark (a concurrent update):
    // nothing holds it any more, and no later update would remove it.
    auto deleted = DeleteIfFinalized(*stored);
    if (!deleted.ok()) return deleted.take_status();
    return DeleteResult{*deleted, *deleted != *stored};
  }
  return DeleteResult{*stored, false};
}

Result<ObjectPtr> Registry::Mutate(const WriteContext& ctx, const std::string& name,
                                   const MutateFunc& mutate) const {
  auto update = [&](const Message* current) -> Result<MessagePtr> {
    if (current == nullptr) return Status::NotFound(type_.group_resource(), name);
    MessagePtr next = Copy(*current);
    PK_RETURN_IF_ERROR(mutate(next.get()));
    MutableObjectMeta(next.get())->clear_resource_version();
    admission::Attributes attributes =
        AttributesOf(admission::Operation::kUpdate, ctx, name, next.get(), current);
    PK_RETURN_IF_ERROR(admission_->Admit(attributes));
    PK_RETURN_IF_ERROR(admission_->Validate(attributes));
    return next;
  };
  if (ctx.dry_run) {
    auto current = Get(ctx.ns, name);
    if (!current.ok()) return current.take_status();
    auto next = update(current->get());
    if (!next.ok()) return next.take_status();
    return ObjectPtr(std::move(next).value());
  }
  auto stored = store_->GuaranteedUpdate(Key(ctx.ns, name), {}, update);
  if (!stored.ok()) return Translate(stored.take_status(), type_.group_resource(), name);
  if (IsFinalized(strategy_, **stored)) return DeleteIfFinalized(*stored);
  return stored;
}

}  // namespace pk::registry
