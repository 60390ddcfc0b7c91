#include "fake-cri/runtime.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <regex>
#include <thread>

#include "tests/testing.h"

using namespace std::chrono_literals;

namespace pk::fakecri {
namespace {

// A runtime on a fake clock: simulated time moves only when a test says so.
struct Fixture {
  testing::TempDir dir;
  client::FakeClock clock;
  Runtime runtime{Options()};

  RuntimeOptions Options() {
    RuntimeOptions o;
    o.state_dir = dir.path().string();
    o.clock = &clock;
    return o;
  }

  // Advances the clock in 50 ms steps (letting the timer thread catch up) until `done`.
  bool AdvanceUntil(const std::function<bool()>& done, std::chrono::milliseconds limit = 60s) {
    for (auto moved = 0ms; moved <= limit; moved += 50ms) {
      if (testing::Eventually(done, 3ms)) return true;
      clock.Advance(50ms);
    }
    return false;
  }
  void Advance(std::chrono::milliseconds by) {
    for (auto moved = 0ms; moved < by; moved += 50ms) {
      clock.Advance(50ms);
      std::this_thread::sleep_for(1ms);
    }
    std::this_thread::sleep_for(5ms);
  }

  std::string Sandbox(const std::string& name, const std::string& cidr = "") {
    cri::PodSandboxConfig config;
    config.mutable_metadata()->set_name(name);
    config.mutable_metadata()->set_namespace_("default");
    config.mutable_metadata()->set_uid("uid-" + name);
    config.set_log_directory((dir.path() / "pods" / name).string());
    config.set_pod_cidr(cidr);
    Result<std::string> id = runtime.RunPodSandbox(config, "");
    REQUIRE(id.ok());
    return *id;
  }

  Result<std::string> Pull(const std::string& image,
                           std::map<std::string, std::string> annotations = {}) {
    cri::PullImageRequest request;
    request.mutable_image()->set_image(image);
    request.mutable_sandbox_config()->mutable_annotations()->insert(annotations.begin(),
                                                                    annotations.end());
    auto result = std::make_shared<std::optional<Result<std::string>>>();
    runtime.PullImage(request, [result](Result<std::string> r) { *result = std::move(r); });
    REQUIRE(AdvanceUntil([&] { return result->has_value(); }));
    return std::move(**result);
  }

  std::string Container(const std::string& sandbox, const std::string& image,
                        std::vector<std::string> command,
                        std::map<std::string, std::string> annotations = {}, int attempt = 0) {
    REQUIRE(Pull(image).ok());
    cri::ContainerConfig config;
    config.mutable_metadata()->set_name("c");
    config.mutable_metadata()->set_attempt(attempt);
    config.mutable_image()->set_image(image);
    for (const auto& arg : command) config.add_command(arg);
    config.mutable_annotations()->insert(annotations.begin(), annotations.end());
    config.set_log_path("c/" + std::to_string(attempt) + ".log");
    Result<std::string> id = runtime.CreateContainer(sandbox, config);
    REQUIRE_MESSAGE(id.ok(), id.status().message());
    REQUIRE(runtime.StartContainer(*id).ok());
    return *id;
  }

  cri::ContainerStatus StatusOf(const std::string& id) {
    Result<cri::ContainerStatus> s = runtime.ContainerStatus(id);
    REQUIRE(s.ok());
    return *s;
  }
  bool Exited(const std::string& id) { return StatusOf(id).state() == cri::CONTAINER_EXITED; }
};

TEST_CASE("a container runs its script in simulated time and logs in the CRI format") {
  Fixture f;
  std::string sandbox = f.Sandbox("job");
  std::string id =
      f.Container(sandbox, "busybox", {"sh", "-c", "echo hello; sleep 2; echo bye >&2"});
  CHECK(f.StatusOf(id).state() == cri::CONTAINER_EXITED);  // unsupported redirection: 127
  CHECK(f.StatusOf(id).exit_code() == 127);

  id =
      f.Container(sandbox, "busybox", {"sh", "-c", "echo hello; sleep 2; echo bye; exit 3"}, {}, 1);
  cri::ContainerStatus s = f.StatusOf(id);
  CHECK(s.state() == cri::CONTAINER_RUNNING);
  CHECK(s.log_path() == (f.dir.path() / "pods/job/c/1.log").string());
  f.Advance(1900ms);
  CHECK(f.StatusOf(id).state() == cri::CONTAINER_RUNNING);
  REQUIRE(f.AdvanceUntil([&] { return f.Exited(id); }, 500ms));
  s = f.StatusOf(id);
  CHECK(s.exit_code() == 3);
  CHECK(s.reason() == "Error");
  CHECK(s.finished_at() - s.started_at() >= 2'000'000'000);
  std::string log = testing::ReadFile(s.log_path());
  std::regex line(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z stdout F (hello|bye)\n)");
  CHECK(std::regex_search(log, line));
  CHECK(log.find("stdout F hello\n") < log.find("stdout F bye\n"));
  // The previous attempt's file stays.
  CHECK(testing::ReadFile(f.dir.path() / "pods/job/c/0.log").find("stderr F sh: unsupported") !=
        std::string::npos);
  CHECK(f.runtime.ListContainers({}).size() == 2);
  CHECK(f.runtime.RemoveContainer(id).ok());
  CHECK(f.runtime.ContainerStatus(id).status().reason() == Reason::kNotFound);
  CHECK(f.runtime.RemoveContainer(id).ok());
}

TEST_CASE("images: pulls take their time, are shared, and unknown ones fail") {
  Fixture f;
  auto first = std::make_shared<std::optional<Result<std::string>>>();
  auto second = std::make_shared<std::optional<Result<std::string>>>();
  cri::PullImageRequest request;
  request.mutable_image()->set_image("nginx");
  f.runtime.PullImage(request, [first](Result<std::string> r) { *first = std::move(r); });
  request.mutable_image()->set_image("docker.io/library/nginx:latest");
  f.runtime.PullImage(request, [second](Result<std::string> r) { *second = std::move(r); });
  f.Advance(400ms);
  CHECK_FALSE(first->has_value());
  REQUIRE(f.AdvanceUntil([&] { return first->has_value() && second->has_value(); }, 300ms));
  CHECK((*first)->value() == (*second)->value());
  Result<std::optional<cri::Image>> status = f.runtime.ImageStatus("nginx:latest");
  REQUIRE(status.ok());
  REQUIRE(status->has_value());
  CHECK((*status)->size() == 70000000);
  CHECK(f.runtime.ImageStatus((*status)->id()).value().has_value());
  CHECK_FALSE(f.runtime.ImageStatus("busybox").value().has_value());

  Result<std::string> missing = f.Pull("nosuch");
  CHECK(missing.status().reason() == Reason::kNotFound);
  CHECK(
      missing.status().message() ==
      "failed to pull and unpack image \"docker.io/library/nosuch:latest\": failed to resolve "
      "reference \"docker.io/library/nosuch:latest\": docker.io/library/nosuch:latest: not found");
  CHECK(f.Pull("nginx:1.25-made-up").ok());
  CHECK(f.Pull("Bad Name").status().reason() == Reason::kBadRequest);

  f.runtime.FailPulls(2, "busybox");
  CHECK(f.Pull("busybox").status().reason() == Reason::kUnknown);
  CHECK(f.Pull("nginx").ok());
  CHECK(f.Pull("busybox:latest").status().message().find("503") != std::string::npos);
  CHECK(f.Pull("busybox").ok());
  CHECK(f.Pull("alpine", {{kPullFail, "true"}}).status().message().find(kPullFail) !=
        std::string::npos);
  CHECK(f.runtime.RemoveImage("busybox").ok());
  CHECK_FALSE(f.runtime.ImageStatus("busybox").value().has_value());
}

TEST_CASE("annotations: exit-after with exit-code, oom-after") {
  Fixture f;
  std::string sandbox = f.Sandbox("web");
  std::string id = f.Container(sandbox, "nginx", {}, {{kExitAfter, "5s"}, {kExitCode, "4"}});
  f.Advance(4900ms);
  CHECK(f.StatusOf(id).state() == cri::CONTAINER_RUNNING);
  REQUIRE(f.AdvanceUntil([&] { return f.Exited(id); }, 500ms));
  CHECK(f.StatusOf(id).exit_code() == 4);
  std::string log = testing::ReadFile(f.StatusOf(id).log_path());
  CHECK(log.find("stdout F /docker-entrypoint.sh: Configuration complete; ready for start up") !=
        std::string::npos);
  CHECK(log.find("\"GET / HTTP/1.1\" 200") == std::string::npos);  // the first is at 10s

  id = f.Container(sandbox, "nginx", {}, {{kOomAfter, "1"}}, 1);
  REQUIRE(f.AdvanceUntil([&] { return f.Exited(id); }, 1500ms));
  CHECK(f.StatusOf(id).exit_code() == 137);
  CHECK(f.StatusOf(id).reason() == "OOMKilled");

  cri::ContainerConfig bad;
  bad.mutable_metadata()->set_name("bad");
  bad.mutable_image()->set_image("nginx");
  (*bad.mutable_annotations())[kExitAfter] = "soon";
  CHECK(f.runtime.CreateContainer(sandbox, bad).status().message().find(kExitAfter) !=
        std::string::npos);
}

Status Stop(Fixture& f, const std::string& id, int64_t timeout, bool* finished) {
  auto result = std::make_shared<std::optional<Status>>();
  f.runtime.StopContainer(id, timeout, [result](Status s) { *result = std::move(s); });
  *finished = result->has_value();
  REQUIRE(f.AdvanceUntil([&] { return result->has_value(); }, std::chrono::seconds(timeout + 1)));
  return **result;
}

TEST_CASE("stop: servers exit 0 on SIGTERM, a shell as PID 1 is killed at the timeout") {
  Fixture f;
  std::string sandbox = f.Sandbox("web");
  std::string web = f.Container(sandbox, "nginx", {});
  bool at_once = false;
  CHECK(Stop(f, web, 30, &at_once).ok());
  CHECK(at_once);
  CHECK(f.StatusOf(web).exit_code() == 0);
  CHECK(f.StatusOf(web).reason() == "Completed");

  std::string sleeper = f.Container(sandbox, "busybox", {"sleep", "3600"}, {}, 1);
  auto started = f.clock.Now();
  CHECK(Stop(f, sleeper, 10, &at_once).ok());
  CHECK_FALSE(at_once);
  CHECK(f.clock.Now() - started >= 10s);
  CHECK(f.StatusOf(sleeper).exit_code() == 137);
  CHECK(Stop(f, sleeper, 10, &at_once).ok());  // stopping an exited container is fine
}

TEST_CASE("exec runs the shell in the container's environment") {
  Fixture f;
  std::string sandbox = f.Sandbox("web-0");
  std::string id = f.Container(sandbox, "busybox", {"sleep", "infinity"});
  struct Ran {
    std::string out, err;
    std::optional<Result<int>> done;
  };
  auto exec = [&](std::vector<std::string> argv, int64_t timeout = 0) {
    auto ran = std::make_shared<Ran>();
    f.runtime.Exec(
        id, argv, timeout,
        [ran](const std::string& o, const std::string& e) { ran->out += o, ran->err += e; },
        [ran](Result<int> r) { ran->done = std::move(r); });
    REQUIRE(f.AdvanceUntil([&] { return ran->done.has_value(); }, 20s));
    return ran;
  };
  auto ran = exec({"sh", "-c", "echo $HOSTNAME; cat /etc/hostname; ls /nope; exit 2"});
  CHECK(ran->out == "web-0\nweb-0\n");
  CHECK(ran->err == "ls: /nope: No such file or directory\n");
  CHECK(ran->done->value() == 2);
  CHECK(exec({"env"})->out.find("HOSTNAME=web-0\n") != std::string::npos);
  CHECK(exec({"curl"})->done->value() == 127);
  CHECK(exec({"sleep", "30"}, 5)->done->status().reason() == Reason::kTimeout);
  bool ignored;
  CHECK(Stop(f, id, 0, &ignored).ok());
  CHECK(exec({"echo"})->done->status().message() == "container is not running");
}

TEST_CASE("probes follow the image, ready-after and probe-fail-after") {
  Fixture f;
  std::string sandbox = f.Sandbox("web", "10.1.2.0/24");
  std::string id =
      f.Container(sandbox, "nginx", {}, {{kReadyAfter, "5s"}, {kProbeFailAfter, "20s"}});
  auto probe = [&](const char* kind, int port, const char* type) {
    cri::ProbeContainerRequest r;
    r.set_container_id(id);
    r.set_kind(kind);
    r.set_port(port);
    r.set_probe_type(type);
    Result<cri::ProbeContainerResponse> response = f.runtime.ProbeContainer(r);
    REQUIRE(response.ok());
    return *response;
  };
  CHECK(probe("httpGet", 80, "readiness").http_status() == 503);
  CHECK_FALSE(probe("tcpSocket", 80, "readiness").success());
  CHECK(probe("httpGet", 80, "liveness").success());
  CHECK(probe("tcpSocket", 81, "liveness").message() ==
        "dial tcp 10.1.2.2:81: connect: connection refused");
  f.Advance(5s);
  CHECK(probe("httpGet", 80, "readiness").success());
  f.Advance(15s);
  cri::ProbeContainerResponse failing = probe("httpGet", 80, "liveness");
  CHECK_FALSE(failing.success());
  CHECK(failing.message() == "HTTP probe failed with statuscode: 500");
}

TEST_CASE("start errors, IPs, events, kill and reboot") {
  Fixture f;
  std::vector<cri::ContainerEventType> events;
  std::mutex mu;
  f.runtime.Subscribe([&](const cri::ContainerEventResponse& e) {
    std::lock_guard<std::mutex> lock(mu);
    events.push_back(e.container_event_type());
  });
  std::string a = f.Sandbox("a", "10.9.0.0/30");
  CHECK(f.runtime.PodSandboxStatus(a)->network().ip() == "10.9.0.2");
  cri::PodSandboxConfig full;
  *full.mutable_metadata() = f.runtime.PodSandboxStatus(a)->metadata();
  full.set_pod_cidr("10.9.0.0/30");
  CHECK(f.runtime.RunPodSandbox(full, "").status().message().find("is full") != std::string::npos);

  REQUIRE(f.Pull("busybox").ok());
  cri::ContainerConfig config;
  config.mutable_metadata()->set_name("c");
  config.mutable_image()->set_image("busybox");
  config.add_command("nosuch");
  Result<std::string> id = f.runtime.CreateContainer(a, config);
  REQUIRE(id.ok());
  CHECK(f.runtime.CreateContainer(a, config).status().reason() == Reason::kAlreadyExists);
  CHECK(f.runtime.StartContainer(*id).message().find("executable file not found") !=
        std::string::npos);
  CHECK(f.StatusOf(*id).reason() == "StartError");

  std::string web = f.Container(a, "nginx", {}, {}, 1);
  Result<std::string> killed = f.runtime.Kill("default/a/c", 0, true);
  REQUIRE(killed.ok());
  CHECK(*killed == web);
  CHECK(f.StatusOf(web).reason() == "OOMKilled");
  CHECK(f.runtime.Kill(web, 1, false).status().reason() == Reason::kConflict);
  CHECK(f.runtime.Dump().find("default/a/c attempt=1 CONTAINER_EXITED exit=137 OOMKilled") !=
        std::string::npos);

  CHECK(f.runtime.Reboot() == 2);
  CHECK(f.runtime.ListContainers({}).empty());
  CHECK(f.runtime.ListPodSandbox({}).empty());
  CHECK_FALSE(f.runtime.ImageStatus("nginx").value().has_value());
  CHECK(f.runtime.ImageStatus("registry.k8s.io/pause").value().has_value());
  CHECK(f.runtime.RemovePodSandbox(a).ok());
  CHECK(f.runtime.PodSandboxStatus(f.Sandbox("b", "10.9.0.0/30"))->network().ip() == "10.9.0.2");
  REQUIRE(testing::Eventually([&] {
    std::lock_guard<std::mutex> lock(mu);
    return events.size() == 5;
  }));
  std::lock_guard<std::mutex> lock(mu);
  CHECK(events == std::vector<cri::ContainerEventType>{
                      cri::CONTAINER_CREATED_EVENT, cri::CONTAINER_STOPPED_EVENT,
                      cri::CONTAINER_CREATED_EVENT, cri::CONTAINER_STARTED_EVENT,
                      cri::CONTAINER_STOPPED_EVENT});
}

}  // namespace
}  // namespace pk::fakecri
