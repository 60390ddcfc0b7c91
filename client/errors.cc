// One implementation of the gRPC -> Kubernetes error mapping, shared by the apiserver's gRPC
// face (apiserver/grpc/status_mapping.cc) and every client.
#include "client/errors.h"

#include "apimachinery/api_status.h"
#include "proto/meta/v1/meta.pb.h"

namespace pk::client {

Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return Status();
  k8s::meta::v1::Status api;
  if (!status.error_details().empty() && api.ParseFromString(status.error_details())) {
    return FromApiStatus(api);
  }
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      return Status(Reason::kServiceUnavailable, status.error_message());
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return Status::Timeout(status.error_message());
    case grpc::StatusCode::UNAUTHENTICATED:
      return Status::Unauthorized(status.error_message());
    default:
      return Status::InternalError(status.error_message());
  }
}

}  // namespace pk::client
