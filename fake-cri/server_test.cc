#include <doctest/doctest.h>
#include <grpcpp/grpcpp.h>

#include "fake-cri/fake_cri.h"
#include "proto/cri/v1/admin.grpc.pb.h"
#include "proto/cri/v1/api.grpc.pb.h"
#include "tests/testing.h"

namespace pk::fakecri {
namespace {

namespace cri = ::runtime::v1;
namespace admin = ::picokube::fakecri::v1;

struct Client {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<cri::RuntimeService::Stub> runtime;
  std::unique_ptr<cri::ImageService::Stub> images;
  std::unique_ptr<admin::AdminService::Stub> admin;

  explicit Client(const std::string& socket)
      : channel(grpc::CreateChannel("unix:" + socket, grpc::InsecureChannelCredentials())),
        runtime(cri::RuntimeService::NewStub(channel)),
        images(cri::ImageService::NewStub(channel)),
        admin(admin::AdminService::NewStub(channel)) {}
};

// A context with a deadline: no call of a test waits unbounded.
std::unique_ptr<grpc::ClientContext> Ctx(int seconds = 5) {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  return c;
}

TEST_CASE("the pod flow over gRPC: sandbox, pull, create, start, exec, stop, remove") {
  testing::TempDir dir;
  Options options;
  options.socket_path = (dir.path() / "cri.sock").string();
  options.state_dir = (dir.path() / "state").string();
  options.time_scale = 0.01;
  auto started = FakeCri::Start(options);
  REQUIRE_MESSAGE(started.ok(), started.status().message());
  Client c((*started)->socket_path());

  cri::VersionResponse version;
  REQUIRE(c.runtime->Version(Ctx().get(), {}, &version).ok());
  CHECK(version.runtime_name() == "fake-cri");

  cri::RunPodSandboxRequest run;
  auto* config = run.mutable_config();
  config->mutable_metadata()->set_name("web");
  config->mutable_metadata()->set_namespace_("default");
  config->mutable_metadata()->set_uid("u1");
  config->set_log_directory((dir.path() / "pods").string());
  cri::RunPodSandboxResponse sandbox;
  REQUIRE(c.runtime->RunPodSandbox(Ctx().get(), run, &sandbox).ok());

  cri::PullImageRequest pull;
  pull.mutable_image()->set_image("nginx:1.25");
  cri::PullImageResponse pulled;
  REQUIRE(c.images->PullImage(Ctx().get(), pull, &pulled).ok());
  CHECK(pulled.image_ref().rfind("sha256:", 0) == 0);
  pull.mutable_image()->set_image("nosuch");
  grpc::Status missing = c.images->PullImage(Ctx().get(), pull, &pulled);
  CHECK(missing.error_code() == grpc::NOT_FOUND);
  CHECK(missing.error_message().find("failed to pull and unpack image") == 0);

  cri::CreateContainerRequest create;
  create.set_pod_sandbox_id(sandbox.pod_sandbox_id());
  create.mutable_config()->mutable_metadata()->set_name("nginx");
  create.mutable_config()->mutable_image()->set_image(pulled.image_ref());
  create.mutable_config()->set_log_path("nginx/0.log");
  cri::CreateContainerResponse created;
  REQUIRE(c.runtime->CreateContainer(Ctx().get(), create, &created).ok());
  cri::StartContainerRequest start;
  start.set_container_id(created.container_id());
  cri::StartContainerResponse ignored_start;
  REQUIRE(c.runtime->StartContainer(Ctx().get(), start, &ignored_start).ok());

  cri::ContainerStatusRequest status_request;
  status_request.set_container_id(created.container_id());
  cri::ContainerStatusResponse status;
  REQUIRE(c.runtime->ContainerStatus(Ctx().get(), status_request, &status).ok());
  CHECK(status.status().state() == cri::CONTAINER_RUNNING);

  cri::ExecSyncRequest exec;
  exec.set_container_id(created.container_id());
  for (const char* arg : {"sh", "-c", "hostname; echo oops >&2"}) exec.add_cmd(arg);
  cri::ExecSyncResponse exec_out;
  REQUIRE(c.runtime->ExecSync(Ctx().get(), exec, &exec_out).ok());
  CHECK(exec_out.exit_code() == 127);  // the redirection is unsupported
  exec.clear_cmd();
  for (const char* arg : {"sh", "-c", "hostname; sleep 1; exit 3"}) exec.add_cmd(arg);
  REQUIRE(c.runtime->ExecSync(Ctx().get(), exec, &exec_out).ok());
  CHECK(exec_out.stdout() == "web\n");
  CHECK(exec_out.exit_code() == 3);

  admin::SetLatencyRequest latency;
  latency.set_method("StopContainer");
  latency.set_latency_ms(200);
  admin::SetLatencyResponse latency_out;
  REQUIRE(c.admin->SetLatency(Ctx().get(), latency, &latency_out).ok());
  cri::StopContainerRequest stop;
  stop.set_container_id(created.container_id());
  stop.set_timeout(30);
  cri::StopContainerResponse stop_out;
  auto before = std::chrono::steady_clock::now();
  REQUIRE(c.runtime->StopContainer(Ctx().get(), stop, &stop_out).ok());
  CHECK(std::chrono::steady_clock::now() - before >= std::chrono::milliseconds(200));
  REQUIRE(c.runtime->ContainerStatus(Ctx().get(), status_request, &status).ok());
  CHECK(status.status().state() == cri::CONTAINER_EXITED);
  CHECK(status.status().exit_code() == 0);
  grpc::Status not_running = c.runtime->ExecSync(Ctx().get(), exec, &exec_out);
  CHECK(not_running.error_code() == grpc::FAILED_PRECONDITION);
  CHECK(not_running.error_message() == "container is not running");

  cri::RemoveContainerRequest remove;
  remove.set_container_id(created.container_id());
  cri::RemoveContainerResponse remove_out;
  REQUIRE(c.runtime->RemoveContainer(Ctx().get(), remove, &remove_out).ok());
  CHECK(c.runtime->ContainerStatus(Ctx().get(), status_request, &status).error_code() ==
        grpc::NOT_FOUND);
  CHECK(testing::ReadFile(dir.path() / "pods/nginx/0.log").find("ready for start up") !=
        std::string::npos);
}

TEST_CASE("streams: exec chunks then the exit code; events; stopping ends them") {
  testing::TempDir dir;
  Options options;
  options.socket_path = (dir.path() / "cri.sock").string();
  options.time_scale = 0.01;
  auto started = FakeCri::Start(options);
  REQUIRE(started.ok());
  Client c((*started)->socket_path());

  auto events_ctx = Ctx(10);
  auto events = c.runtime->GetContainerEvents(events_ctx.get(), cri::GetEventsRequest());

  cri::RunPodSandboxRequest run;
  run.mutable_config()->mutable_metadata()->set_name("p");
  run.mutable_config()->mutable_metadata()->set_namespace_("ns");
  run.mutable_config()->mutable_metadata()->set_uid("u");
  cri::RunPodSandboxResponse sandbox;
  REQUIRE(c.runtime->RunPodSandbox(Ctx().get(), run, &sandbox).ok());
  cri::PullImageRequest pull;
  pull.mutable_image()->set_image("busybox");
  cri::PullImageResponse pulled;
  REQUIRE(c.images->PullImage(Ctx().get(), pull, &pulled).ok());
  cri::CreateContainerRequest create;
  create.set_pod_sandbox_id(sandbox.pod_sandbox_id());
  create.mutable_config()->mutable_metadata()->set_name("sleeper");
  create.mutable_config()->mutable_image()->set_image("busybox");
  create.mutable_config()->add_command("sleep");
  create.mutable_config()->add_command("3600");
  cri::CreateContainerResponse created;
  REQUIRE(c.runtime->CreateContainer(Ctx().get(), create, &created).ok());
  cri::StartContainerRequest start;
  start.set_container_id(created.container_id());
  cri::StartContainerResponse start_out;
  REQUIRE(c.runtime->StartContainer(Ctx().get(), start, &start_out).ok());

  cri::ContainerEventResponse event;
  REQUIRE(events->Read(&event));
  CHECK(event.container_event_type() == cri::CONTAINER_CREATED_EVENT);
  REQUIRE(events->Read(&event));
  CHECK(event.container_event_type() == cri::CONTAINER_STARTED_EVENT);
  CHECK(event.pod_sandbox_status().metadata().name() == "p");

  auto exec_ctx = Ctx();
  auto exec = c.runtime->Exec(exec_ctx.get());
  cri::ExecInput input;
  input.mutable_request()->set_container_id(created.container_id());
  for (const char* arg : {"sh", "-c", "echo one; sleep 1; echo two; exit 4"}) {
    input.mutable_request()->add_cmd(arg);
  }
  REQUIRE(exec->Write(input));
  std::string out;
  cri::ExecOutput chunk;
  int reads = 0;
  while (reads++ < 10 && exec->Read(&chunk) && !chunk.exited()) out += chunk.stdout();
  CHECK(out == "one\ntwo\n");
  CHECK(chunk.exited());
  CHECK(chunk.exit_code() == 4);
  CHECK(exec->Finish().ok());

  admin::KillContainerRequest kill;
  kill.set_container_id("ns/p/sleeper");
  kill.set_oom(true);
  admin::KillContainerResponse killed;
  REQUIRE(c.admin->KillContainer(Ctx().get(), kill, &killed).ok());
  REQUIRE(events->Read(&event));
  CHECK(event.container_event_type() == cri::CONTAINER_STOPPED_EVENT);
  CHECK(event.containers_statuses(0).reason() == "OOMKilled");

  started->reset();  // stopping fake-cri ends the event stream
  CHECK_FALSE(events->Read(&event));
  CHECK(events->Finish().error_code() == grpc::UNAVAILABLE);
}

}  // namespace
}  // namespace pk::fakecri
