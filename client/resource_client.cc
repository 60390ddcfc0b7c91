// Each verb: build the ResourceRef and Options, call with credentials and deadline, map the
// gRPC error once (FromGrpcStatus), parse the typed answer.
#include "client/resource_client.h"

#include <fmt/format.h>

#include "apimachinery/object.h"
#include "client/errors.h"
#include "client/watch_stream.h"

namespace pk::client {

Connection::Connection(std::shared_ptr<grpc::Channel> channel, std::string bearer_token,
                       std::chrono::milliseconds timeout)
    : service_(k8s::api::ResourceService::NewStub(std::move(channel))),
      token_(std::move(bearer_token)),
      timeout_(timeout) {}

void Connection::Prepare(grpc::ClientContext* context, bool unary) const {
  if (!token_.empty()) context->AddMetadata("authorization", "Bearer " + token_);
  if (unary) context->set_deadline(std::chrono::system_clock::now() + timeout_);
}

void CallCanceller::Cancel() {
  std::lock_guard lock(mu_);
  cancelled_ = true;
  for (grpc::ClientContext* context : contexts_) context->TryCancel();
}

bool CallCanceller::cancelled() const {
  std::lock_guard lock(mu_);
  return cancelled_;
}

bool CallCanceller::Attach(grpc::ClientContext* context) {
  std::lock_guard lock(mu_);
  if (cancelled_) return false;
  contexts_.insert(context);
  return true;
}

void CallCanceller::Detach(grpc::ClientContext* context) {
  std::lock_guard lock(mu_);
  contexts_.erase(context);
}

namespace {

void SetWrite(const WriteOptions& in, k8s::api::Options* out) {
  out->set_dry_run(in.dry_run);
  out->set_field_manager(in.field_manager);
  out->set_force(in.force);
}

void SetList(const ListOptions& in, k8s::api::Options* out) {
  out->set_label_selector(in.label_selector);
  out->set_field_selector(in.field_selector);
  out->set_resource_version(in.resource_version);
  out->set_resource_version_match(in.resource_version_match);
  out->set_continue_(in.continue_token);
  out->set_limit(in.limit);
  out->set_timeout_seconds(in.timeout_seconds);
  out->set_allow_watch_bookmarks(in.allow_watch_bookmarks);
}

}  // namespace

ResourceClient::ResourceClient(std::shared_ptr<const Connection> connection,
                               const ResourceType* type, std::string ns)
    : connection_(std::move(connection)), type_(type), ns_(type->namespaced ? std::move(ns) : "") {}

ResourceClient ResourceClient::WithTimeout(std::chrono::milliseconds timeout) const {
  ResourceClient copy = *this;
  copy.timeout_ = timeout;
  return copy;
}

void ResourceClient::Prepare(grpc::ClientContext* context) const {
  connection_->Prepare(context, true);
  if (timeout_) context->set_deadline(std::chrono::system_clock::now() + *timeout_);
}

Status ResourceClient::Cancelled() { return Status::Timeout("the call was cancelled"); }

k8s::api::ResourceRef ResourceClient::Ref(const std::string& name,
                                          const std::string& subresource) const {
  k8s::api::ResourceRef ref;
  ref.set_group(type_->kind.group);
  ref.set_version(type_->kind.version);
  ref.set_resource(type_->resource);
  ref.set_namespace_(ns_);
  ref.set_name(name);
  ref.set_subresource(subresource);
  return ref;
}

Result<ObjectPtr> ParseObject(const ResourceType& type, const k8s::api::Object& object) {
  std::shared_ptr<google::protobuf::Message> out = type.New();
  if (!out->ParseFromString(object.data())) {
    return Status::InternalError(
        fmt::format("the server sent a {} that does not parse", type.prototype->GetTypeName()));
  }
  return ObjectPtr(std::move(out));
}

Result<ObjectPtr> ResourceClient::Parse(const k8s::api::Object& object) const {
  return ParseObject(*type_, object);
}

Result<ObjectPtr> ResourceClient::Create(const google::protobuf::Message& object,
                                         const WriteOptions& options) const {
  k8s::api::ObjectResponse out;
  PK_RETURN_IF_ERROR(CreateAt("", "", object, options, &out));
  return Parse(out.object());
}

Status ResourceClient::CreateSubresource(const std::string& name, const std::string& subresource,
                                         const google::protobuf::Message& object,
                                         const WriteOptions& options) const {
  k8s::api::ObjectResponse out;
  return CreateAt(name, subresource, object, options, &out);
}

Status ResourceClient::CreateAt(const std::string& name, const std::string& subresource,
                                const google::protobuf::Message& object,
                                const WriteOptions& options, k8s::api::ObjectResponse* out) const {
  k8s::api::ObjectRequest in;
  *in.mutable_ref() = Ref(name, subresource);
  in.mutable_object()->set_type(object.GetTypeName());
  object.SerializeToString(in.mutable_object()->mutable_data());
  SetWrite(options, in.mutable_options());
  return Invoke(&k8s::api::ResourceService::Stub::Create, in, out);
}

Result<ObjectPtr> ResourceClient::Get(const std::string& name) const {
  k8s::api::ObjectRequest in;
  *in.mutable_ref() = Ref(name, "");
  k8s::api::ObjectResponse out;
  PK_RETURN_IF_ERROR(Invoke(&k8s::api::ResourceService::Stub::Get, in, &out));
  return Parse(out.object());
}

Result<RawList> ResourceClient::List(const ListOptions& options) const {
  k8s::api::ObjectRequest in;
  *in.mutable_ref() = Ref("", "");
  SetList(options, in.mutable_options());
  k8s::api::ListResponse out;
  PK_RETURN_IF_ERROR(
      Invoke(&k8s::api::ResourceService::Stub::List, in, &out, options.cancel.get()));
  RawList list;
  list.metadata = out.metadata();
  list.items.reserve(out.items_size());
  for (const std::string& data : out.items()) {
    k8s::api::Object object;
    object.set_data(data);
    auto item = Parse(object);
    if (!item.ok()) return item.take_status();
    list.items.push_back(std::move(item).value());
  }
  return list;
}

Result<ObjectPtr> ResourceClient::Update(const google::protobuf::Message& object,
                                         const std::string& subresource,
                                         const WriteOptions& options) const {
  k8s::api::ObjectRequest in;
  const k8s::meta::v1::ObjectMeta* meta = GetObjectMeta(object);
  *in.mutable_ref() = Ref(meta != nullptr ? meta->name() : "", subresource);
  in.mutable_object()->set_type(object.GetTypeName());
  object.SerializeToString(in.mutable_object()->mutable_data());
  SetWrite(options, in.mutable_options());
  k8s::api::ObjectResponse out;
  PK_RETURN_IF_ERROR(Invoke(&k8s::api::ResourceService::Stub::Update, in, &out));
  return Parse(out.object());
}

Result<ObjectPtr> ResourceClient::Patch(const std::string& name, const std::string& patch_type,
                                        const std::string& patch, const WriteOptions& options,
                                        const std::string& subresource) const {
  k8s::api::PatchRequest in;
  *in.mutable_ref() = Ref(name, subresource);
  in.set_patch_type(patch_type);
  in.set_patch(patch);
  SetWrite(options, in.mutable_options());
  k8s::api::ObjectResponse out;
  PK_RETURN_IF_ERROR(Invoke(&k8s::api::ResourceService::Stub::Patch, in, &out));
  return Parse(out.object());
}

Result<ObjectPtr> ResourceClient::Delete(const std::string& name,
                                         const DeleteOptions& options) const {
  k8s::api::ObjectRequest in;
  *in.mutable_ref() = Ref(name, "");
  auto* o = in.mutable_options();
  if (options.grace_period_seconds) o->set_grace_period_seconds(*options.grace_period_seconds);
  if (!options.precondition_uid.empty())
    o->mutable_preconditions()->set_uid(options.precondition_uid);
  if (!options.precondition_resource_version.empty()) {
    o->mutable_preconditions()->set_resource_version(options.precondition_resource_version);
  }
  o->set_dry_run(options.dry_run);
  o->set_propagation_policy(options.propagation_policy);
  k8s::api::ObjectResponse out;
  PK_RETURN_IF_ERROR(Invoke(&k8s::api::ResourceService::Stub::Delete, in, &out));
  if (out.object().data().empty()) return ObjectPtr();
  return Parse(out.object());
}

Result<std::unique_ptr<WatchStream>> ResourceClient::Watch(const ListOptions& options) const {
  k8s::api::ObjectRequest in;
  *in.mutable_ref() = Ref("", "");
  SetList(options, in.mutable_options());
  auto context = std::make_unique<grpc::ClientContext>();
  connection_->Prepare(context.get(), false);
  return StartGrpcWatch(
      connection_, std::move(context), in,
      [type = type_](const k8s::api::Object& o) { return ParseObject(*type, o); });
}

}  // namespace pk::client
