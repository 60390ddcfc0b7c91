// fake-cri-ctl: fault injection into a running fake-cri through its AdminService.
//   fake-cri-ctl --socket PATH kill CONTAINER [--exit-code N | --oom]
//   fake-cri-ctl --socket PATH fail-pulls N [--image I]
//   fake-cri-ctl --socket PATH latency METHOD MS     (METHOD "" or "all": every call)
//   fake-cri-ctl --socket PATH reboot | dump
#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "proto/cri/v1/admin.grpc.pb.h"

namespace admin = ::picokube::fakecri::v1;

namespace {

int Report(const grpc::Status& status, const std::string& ok) {
  if (!status.ok()) {
    std::fprintf(stderr, "fake-cri-ctl: %s\n", status.error_message().c_str());
    return 1;
  }
  if (!ok.empty()) std::printf("%s\n", ok.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"fake-cri-ctl: fault injection into a running fake-cri"};
  std::string socket;
  app.add_option("--socket", socket, "fake-cri's unix socket")->required();
  app.require_subcommand(1);
  admin::KillContainerRequest kill;
  auto* kill_cmd = app.add_subcommand("kill", "the container exits now (137 unless told)");
  kill_cmd->add_option("container", *kill.mutable_container_id(), "id or namespace/pod/container")
      ->required();
  int exit_code = 137;
  auto* code_opt = kill_cmd->add_option("--exit-code", exit_code, "exit code");
  kill_cmd
      ->add_flag(
          "--oom", [&](int64_t) { kill.set_oom(true); }, "OOMKilled, exit code 137")
      ->excludes(code_opt);
  admin::FailPullsRequest fail;
  auto* fail_cmd = app.add_subcommand("fail-pulls", "the next N pulls fail (ErrImagePull)");
  int count = 0;
  fail_cmd->add_option("count", count)->required()->check(CLI::NonNegativeNumber);
  fail_cmd->add_option("--image", *fail.mutable_image(), "only pulls of this image");
  admin::SetLatencyRequest latency;
  auto* latency_cmd = app.add_subcommand("latency", "calls of METHOD take MS longer (0: none)");
  latency_cmd->add_option("method", *latency.mutable_method(), "e.g. PullImage; all: every call")
      ->required();
  int64_t ms = 0;
  latency_cmd->add_option("ms", ms)->required()->check(CLI::NonNegativeNumber);
  auto* reboot_cmd = app.add_subcommand("reboot", "lose every sandbox, container and image");
  auto* dump_cmd = app.add_subcommand("dump", "print the sandboxes and containers");
  CLI11_PARSE(app, argc, argv);

  auto admin_service = admin::AdminService::NewStub(
      grpc::CreateChannel("unix:" + socket, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  if (kill_cmd->parsed()) {
    kill.set_exit_code(exit_code);
    admin::KillContainerResponse out;
    grpc::Status s = admin_service->KillContainer(&context, kill, &out);
    return Report(s, "killed " + out.container_id());
  }
  if (fail_cmd->parsed()) {
    fail.set_count(count);
    admin::FailPullsResponse out;
    return Report(admin_service->FailPulls(&context, fail, &out), "");
  }
  if (latency_cmd->parsed()) {
    if (latency.method() == "all") latency.set_method("");
    latency.set_latency_ms(ms);
    admin::SetLatencyResponse out;
    return Report(admin_service->SetLatency(&context, latency, &out), "");
  }
  if (reboot_cmd->parsed()) {
    admin::RebootResponse out;
    grpc::Status s = admin_service->Reboot(&context, admin::RebootRequest(), &out);
    return Report(s, "rebooted: " + std::to_string(out.containers_lost()) + " containers lost");
  }
  (void)dump_cmd;
  admin::DumpResponse out;
  grpc::Status s = admin_service->Dump(&context, admin::DumpRequest(), &out);
  if (s.ok()) std::fputs(out.text().c_str(), stdout);
  return Report(s, "");
}
