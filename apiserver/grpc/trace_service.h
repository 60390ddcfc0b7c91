// The gRPC face of the pod-flow trace: picokube.trace.v1.TraceService (proto/trace/v1/
// trace.proto), by which the scheduler, controller-manager, kubelets and fake-cris send their
// spans. Each Record call is the request POST /debug/picokube/traces with the spans as its
// typed object, run through the handler chain: authenticated, authorized (RBAC's
// nonResourceURLs, bootstrap role picokube:trace-recorder), audited and limited like every
// other call. The endpoint itself is tracing::WithTraceEndpoint.
#pragma once

#include <memory>

#include "apiserver/filters/chain.h"
#include "proto/trace/v1/trace.grpc.pb.h"

namespace pk::apiserver::grpcface {

// Builds the service over `chain` (the handler chain, which must outlive the service).
std::unique_ptr<picokube::trace::v1::TraceService::Service> NewTraceService(
    const filters::Handler* chain);

}  // namespace pk::apiserver::grpcface
