// Kubernetes Status <-> gRPC status: the code nearest the HTTP code, the full Status in the
// details so that a client sees the same reason, message and causes as over REST.
#include "apimachinery/api_status.h"
#include "apiserver/grpc/resource_service.h"

namespace pk::apiserver::grpcface {
namespace {

grpc::StatusCode CodeFor(const Status& status) {
  switch (status.reason()) {
    case Reason::kNotFound:
      return grpc::StatusCode::NOT_FOUND;
    case Reason::kAlreadyExists:
      return grpc::StatusCode::ALREADY_EXISTS;
    case Reason::kConflict:
      return grpc::StatusCode::ABORTED;
    case Reason::kInvalid:
    case Reason::kBadRequest:
    case Reason::kUnsupportedMediaType:
    case Reason::kNotAcceptable:
      return grpc::StatusCode::INVALID_ARGUMENT;
    case Reason::kMethodNotAllowed:
      return grpc::StatusCode::UNIMPLEMENTED;
    case Reason::kGone:
    case Reason::kExpired:
      return grpc::StatusCode::OUT_OF_RANGE;
    case Reason::kForbidden:
      return grpc::StatusCode::PERMISSION_DENIED;
    case Reason::kUnauthorized:
      return grpc::StatusCode::UNAUTHENTICATED;
    case Reason::kTooManyRequests:
    case Reason::kRequestEntityTooLarge:
      return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case Reason::kTimeout:
    case Reason::kServerTimeout:
      return grpc::StatusCode::DEADLINE_EXCEEDED;
    case Reason::kServiceUnavailable:
      return grpc::StatusCode::UNAVAILABLE;
    case Reason::kInternalError:
    case Reason::kUnknown:
      break;
  }
  return grpc::StatusCode::INTERNAL;
}

}  // namespace

grpc::Status ToGrpcStatus(const Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(CodeFor(status), status.message(), ToApiStatus(status).SerializeAsString());
}

}  // namespace pk::apiserver::grpcface
