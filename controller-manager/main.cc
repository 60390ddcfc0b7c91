// controller-manager: picokube's kube-controller-manager. Runs the controllers --controllers
// selects, leader-elected, over the apiserver's gRPC face.
#include <CLI/CLI.hpp>

#include "apimachinery/log.h"
#include "apimachinery/process_tuning.h"
#include "apimachinery/stop_signals.h"
#include "apimachinery/time.h"
#include "client/api_flags.h"
#include "controller-manager/controller_manager.h"
#include "trace/flags.h"
#include "trace/install.h"

int main(int argc, char** argv) {
  pk::TuneProcess();
  pk::controllers::ControllerManagerOptions options;
  CLI::App app{"picokube controller-manager: keeps desired state and current state equal"};
  pk::client::AddApiFlags(app, &options.apiserver, &options.token, &options.credentials);
  app.add_option("--controllers", options.controllers,
                 "Controllers to run: '*' (the default ones), 'name', '-name'")
      ->delimiter(',');
  app.add_option("--leader-elect", options.leader_elect,
                 "Campaign for the kube-system/kube-controller-manager Lease first")
      ->default_val(true);
  app.add_option("--identity", options.identity, "Leader election identity");
  app.add_option("--workers", options.workers, "Workers per controller");
  app.add_option("--time-scale", options.time_scale,
                 "Multiplies the controllers' timings (0.1: ten times faster)");
  app.add_option("--terminated-pod-gc-threshold", options.terminated_pod_gc_threshold,
                 "Terminated pods kept before the pod garbage collector deletes the oldest "
                 "(0: never)")
      ->capture_default_str();
  std::string quota_sync_period = "5m0s";
  app.add_option("--resource-quota-sync-period", quota_sync_period,
                 "The period for syncing quota usage status in the system")
      ->capture_default_str();
  pk::trace::FlowFlags flow;
  flow.Add(app);
  CLI11_PARSE(app, argc, argv);
  flow.Apply();
  auto period = pk::ParseGoDuration(quota_sync_period);
  if (!period.ok() || *period <= 0) {
    pk::Logf("controller-manager: invalid --resource-quota-sync-period %s\n",
             quota_sync_period.c_str());
    return 1;
  }
  options.resource_quota_sync_period =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::nanoseconds(*period));

  pk::StopSignals stop;  // before any thread starts
  // After StopSignals: its thread must start with the stop signals blocked.
  auto channel =
      pk::client::DialFromFlags("controller-manager", options.apiserver, options.credentials);
  if (!channel) return 1;
  pk::trace::GlobalRecorder recorder(channel, "controller-manager", options.token, flow.trace);
  auto manager = pk::controllers::ControllerManager::Start(options);
  if (!manager.ok()) {
    pk::Logf("controller-manager: %s\n", manager.status().message().c_str());
    return 1;
  }
  std::string names;
  for (const auto& n : (*manager)->controllers()) names += (names.empty() ? "" : ",") + n;
  pk::Logf("controller-manager: running; controllers %s\n", names.c_str());
  while (true) {
    int signal = stop.WaitFor(std::chrono::seconds(1));
    if (signal != 0) {
      pk::Logf("controller-manager: stopping on signal %d\n", signal);
      return 0;
    }
    if ((*manager)->LeadershipLost()) {
      pk::Logf("controller-manager: leaderelection lost\n");
      return 1;
    }
  }
}
