// Exec (the safe shell in a running container's environment) and probes answered from the
// container's behaviour and annotations.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "fake-cri/runtime_impl.h"

namespace pk::fakecri {

void Runtime::Exec(const std::string& id, const std::vector<std::string>& argv,
                   int64_t timeout_seconds,
                   std::function<void(const std::string&, const std::string&)> output,
                   std::function<void(Result<int>)> done) {
  Impl::Locked lock(*impl_);
  Impl& impl = *impl_;
  auto fail = [&](Status s) { impl.Defer([done, s] { done(s); }); };
  ContainerRecord* c = impl.FindContainer(id);
  if (c == nullptr) return fail(Status(Reason::kNotFound, "container \"" + id + "\" not found"));
  if (c->status.state() != cri::CONTAINER_RUNNING) {
    return fail(Status(Reason::kConflict, "container is not running"));
  }
  if (argv.empty()) return fail(Status::BadRequest("exec: no command given"));
  if (!Shell::Handles(argv)) {
    std::string err = fmt::format(
        "OCI runtime exec failed: exec failed: unable to start container process: exec: "
        "\"{}\": executable file not found in $PATH: unknown\n",
        argv[0]);
    impl.Defer([output, err] { output("", err); });
    return impl.Defer([done] { done(127); });
  }
  uint64_t exec_id = ++impl.next_exec;
  ExecRecord& e = impl.execs[exec_id];
  e.container_id = id;
  e.process.shell = std::make_unique<Shell>(argv, impl.ContextOf(*c));
  e.output = std::move(output);
  e.done = std::move(done);
  if (timeout_seconds > 0) {
    Impl* p = &impl;
    impl.timer.At(impl.After(std::chrono::seconds(timeout_seconds)), [p, exec_id, argv] {
      Impl::Locked lock(*p);
      p->EndExec(exec_id, Status(Reason::kTimeout,
                                 fmt::format("command \"{}\" timed out", fmt::join(argv, " "))));
    });
  }
  impl.AdvanceExec(exec_id);
}

void Runtime::Impl::AdvanceExec(uint64_t exec_id) {
  auto it = execs.find(exec_id);
  if (it == execs.end()) return;
  ExecRecord& e = it->second;
  ShellStep step = e.process.shell->Run();
  if (!step.out.empty() || !step.err.empty()) {
    Defer([output = e.output, out = step.out, err = step.err] { output(out, err); });
  }
  auto again = [this, exec_id] {
    Locked lock(*this);
    AdvanceExec(exec_id);
  };
  switch (step.next) {
    case ShellStep::Next::kExit:
      return EndExec(exec_id, step.exit_code);
    case ShellStep::Next::kSleep:
      if (step.sleep != ShellStep::Forever()) timer.At(After(step.sleep), again);
      return;
    case ShellStep::Next::kYield:
      return timer.At(Now() + std::chrono::milliseconds(50), again);
  }
}

void Runtime::Impl::EndExec(uint64_t exec_id, Result<int> result) {
  auto it = execs.find(exec_id);
  if (it == execs.end()) return;
  Defer([done = std::move(it->second.done), result = std::move(result)]() mutable {
    done(std::move(result));
  });
  execs.erase(it);
}

Result<cri::ProbeContainerResponse> Runtime::ProbeContainer(
    const cri::ProbeContainerRequest& request) {
  Impl::Locked lock(*impl_);
  Impl& impl = *impl_;
  ContainerRecord* c = impl.FindContainer(request.container_id());
  if (c == nullptr) {
    return Status(Reason::kNotFound, "container \"" + request.container_id() + "\" not found");
  }
  const bool http = request.kind() == "httpGet";
  if (!http && request.kind() != "tcpSocket") {
    return Status::BadRequest("probe kind \"" + request.kind() +
                              "\" is not httpGet or tcpSocket (exec probes use ExecSync)");
  }
  const std::string& ip = impl.sandboxes.at(c->sandbox_id).status.network().ip();
  const std::string address = fmt::format("{}:{}", ip, request.port());
  const std::string path = request.path().empty() ? "/" : request.path();
  cri::ProbeContainerResponse response;
  auto refused = [&] {
    response.set_message(http ? fmt::format("Get \"http://{}{}\": dial tcp {}: connect: "
                                            "connection refused",
                                            address, path, address)
                              : fmt::format("dial tcp {}: connect: connection refused", address));
    return response;
  };
  auto http_status = [&](int code) {
    response.set_http_status(code);
    response.set_success(code >= 200 && code < 400);
    if (!response.success()) {
      response.set_message(fmt::format("HTTP probe failed with statuscode: {}", code));
    }
    return response;
  };
  const ServeBehaviour* serve = c->process.serve;
  if (c->status.state() != cri::CONTAINER_RUNNING || serve == nullptr ||
      std::find(serve->ports.begin(), serve->ports.end(), request.port()) == serve->ports.end()) {
    return refused();
  }
  const auto now = impl.Now();
  if (c->probe_fail_at && now >= *c->probe_fail_at) return http ? http_status(500) : refused();
  if (request.probe_type() == "readiness" && c->ready_at && now < *c->ready_at) {
    return http ? http_status(503) : refused();
  }
  return http ? http_status(200) : (response.set_success(true), response);
}

}  // namespace pk::fakecri
