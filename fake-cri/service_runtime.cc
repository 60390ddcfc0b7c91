// RuntimeService: each call is a thin translation to the Runtime, on the callback API so a
// call waiting on simulated time (StopContainer, ExecSync) holds no thread.
#include "fake-cri/service_streams.h"
#include "fake-cri/trace_calls.h"
#include "proto/cri/v1/api.grpc.pb.h"

namespace pk::fakecri {
namespace {

using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;

class RuntimeService final : public cri::RuntimeService::CallbackService {
 public:
  explicit RuntimeService(ServiceContext& c) : c_(c), rt_(*c.runtime) {}

  ServerUnaryReactor* Version(CallbackServerContext* ctx, const cri::VersionRequest*,
                              cri::VersionResponse* out) override {
    return c_.Unary(ctx, "Version", [out](auto call) {
      out->set_version("0.1.0");
      out->set_runtime_name("fake-cri");
      out->set_runtime_version("0.1.0");
      out->set_runtime_api_version("v1");
      call->Finish(grpc::Status::OK);
    });
  }

  ServerUnaryReactor* Status(CallbackServerContext* ctx, const cri::StatusRequest*,
                             cri::StatusResponse* out) override {
    return c_.Unary(ctx, "Status", [out](auto call) {
      for (const char* type : {"RuntimeReady", "NetworkReady"}) {
        auto* condition = out->mutable_status()->add_conditions();
        condition->set_type(type);
        condition->set_status(true);
      }
      call->Finish(grpc::Status::OK);
    });
  }

  ServerUnaryReactor* UpdateRuntimeConfig(CallbackServerContext* ctx,
                                          const cri::UpdateRuntimeConfigRequest* in,
                                          cri::UpdateRuntimeConfigResponse*) override {
    return c_.Unary(ctx, "UpdateRuntimeConfig", [this, in](auto call) {
      call->Finish(rt_.UpdateRuntimeConfig(in->runtime_config().network_config().pod_cidr()));
    });
  }

  ServerUnaryReactor* RunPodSandbox(CallbackServerContext* ctx, const cri::RunPodSandboxRequest* in,
                                    cri::RunPodSandboxResponse* out) override {
    return c_.Unary(ctx, "RunPodSandbox", [this, in, out](auto call) {
      const int64_t start = trace::NowUnixNano();
      Result<std::string> id = rt_.RunPodSandbox(in->config(), in->runtime_handler());
      if (id.ok()) out->set_pod_sandbox_id(*id);
      TraceCall(TracedPod::Of(in->config()), "RunPodSandbox", start,
                id.ok() ? "sandbox " + id->substr(0, 13) : id.status().message());
      call->Finish(id.status());
    });
  }

  ServerUnaryReactor* StopPodSandbox(CallbackServerContext* ctx,
                                     const cri::StopPodSandboxRequest* in,
                                     cri::StopPodSandboxResponse*) override {
    return c_.Unary(ctx, "StopPodSandbox", [this, in](auto call) {
      call->Finish(rt_.StopPodSandbox(in->pod_sandbox_id()));
    });
  }

  ServerUnaryReactor* RemovePodSandbox(CallbackServerContext* ctx,
                                       const cri::RemovePodSandboxRequest* in,
                                       cri::RemovePodSandboxResponse*) override {
    return c_.Unary(ctx, "RemovePodSandbox", [this, in](auto call) {
      call->Finish(rt_.RemovePodSandbox(in->pod_sandbox_id()));
    });
  }

  ServerUnaryReactor* PodSandboxStatus(CallbackServerContext* ctx,
                                       const cri::PodSandboxStatusRequest* in,
                                       cri::PodSandboxStatusResponse* out) override {
    return c_.Unary(ctx, "PodSandboxStatus", [this, in, out](auto call) {
      Result<cri::PodSandboxStatus> s = rt_.PodSandboxStatus(in->pod_sandbox_id());
      if (s.ok()) *out->mutable_status() = *s;
      call->Finish(s.status());
    });
  }

  ServerUnaryReactor* ListPodSandbox(CallbackServerContext* ctx,
                                     const cri::ListPodSandboxRequest* in,
                                     cri::ListPodSandboxResponse* out) override {
    return c_.Unary(ctx, "ListPodSandbox", [this, in, out](auto call) {
      for (auto& s : rt_.ListPodSandbox(in->filter())) *out->add_items() = std::move(s);
      call->Finish(grpc::Status::OK);
    });
  }

  ServerUnaryReactor* CreateContainer(CallbackServerContext* ctx,
                                      const cri::CreateContainerRequest* in,
                                      cri::CreateContainerResponse* out) override {
    return c_.Unary(ctx, "CreateContainer", [this, in, out](auto call) {
      const int64_t start = trace::NowUnixNano();
      Result<std::string> id = rt_.CreateContainer(in->pod_sandbox_id(), in->config());
      if (id.ok()) out->set_container_id(*id);
      TraceCall(TracedPod::Of(in->sandbox_config()), "CreateContainer", start,
                in->config().metadata().name() +
                    (id.ok() ? ": container " + id->substr(0, 13) : ": " + id.status().message()));
      call->Finish(id.status());
    });
  }

  ServerUnaryReactor* StartContainer(CallbackServerContext* ctx,
                                     const cri::StartContainerRequest* in,
                                     cri::StartContainerResponse*) override {
    return c_.Unary(ctx, "StartContainer", [this, in](auto call) {
      const int64_t start = trace::NowUnixNano();
      pk::Status started = rt_.StartContainer(in->container_id());
      if (trace::Global().enabled()) {
        auto status = rt_.ContainerStatus(in->container_id());
        if (status.ok()) {
          TraceCall(
              TracedPod::OfLabels(status->labels()), "StartContainer", start,
              status->metadata().name() + (started.ok() ? ": running" : ": " + started.message()));
        }
      }
      call->Finish(started);
    });
  }

  ServerUnaryReactor* StopContainer(CallbackServerContext* ctx, const cri::StopContainerRequest* in,
                                    cri::StopContainerResponse*) override {
    return c_.Unary(ctx, "StopContainer", [this, in](auto call) {
      rt_.StopContainer(in->container_id(), in->timeout(),
                        [call](pk::Status s) { call->Finish(s); });
    });
  }

  ServerUnaryReactor* RemoveContainer(CallbackServerContext* ctx,
                                      const cri::RemoveContainerRequest* in,
                                      cri::RemoveContainerResponse*) override {
    return c_.Unary(ctx, "RemoveContainer", [this, in](auto call) {
      call->Finish(rt_.RemoveContainer(in->container_id()));
    });
  }

  ServerUnaryReactor* ListContainers(CallbackServerContext* ctx,
                                     const cri::ListContainersRequest* in,
                                     cri::ListContainersResponse* out) override {
    return c_.Unary(ctx, "ListContainers", [this, in, out](auto call) {
      for (auto& c : rt_.ListContainers(in->filter())) *out->add_containers() = std::move(c);
      call->Finish(grpc::Status::OK);
    });
  }

  ServerUnaryReactor* ContainerStatus(CallbackServerContext* ctx,
                                      const cri::ContainerStatusRequest* in,
                                      cri::ContainerStatusResponse* out) override {
    return c_.Unary(ctx, "ContainerStatus", [this, in, out](auto call) {
      Result<cri::ContainerStatus> s = rt_.ContainerStatus(in->container_id());
      if (s.ok()) *out->mutable_status() = *s;
      call->Finish(s.status());
    });
  }

  ServerUnaryReactor* ReopenContainerLog(CallbackServerContext* ctx,
                                         const cri::ReopenContainerLogRequest* in,
                                         cri::ReopenContainerLogResponse*) override {
    return c_.Unary(ctx, "ReopenContainerLog", [this, in](auto call) {
      call->Finish(rt_.ReopenContainerLog(in->container_id()));
    });
  }

  ServerUnaryReactor* ExecSync(CallbackServerContext* ctx, const cri::ExecSyncRequest* in,
                               cri::ExecSyncResponse* out) override {
    return c_.Unary(ctx, "ExecSync", [this, in, out](auto call) {
      // Output and the end come on the runtime's threads one after the other.
      auto mu = std::make_shared<std::mutex>();
      rt_.Exec(
          in->container_id(), {in->cmd().begin(), in->cmd().end()}, in->timeout(),
          [out, mu](const std::string& o, const std::string& e) {
            std::lock_guard<std::mutex> lock(*mu);
            out->mutable_stdout()->append(o);
            out->mutable_stderr()->append(e);
          },
          [call, out, mu](Result<int> code) {
            std::lock_guard<std::mutex> lock(*mu);
            if (code.ok()) out->set_exit_code(*code);
            call->Finish(code.status());
          });
    });
  }

  ServerUnaryReactor* ProbeContainer(CallbackServerContext* ctx,
                                     const cri::ProbeContainerRequest* in,
                                     cri::ProbeContainerResponse* out) override {
    return c_.Unary(ctx, "ProbeContainer", [this, in, out](auto call) {
      Result<cri::ProbeContainerResponse> r = rt_.ProbeContainer(*in);
      if (r.ok()) *out = *r;
      call->Finish(r.status());
    });
  }

  grpc::ServerBidiReactor<cri::ExecInput, cri::ExecOutput>* Exec(CallbackServerContext*) override {
    return NewExecStream(c_);
  }

  grpc::ServerWriteReactor<cri::ContainerEventResponse>* GetContainerEvents(
      CallbackServerContext*, const cri::GetEventsRequest*) override {
    return NewEventStream(c_);
  }

 private:
  ServiceContext& c_;
  Runtime& rt_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewRuntimeService(ServiceContext& context) {
  return std::make_unique<RuntimeService>(context);
}

}  // namespace pk::fakecri
