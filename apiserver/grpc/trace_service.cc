#include "apiserver/grpc/trace_service.h"

#include "apiserver/grpc/resource_service.h"
#include "apiserver/tracing/tracing.h"

namespace pk::apiserver::grpcface {
namespace {

namespace v1 = picokube::trace::v1;

class TraceService final : public v1::TraceService::Service {
 public:
  explicit TraceService(const filters::Handler* chain) : chain_(chain) {}

  grpc::Status Record(grpc::ServerContext* context, const v1::RecordRequest* in,
                      v1::RecordResponse* out) override {
    Request request = CallRequest(context, "POST", std::string(tracing::kTraceRecordPath));
    // A copy: the chain (audit, say) may keep the request's object past this call.
    request.object = std::make_shared<const v1::RecordRequest>(*in);
    Response response = (*chain_)(request);
    if (!response.error.ok()) return ToGrpcStatus(response.error);
    const auto* answer = dynamic_cast<const v1::RecordResponse*>(response.object.get());
    if (answer == nullptr) {
      return ToGrpcStatus(Status::InternalError(
          "the trace endpoint did not answer a RecordResponse: is tracing on (--trace-pods)?"));
    }
    *out = *answer;
    return grpc::Status::OK;
  }

 private:
  const filters::Handler* const chain_;
};

}  // namespace

std::unique_ptr<v1::TraceService::Service> NewTraceService(const filters::Handler* chain) {
  return std::make_unique<TraceService>(chain);
}

}  // namespace pk::apiserver::grpcface
