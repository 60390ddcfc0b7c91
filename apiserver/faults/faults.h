// Fault injection for scenarios and teaching (off unless the apiserver runs with
// --fault-injection): a delay added to every write of the store, as a slow disk under etcd
// would add. Set at runtime through the apiserver's own API:
//
//   kubectl create --raw /debug/picokube/faults -f - <<< '{"storeWriteLatency":"200ms"}'
//   kubectl get --raw /debug/picokube/faults        # what is injected now
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string_view>

#include "apiserver/endpoints/request.h"
#include "apiserver/storage/store.h"

namespace pk::apiserver::faults {

inline constexpr std::string_view kFaultsPath = "/debug/picokube/faults";

// What is injected now; read on every write, set by the endpoint.
struct Faults {
  std::atomic<int64_t> store_write_latency_ms{0};
};

// Every Create, GuaranteedUpdate and Delete of `store` first waits the injected latency (in
// the request's thread, as a slow commit would hold it). `faults` must outlive the store.
std::unique_ptr<storage::Store> NewFaultyStore(std::unique_ptr<storage::Store> store,
                                               const Faults* faults);

// Serves kFaultsPath: GET answers the faults as JSON; POST or PUT of
// {"storeWriteLatency": "DURATION"} sets them. Other paths go to `next`.
std::function<Response(Request&)> WithFaultsEndpoint(std::function<Response(Request&)> next,
                                                     Faults* faults);

}  // namespace pk::apiserver::faults
