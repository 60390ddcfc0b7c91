// scheduler: picokube's kube-scheduler. Watches unscheduled pods through the apiserver's gRPC
// face, runs the profiles of its KubeSchedulerConfiguration, binds through pods/binding.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "apimachinery/log.h"
#include "apimachinery/process_tuning.h"
#include "apimachinery/stop_signals.h"
#include "client/api_flags.h"
#include "scheduler/scheduler.h"
#include "trace/flags.h"
#include "trace/install.h"

namespace {

// Writes the debug port for scripts and tests that started us with --port 0.
bool WritePortFile(const std::string& path, int port) {
  if (path.empty()) return true;
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << port << "\n";
    if (!out) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  pk::TuneProcess();
  pk::scheduler::SchedulerOptions options;
  std::string config_file, port_file;
  bool leader_elect = true;
  CLI::App app{"picokube scheduler: assigns pods to nodes"};
  pk::client::AddApiFlags(app, &options.apiserver, &options.token, &options.credentials);
  app.add_option("--config", config_file, "A KubeSchedulerConfiguration YAML file");
  app.add_option("--leader-elect", leader_elect,
                 "Campaign for the kube-system/kube-scheduler Lease before scheduling")
      ->default_val(true);
  app.add_option("--identity", options.identity, "Leader election identity");
  app.add_option("--port", options.debug_port,
                 "Debug port on 127.0.0.1 (/explain/NS/NAME; 0: any free port; -1: none)");
  app.add_option("--port-file", port_file, "Write the debug port here once listening");
  app.add_option("--bind-workers", options.bind_workers, "Bindings in flight at once");
  app.add_option("--seed", options.seed, "Seed for breaking ties between equal scores");
  pk::trace::FlowFlags flow;
  flow.Add(app);
  CLI11_PARSE(app, argc, argv);
  flow.Apply();

  if (!config_file.empty()) {
    std::ifstream in(config_file);
    if (!in) {
      pk::Logf("scheduler: cannot read --config %s\n", config_file.c_str());
      return 2;
    }
    std::stringstream text;
    text << in.rdbuf();
    auto config = pk::scheduler::ParseConfig(text.str());
    if (!config.ok()) {
      pk::Logf("scheduler: %s: %s\n", config_file.c_str(), config.status().message().c_str());
      return 2;
    }
    options.config = std::move(config).value();
  }
  if (app.count("--leader-elect") > 0 || config_file.empty()) {
    options.config.leader_election.leader_elect = leader_elect;
  }

  pk::StopSignals stop;  // before any thread starts
  // After StopSignals: its thread must start with the stop signals blocked.
  auto channel = pk::client::DialFromFlags("scheduler", options.apiserver, options.credentials);
  if (!channel) return 1;
  pk::trace::GlobalRecorder recorder(channel, "scheduler", options.token, flow.trace);
  auto scheduler = pk::scheduler::Scheduler::Start(options);
  if (!scheduler.ok()) {
    pk::Logf("scheduler: %s\n", scheduler.status().message().c_str());
    return 1;
  }
  if (!WritePortFile(port_file, (*scheduler)->debug_port())) {
    pk::Logf("scheduler: cannot write --port-file %s\n", port_file.c_str());
    return 1;
  }
  pk::Logf("scheduler: running; explanations at http://127.0.0.1:%d/explain/NS/NAME\n",
           (*scheduler)->debug_port());
  // Wake up now and then to notice a lost lease: kube-scheduler exits then.
  while (true) {
    int signal = stop.WaitFor(std::chrono::seconds(1));
    if (signal != 0) {
      pk::Logf("scheduler: stopping on signal %d\n", signal);
      return 0;
    }
    if ((*scheduler)->LeadershipLost()) {
      pk::Logf("scheduler: leaderelection lost\n");
      return 1;
    }
  }
}
