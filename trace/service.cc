#include "trace/service.h"

#include <vector>

namespace pk::trace {
namespace {

namespace v1 = picokube::trace::v1;

class Service final : public v1::TraceService::Service {
 public:
  explicit Service(TraceStore* store) : store_(store) {}

  grpc::Status Record(grpc::ServerContext*, const v1::RecordRequest* in,
                      v1::RecordResponse* out) override {
    std::vector<Span> spans(in->spans().begin(), in->spans().end());
    out->set_accepted(static_cast<int32_t>(store_->Add(spans)));
    return grpc::Status::OK;
  }

 private:
  TraceStore* const store_;
};

}  // namespace

std::unique_ptr<v1::TraceService::Service> NewTraceService(TraceStore* store) {
  return std::make_unique<Service>(store);
}

}  // namespace pk::trace
