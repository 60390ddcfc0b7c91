#include "apiserver/faults/faults.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "apimachinery/time.h"
#include "apiserver/endpoints/encode.h"
#include "apiserver/storage/forwarding_store.h"

namespace pk::apiserver::faults {
namespace {

using storage::ObjectPtr;

class FaultyStore final : public storage::ForwardingStore {
 public:
  FaultyStore(std::unique_ptr<storage::Store> store, const Faults* faults)
      : ForwardingStore(std::move(store)), faults_(faults) {}

  Result<ObjectPtr> Create(const std::string& key, std::unique_ptr<google::protobuf::Message> o,
                           const storage::WriteOptions& options) override {
    Delay();
    return inner().Create(key, std::move(o), options);
  }
  Result<ObjectPtr> GuaranteedUpdate(const std::string& key, const storage::Preconditions& p,
                                     const UpdateFunc& update, bool create_if_missing,
                                     const storage::WriteOptions& options) override {
    Delay();
    return inner().GuaranteedUpdate(key, p, update, create_if_missing, options);
  }
  Result<ObjectPtr> Delete(const std::string& key, const storage::Preconditions& p) override {
    Delay();
    return inner().Delete(key, p);
  }

 private:
  void Delay() const {
    int64_t ms = faults_->store_write_latency_ms.load(std::memory_order_relaxed);
    if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  }
  const Faults* faults_;
};

Response Json(const Faults& faults) {
  Response r;
  r.body = nlohmann::json{{"storeWriteLatency",
                           FormatGoDuration(faults.store_write_latency_ms.load() * 1000000)}}
               .dump() +
           "\n";
  return r;
}

Response Set(const Request& request, Faults* faults) {
  nlohmann::json body = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  const char* usage = R"(send {"storeWriteLatency": "200ms"} (a duration; "0s" removes it))";
  if (!body.is_object() || body.size() != 1 || !body.contains("storeWriteLatency") ||
      !body["storeWriteLatency"].is_string()) {
    return ErrorResponse(Status::BadRequest(fmt::format("unknown faults: {}", usage)));
  }
  auto nanos = ParseGoDuration(body["storeWriteLatency"].get<std::string>());
  if (!nanos.ok() || *nanos < 0 || *nanos > 60'000'000'000LL) {
    return ErrorResponse(Status::BadRequest(
        fmt::format("storeWriteLatency must be a duration from 0s to 1m: {}", usage)));
  }
  faults->store_write_latency_ms = *nanos / 1000000;
  return Json(*faults);
}

}  // namespace

std::unique_ptr<storage::Store> NewFaultyStore(std::unique_ptr<storage::Store> store,
                                               const Faults* faults) {
  return std::make_unique<FaultyStore>(std::move(store), faults);
}

std::function<Response(Request&)> WithFaultsEndpoint(std::function<Response(Request&)> next,
                                                     Faults* faults) {
  return [next = std::move(next), faults](Request& request) -> Response {
    if (request.info.is_resource_request || request.path != kFaultsPath) return next(request);
    if (request.method == "GET") return Json(*faults);
    if (request.method == "POST" || request.method == "PUT") return Set(request, faults);
    return ErrorResponse(Status::MethodNotAllowed("the faults are read (GET) or set (POST, PUT)"));
  };
}

}  // namespace pk::apiserver::faults
