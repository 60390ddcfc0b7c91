// fake-cri: the simulated container runtime as a process (see fake_cri.h).
#include <CLI/CLI.hpp>
#include <csignal>

#include "apimachinery/log.h"
#include "apimachinery/process_tuning.h"
#include "apimachinery/stop_signals.h"
#include "client/api_flags.h"
#include "fake-cri/fake_cri.h"
#include "trace/install.h"

int main(int argc, char** argv) {
  pk::TuneProcess();
  CLI::App app{"fake-cri: a simulated container runtime serving CRI v1 on a unix socket"};
  pk::fakecri::Options options;
  app.add_option("--socket", options.socket_path, "unix socket to serve on")->required();
  app.add_option("--catalog", options.catalog_path, "image catalog YAML (default: shipped)");
  app.add_option("--time-scale", options.time_scale, "multiplies every simulated duration");
  app.add_option("--seed", options.seed, "seed of the generated ids");
  app.add_option("--state-dir", options.state_dir, "directory for logs without a pod log dir");
  std::string apiserver;
  pk::client::ApiCredentials credentials;
  bool trace_pods = true;
  // The apiserver only receives pod-flow trace spans from a runtime (a real CRI never calls it).
  pk::client::AddApiFlags(app, &apiserver, nullptr, &credentials, /*required=*/false);
  app.add_option("--trace", trace_pods, "Send pod-flow trace spans to --apiserver")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  pk::StopSignals stop;  // before any thread starts
  std::shared_ptr<grpc::Channel> channel;
  if (!apiserver.empty()) {
    channel = pk::client::DialFromFlags("fake-cri", apiserver, credentials);
    if (!channel) return 1;
  }
  pk::trace::GlobalRecorder recorder(channel, "fake-cri", "", trace_pods);

  auto cri = pk::fakecri::FakeCri::Start(options);
  if (!cri.ok()) {
    pk::Logf("fake-cri: %s\n", cri.status().message().c_str());
    return 1;
  }
  pk::Logf("fake-cri: serving on unix:%s (time scale %g)\n", options.socket_path.c_str(),
           options.time_scale);
  int signal = stop.Wait();
  pk::Logf("fake-cri: stopping on signal %d\n", signal);
  cri->reset();
  return 0;
}
