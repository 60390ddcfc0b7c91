// The TraceService the apiserver serves: components' spans into a TraceStore.
#pragma once

#include <memory>

#include "proto/trace/v1/trace.grpc.pb.h"
#include "trace/store.h"

namespace pk::trace {

// `store` must outlive the service.
std::unique_ptr<picokube::trace::v1::TraceService::Service> NewTraceService(TraceStore* store);

}  // namespace pk::trace
