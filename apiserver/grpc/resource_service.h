// The gRPC face: k8s.api.ResourceService (proto/api/resource.proto). Each call becomes the
// same transport-neutral Request a REST call would (method, path, query, credentials), with
// the object already typed, and runs through the same handler chain, admission, registry and
// store; answers come back as typed objects and errors as Kubernetes Status details.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "apimachinery/status.h"
#include "apiserver/filters/chain.h"
#include "apiserver/http/server.h"
#include "proto/api/resource.grpc.pb.h"

namespace pk::apiserver::grpcface {

// The Request of one gRPC call of `method` on `path`, typed: the caller's credentials come
// from the call's metadata (authorization, impersonate-*, audit-id) as REST's from its headers,
// and from the TLS peer's certificate.
Request CallRequest(grpc::ServerContextBase* context, const char* method, std::string path);

// Builds the service over `chain` (the handler chain, which must outlive the service).
std::unique_ptr<k8s::api::ResourceService::Service> NewResourceService(
    const filters::Handler* chain);

// A gRPC status carrying `status`: the code closest to its HTTP code, its message, and the
// serialized k8s.meta.v1.Status as details. OK for an OK status.
grpc::Status ToGrpcStatus(const Status& status);
// The reverse is the clients' job: client::FromGrpcStatus (client/errors.h).

struct ServerOptions {
  std::string address = "127.0.0.1";
  int port = 0;             // 0: any free port; -1: no TCP listener
  std::string unix_socket;  // also listen on this unix socket when set
  // TLS on both listeners when set; client certificates are asked for, not required, and
  // verified by the authenticator in the chain (http::TlsOptions).
  http::TlsOptions tls;
};

// A running gRPC server for one service, or several on one port.
class GrpcServer {
 public:
  static Result<std::unique_ptr<GrpcServer>> Start(const ServerOptions& options,
                                                   std::unique_ptr<grpc::Service> service);
  static Result<std::unique_ptr<GrpcServer>> Start(
      const ServerOptions& options, std::vector<std::unique_ptr<grpc::Service>> services);
  ~GrpcServer();
  int port() const { return port_; }
  void Stop();

 private:
  GrpcServer() = default;
  std::vector<std::unique_ptr<grpc::Service>> services_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace pk::apiserver::grpcface
