#include "apiserver/grpc/resource_service.h"

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "apimachinery/api_status.h"
#include "apimachinery/codec.h"
#include "apimachinery/object.h"
#include "apimachinery/scheme.h"
#include "apiserver/endpoints/encode.h"
#include "apiserver/grpc/watch_reactor.h"

namespace pk::apiserver::grpcface {
namespace {

using google::protobuf::Message;
namespace api = k8s::api;

// The REST path of a reference, so that request info is parsed exactly as for REST.
std::string PathOf(const api::ResourceRef& ref) {
  std::string path =
      ref.group().empty() ? "/api/" + ref.version() : "/apis/" + ref.group() + "/" + ref.version();
  if (ref.resource() == "namespaces") {
    path += "/namespaces";
    if (!ref.name().empty()) path += "/" + ref.name();
  } else {
    if (!ref.namespace_().empty()) path += "/namespaces/" + ref.namespace_();
    path += "/" + ref.resource();
    if (!ref.name().empty()) path += "/" + ref.name();
  }
  if (!ref.subresource().empty()) path += "/" + ref.subresource();
  return path;
}

void AddQuery(const api::Options& o, Request* r) {
  auto add = [r](const char* key, const std::string& value) {
    if (!value.empty()) r->query.emplace(key, value);
  };
  if (o.dry_run()) add("dryRun", "All");
  add("fieldManager", o.field_manager());
  add("fieldValidation", o.field_validation());
  if (o.force()) add("force", "true");
  add("labelSelector", o.label_selector());
  add("fieldSelector", o.field_selector());
  if (o.limit() > 0) add("limit", std::to_string(o.limit()));
  add("continue", o.continue_());
  add("resourceVersion", o.resource_version());
  add("resourceVersionMatch", o.resource_version_match());
  if (o.allow_watch_bookmarks()) add("allowWatchBookmarks", "true");
  if (o.timeout_seconds() > 0) add("timeoutSeconds", std::to_string(o.timeout_seconds()));
  if (o.has_grace_period_seconds()) {
    add("gracePeriodSeconds", std::to_string(o.grace_period_seconds()));
  }
  add("propagationPolicy", o.propagation_policy());
}

// A message of a registered kind from its name and bytes; BadRequest otherwise.
Result<std::shared_ptr<Message>> DecodeObject(const api::Object& object) {
  const auto* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(object.type());
  if (descriptor == nullptr || !Scheme::Builtin().KindOf(descriptor)) {
    return Status::BadRequest(fmt::format("unknown object type \"{}\"", object.type()));
  }
  std::shared_ptr<Message> message(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(descriptor)->New());
  if (!message->ParseFromString(object.data())) {
    return Status::BadRequest(fmt::format("the {} does not parse", object.type()));
  }
  return message;
}

void SetObject(const Message& message, api::Object* out) {
  out->set_type(message.GetDescriptor()->full_name());
  message.SerializeToString(out->mutable_data());
}

// The IP address of gRPC's peer "ipv4:127.0.0.1:5000" or "ipv6:[::1]:5000" (the audit
// log's sourceIPs); empty for a unix socket.
std::string PeerAddress(const std::string& peer) {
  size_t scheme = peer.find(':');
  if (scheme == std::string::npos || !peer.starts_with("ip")) return "";
  std::string host = peer.substr(scheme + 1, peer.rfind(':') - scheme - 1);
  if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);
  return host;
}

Request NewRequest(grpc::ServerContextBase* context, const char* method,
                   const api::ResourceRef& ref, const api::Options& options) {
  Request r = CallRequest(context, method, PathOf(ref));
  AddQuery(options, &r);
  return r;
}

// Unary calls run on gRPC's sync threads; Watch uses the callback API (watch_reactor.h).
class ResourceService final
    : public api::ResourceService::WithCallbackMethod_Get<
          api::ResourceService::WithCallbackMethod_Watch<api::ResourceService::Service>> {
 public:
  explicit ResourceService(const filters::Handler* chain) : chain_(chain), pumps_(4) {}

  grpc::Status Create(grpc::ServerContext* c, const api::ObjectRequest* in,
                      api::ObjectResponse* out) override {
    return WithObject(c, "POST", *in, out);
  }
  // Reads never block (the store serves them from memory), so they run on gRPC's callback
  // threads directly: no thread hand-off per call.
  grpc::ServerUnaryReactor* Get(grpc::CallbackServerContext* c, const api::ObjectRequest* in,
                                api::ObjectResponse* out) override {
    Request r = NewRequest(c, "GET", in->ref(), in->options());
    auto* reactor = c->DefaultReactor();
    reactor->Finish(AnswerObject((*chain_)(r), r, out));
    return reactor;
  }
  grpc::Status Update(grpc::ServerContext* c, const api::ObjectRequest* in,
                      api::ObjectResponse* out) override {
    return WithObject(c, "PUT", *in, out);
  }
  grpc::Status Delete(grpc::ServerContext* c, const api::ObjectRequest* in,
                      api::ObjectResponse* out) override {
    Request r = NewRequest(c, "DELETE", in->ref(), in->options());
    if (in->options().has_preconditions()) {
      k8s::meta::v1::DeleteOptions body;
      *body.mutable_preconditions() = in->options().preconditions();
      r.body = json::Encode(body);
    }
    return AnswerObject((*chain_)(r), r, out);
  }
  grpc::Status Patch(grpc::ServerContext* c, const api::PatchRequest* in,
                     api::ObjectResponse* out) override {
    Request r = NewRequest(c, "PATCH", in->ref(), in->options());
    r.headers["content-type"] = in->patch_type();
    r.body = in->patch();
    return AnswerObject((*chain_)(r), r, out);
  }
  grpc::Status List(grpc::ServerContext* c, const api::ObjectRequest* in,
                    api::ListResponse* out) override {
    Request r = NewRequest(c, "GET", in->ref(), in->options());
    return AnswerList((*chain_)(r), out);
  }
  grpc::Status DeleteCollection(grpc::ServerContext* c, const api::ObjectRequest* in,
                                api::ListResponse* out) override {
    Request r = NewRequest(c, "DELETE", in->ref(), in->options());
    return AnswerList((*chain_)(r), out);
  }
  grpc::ServerWriteReactor<api::WatchEvent>* Watch(grpc::CallbackServerContext* c,
                                                   const api::ObjectRequest* in) override;

 private:
  grpc::Status WithObject(grpc::ServerContext* c, const char* method, const api::ObjectRequest& in,
                          api::ObjectResponse* out) {
    Request r = NewRequest(c, method, in.ref(), in.options());
    if (in.has_object()) {
      auto object = DecodeObject(in.object());
      if (!object.ok()) return ToGrpcStatus(object.status());
      r.object = std::move(object).value();
    }
    return AnswerObject((*chain_)(r), r, out);
  }

  static grpc::Status AnswerObject(const Response& response, const Request& request,
                                   api::ObjectResponse* out) {
    if (!response.error.ok()) return ToGrpcStatus(response.error);
    if (response.object) SetObject(*response.object, out->mutable_object());
    out->set_created(response.code == 201);
    for (const auto& w : request.warnings) out->add_warnings(w);
    return grpc::Status::OK;
  }

  static grpc::Status AnswerList(const Response& response, api::ListResponse* out) {
    if (!response.error.ok()) return ToGrpcStatus(response.error);
    if (!response.list) return grpc::Status(grpc::StatusCode::INTERNAL, "no list in the answer");
    const storage::ListResult& list = *response.list;
    out->mutable_metadata()->set_resource_version(std::to_string(list.revision));
    out->mutable_metadata()->set_continue_(list.continue_token);
    if (list.remaining_item_count) {
      out->mutable_metadata()->set_remaining_item_count(*list.remaining_item_count);
    }
    for (const auto& item : list.items) {
      out->set_type(item->GetDescriptor()->full_name());
      item->SerializeToString(out->add_items());
    }
    return grpc::Status::OK;
  }

  const filters::Handler* const chain_;
  WatchPumps pumps_;
};

// A reactor that only reports `status` (a watch refused before it started).
class Refused : public grpc::ServerWriteReactor<api::WatchEvent> {
 public:
  explicit Refused(grpc::Status status) { Finish(std::move(status)); }
  void OnDone() override { delete this; }
};

grpc::ServerWriteReactor<api::WatchEvent>* ResourceService::Watch(grpc::CallbackServerContext* c,
                                                                  const api::ObjectRequest* in) {
  Request r = NewRequest(c, "GET", in->ref(), in->options());
  r.query.emplace("watch", "true");
  Response response = (*chain_)(r);
  if (!response.error.ok()) return new Refused(ToGrpcStatus(response.error));
  if (!response.watcher) {
    return new Refused(grpc::Status(grpc::StatusCode::INTERNAL, "no watch in the answer"));
  }
  const ResourceType* type =
      Scheme::Builtin().FindResource(in->ref().group(), in->ref().resource());
  constexpr int64_t kMaxTimeoutSeconds = 365LL * 24 * 3600;
  std::chrono::seconds timeout(std::min(in->options().timeout_seconds(), kMaxTimeoutSeconds));
  return NewWatchReactor(std::move(response.watcher), type,
                         std::chrono::duration_cast<std::chrono::milliseconds>(timeout), &pumps_);
}

}  // namespace

Request CallRequest(grpc::ServerContextBase* context, const char* method, std::string path) {
  Request r;
  r.method = method;
  r.path = std::move(path);
  r.typed = true;
  r.peer_address = PeerAddress(context->peer());
  for (const auto& [key, value] : context->client_metadata()) {
    std::string name(key.data(), key.size());
    if (name == "authorization" || name.rfind("impersonate-", 0) == 0 || name == "audit-id") {
      r.headers[name] = std::string(value.data(), value.size());
    }
  }
  auto auth = context->auth_context();
  if (auth) {
    auto pem = auth->FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME);
    if (!pem.empty()) {
      r.client_certificate = std::make_shared<const std::string>(pem[0].data(), pem[0].size());
    }
  }
  return r;
}

std::unique_ptr<api::ResourceService::Service> NewResourceService(const filters::Handler* chain) {
  return std::make_unique<ResourceService>(chain);
}

namespace {

Result<std::string> ReadPem(const char* flag, const std::string& file) {
  std::ifstream in(file);
  std::stringstream text;
  if (in) text << in.rdbuf();
  if (!in || text.str().empty())
    return Status::BadRequest(fmt::format("{} {}: cannot read it", flag, file));
  return text.str();
}

// TLS as the REST face has it: the client's certificate asked for, verified by the chain's
// authenticator (so one without a certificate can still present a token).
Result<std::shared_ptr<grpc::ServerCredentials>> ServerCredentials(const http::TlsOptions& tls) {
  if (!tls.enabled()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions ssl(GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_BUT_DONT_VERIFY);
  auto cert = ReadPem("--tls-cert-file", tls.cert_file);
  if (!cert.ok()) return cert.take_status();
  auto key = ReadPem("--tls-private-key-file", tls.key_file);
  if (!key.ok()) return key.take_status();
  ssl.pem_key_cert_pairs.push_back({*key, *cert});
  if (!tls.client_ca_file.empty()) {
    auto roots = ReadPem("--client-ca-file", tls.client_ca_file);
    if (!roots.ok()) return roots.take_status();
    ssl.pem_root_certs = *roots;
  }
  return grpc::SslServerCredentials(ssl);
}

}  // namespace

Result<std::unique_ptr<GrpcServer>> GrpcServer::Start(const ServerOptions& options,
                                                      std::unique_ptr<grpc::Service> service) {
  std::vector<std::unique_ptr<grpc::Service>> services;
  services.push_back(std::move(service));
  return Start(options, std::move(services));
}

Result<std::unique_ptr<GrpcServer>> GrpcServer::Start(
    const ServerOptions& options, std::vector<std::unique_ptr<grpc::Service>> services) {
  std::unique_ptr<GrpcServer> server(new GrpcServer());
  grpc::ServerBuilder builder;
  auto credentials = ServerCredentials(options.tls);
  if (!credentials.ok()) return credentials.take_status();
  if (options.port >= 0) {
    builder.AddListeningPort(fmt::format("{}:{}", options.address, options.port), *credentials,
                             &server->port_);
  }
  if (!options.unix_socket.empty()) {
    builder.AddListeningPort("unix:" + options.unix_socket, *credentials);
  }
  // gRPC's sync server keeps at most 2 idle polling threads by default and creates and ends
  // threads per burst of calls; a standing pool serves concurrent clients without churn. A
  // write holds its thread until its group commit is synced, so the pool must outlast as many
  // writers as there are clients: with 32, 64 writers made the server end and re-create
  // threads all the time (gRPC creates/s at 64 clients: 900 with 32, 2,200 with 256).
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 4);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 256);
  for (const auto& service : services) builder.RegisterService(service.get());
  server->services_ = std::move(services);
  server->server_ = builder.BuildAndStart();
  if (!server->server_ || (options.port >= 0 && server->port_ == 0)) {
    return Status::InternalError(
        fmt::format("gRPC: cannot listen on {}:{}{}", options.address, options.port,
                    options.unix_socket.empty() ? "" : " or unix:" + options.unix_socket));
  }
  return server;
}

GrpcServer::~GrpcServer() { Stop(); }

void GrpcServer::Stop() {
  if (server_) {
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    server_->Wait();
    server_.reset();
  }
}

}  // namespace pk::apiserver::grpcface
