// Errors as a client sees them: the apiserver's gRPC statuses turned back into the Kubernetes
// Status (reason, code, message, causes) they carry, and the predicates controllers branch on
// (k8s.io/apimachinery/pkg/api/errors IsNotFound, IsConflict...). Thread-safe (pure functions).
#pragma once

#include <grpcpp/grpcpp.h>

#include "apimachinery/status.h"

namespace pk::client {

// The Kubernetes Status in the gRPC error details; without details (the apiserver is down,
// the deadline passed, the channel failed) one made from the gRPC code: UNAVAILABLE is
// ServiceUnavailable (503), DEADLINE_EXCEEDED Timeout (504), UNAUTHENTICATED Unauthorized
// (401), CANCELLED and the rest InternalError (500). OK for an OK status.
Status FromGrpcStatus(const grpc::Status& status);

inline bool IsNotFound(const Status& s) { return s.reason() == Reason::kNotFound; }
inline bool IsAlreadyExists(const Status& s) { return s.reason() == Reason::kAlreadyExists; }
inline bool IsConflict(const Status& s) { return s.reason() == Reason::kConflict; }
inline bool IsInvalid(const Status& s) { return s.reason() == Reason::kInvalid; }
// 410: the resourceVersion left the server's window; list again.
inline bool IsExpired(const Status& s) {
  return !s.ok() &&
         (s.reason() == Reason::kExpired || s.reason() == Reason::kGone || s.code() == 410);
}
// The server could not be reached or did not answer in time: retry later.
inline bool IsUnavailable(const Status& s) {
  return s.reason() == Reason::kServiceUnavailable || s.reason() == Reason::kTimeout;
}

}  // namespace pk::client
