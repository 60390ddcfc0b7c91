// Status mapping, shutdown of calls in flight, ImageService and AdminService.
#include "fake-cri/service.h"

#include "fake-cri/trace_calls.h"
#include "proto/cri/v1/admin.grpc.pb.h"
#include "proto/cri/v1/api.grpc.pb.h"

namespace pk::fakecri {

grpc::Status ToGrpc(const Status& status) {
  if (status.ok()) return grpc::Status::OK;
  grpc::StatusCode code = grpc::UNKNOWN;
  switch (status.reason()) {
    case Reason::kNotFound:
      code = grpc::NOT_FOUND;
      break;
    case Reason::kAlreadyExists:
      code = grpc::ALREADY_EXISTS;
      break;
    case Reason::kConflict:
      code = grpc::FAILED_PRECONDITION;
      break;
    case Reason::kBadRequest:
    case Reason::kInvalid:
      code = grpc::INVALID_ARGUMENT;
      break;
    case Reason::kTimeout:
      code = grpc::DEADLINE_EXCEEDED;
      break;
    case Reason::kTooManyRequests:
      code = grpc::RESOURCE_EXHAUSTED;
      break;
    case Reason::kServiceUnavailable:
      code = grpc::UNAVAILABLE;
      break;
    case Reason::kInternalError:
      code = grpc::INTERNAL;
      break;
    default:
      break;
  }
  return grpc::Status(code, status.message());
}

void ServiceContext::Close() {
  std::set<std::shared_ptr<Call>> pending;
  std::map<uint64_t, std::function<void()>> open;
  {
    std::lock_guard<std::mutex> lock(mu);
    closed = true;
    pending.swap(calls);
    open = streams;
  }
  for (const auto& call : pending)
    call->Finish(grpc::Status(grpc::UNAVAILABLE, "fake-cri is stopping"));
  for (const auto& [id, close] : open) close();
}

namespace {

using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;

class ImageService final : public cri::ImageService::CallbackService {
 public:
  explicit ImageService(ServiceContext& c) : c_(c), rt_(*c.runtime) {}

  ServerUnaryReactor* PullImage(CallbackServerContext* ctx, const cri::PullImageRequest* in,
                                cri::PullImageResponse* out) override {
    return c_.Unary(ctx, "PullImage", [this, in, out](auto call) {
      const int64_t start = trace::NowUnixNano();
      rt_.PullImage(*in, [call, out, start, pod = TracedPod::Of(in->sandbox_config()),
                          image = in->image().image()](Result<std::string> id) {
        if (id.ok()) out->set_image_ref(*id);
        TraceCall(pod, "PullImage", start, image + (id.ok() ? "" : ": " + id.status().message()));
        call->Finish(id.status());
      });
    });
  }

  ServerUnaryReactor* ListImages(CallbackServerContext* ctx, const cri::ListImagesRequest* in,
                                 cri::ListImagesResponse* out) override {
    return c_.Unary(ctx, "ListImages", [this, in, out](auto call) {
      const std::string& want = in->filter().image();
      for (auto& image : rt_.ListImages()) {
        bool match = want.empty() || image.id() == want;
        for (const auto& tag : image.repo_tags()) match = match || tag == want;
        if (!match && !want.empty()) {
          Result<std::optional<cri::Image>> s = rt_.ImageStatus(want);
          match = s.ok() && s->has_value() && (*s)->id() == image.id();
        }
        if (match) *out->add_images() = std::move(image);
      }
      call->Finish(grpc::Status::OK);
    });
  }

  ServerUnaryReactor* ImageStatus(CallbackServerContext* ctx, const cri::ImageStatusRequest* in,
                                  cri::ImageStatusResponse* out) override {
    return c_.Unary(ctx, "ImageStatus", [this, in, out](auto call) {
      Result<std::optional<cri::Image>> s = rt_.ImageStatus(in->image().image());
      if (s.ok() && s->has_value()) *out->mutable_image() = **s;
      call->Finish(s.status());
    });
  }

  ServerUnaryReactor* RemoveImage(CallbackServerContext* ctx, const cri::RemoveImageRequest* in,
                                  cri::RemoveImageResponse*) override {
    return c_.Unary(ctx, "RemoveImage",
                    [this, in](auto call) { call->Finish(rt_.RemoveImage(in->image().image())); });
  }

 private:
  ServiceContext& c_;
  Runtime& rt_;
};

namespace admin = ::picokube::fakecri::v1;

class AdminService final : public admin::AdminService::CallbackService {
 public:
  explicit AdminService(ServiceContext& c) : c_(c), rt_(*c.runtime) {}

  ServerUnaryReactor* KillContainer(CallbackServerContext* ctx,
                                    const admin::KillContainerRequest* in,
                                    admin::KillContainerResponse* out) override {
    return Now(ctx, [&]() -> grpc::Status {
      Result<std::string> id = rt_.Kill(in->container_id(), in->exit_code(), in->oom());
      if (id.ok()) out->set_container_id(*id);
      return ToGrpc(id.status());
    });
  }
  ServerUnaryReactor* FailPulls(CallbackServerContext* ctx, const admin::FailPullsRequest* in,
                                admin::FailPullsResponse*) override {
    return Now(ctx, [&] {
      if (in->count() < 0) return grpc::Status(grpc::INVALID_ARGUMENT, "count must be >= 0");
      rt_.FailPulls(in->count(), in->image());
      return grpc::Status::OK;
    });
  }
  ServerUnaryReactor* SetLatency(CallbackServerContext* ctx, const admin::SetLatencyRequest* in,
                                 admin::SetLatencyResponse*) override {
    return Now(ctx, [&] {
      if (in->latency_ms() < 0)
        return grpc::Status(grpc::INVALID_ARGUMENT, "latency_ms must be >= 0");
      std::lock_guard<std::mutex> lock(c_.mu);
      if (in->latency_ms() == 0)
        c_.latency_ms.erase(in->method());
      else
        c_.latency_ms[in->method()] = in->latency_ms();
      return grpc::Status::OK;
    });
  }
  ServerUnaryReactor* Reboot(CallbackServerContext* ctx, const admin::RebootRequest*,
                             admin::RebootResponse* out) override {
    return Now(ctx, [&] {
      out->set_containers_lost(rt_.Reboot());
      return grpc::Status::OK;
    });
  }
  ServerUnaryReactor* Dump(CallbackServerContext* ctx, const admin::DumpRequest*,
                           admin::DumpResponse* out) override {
    return Now(ctx, [&] {
      out->set_text(rt_.Dump());
      return grpc::Status::OK;
    });
  }

 private:
  // Admin calls take no injected latency and never wait.
  template <class F>
  ServerUnaryReactor* Now(CallbackServerContext* ctx, F f) {
    ServerUnaryReactor* reactor = ctx->DefaultReactor();
    reactor->Finish(f());
    return reactor;
  }

  ServiceContext& c_;
  Runtime& rt_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewImageService(ServiceContext& c) {
  return std::make_unique<ImageService>(c);
}
std::unique_ptr<grpc::Service> NewAdminService(ServiceContext& c) {
  return std::make_unique<AdminService>(c);
}

}  // namespace pk::fakecri
