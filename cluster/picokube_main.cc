// picokube: a whole cluster in a directory, from one command.
//   picokube up [--data-dir DIR] [--nodes N] [--port PORT]   (scripts/up builds, then runs this)
//   picokube status [--data-dir DIR]
//   picokube down [--data-dir DIR]
//   picokube scenario FILE... [--keep] [--junit FILE] [--seed N]   (scenarios/README.md)
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "cluster/commands.h"
#include "scenario/scenario.h"

namespace {

// The directory of this binary: the other components are built beside it.
std::filesystem::path BinDir() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path(".") : self.parent_path();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"picokube: a Kubernetes control plane of separate processes in one directory"};
  app.require_subcommand(1);
  pk::cluster::UpOptions up;
  up.bin_dir = BinDir();
  std::string dir = ".picokube";
  auto* up_cmd = app.add_subcommand("up", "Start (or restart) the cluster, wait for its nodes");
  auto* status_cmd = app.add_subcommand("status", "Show each process, or why it is not running");
  auto* down_cmd = app.add_subcommand("down", "Stop the cluster's processes");
  for (auto* cmd : {up_cmd, status_cmd, down_cmd}) {
    cmd->add_option("--data-dir", dir, "The cluster's directory")->capture_default_str();
  }
  up_cmd->add_option("--nodes", up.nodes, "Nodes (default: as last time, else 2)");
  up_cmd->add_option("--port", up.port, "REST port (default: as last time, else any free)");
  up_cmd
      ->add_option("--hollow-above", up.hollow_above,
                   "Above this many nodes one hollow kubelet simulates them all")
      ->capture_default_str();
  up_cmd
      ->add_option("--time-scale", up.time_scale,
                   "Multiplies kubelet, fake-cri and controller timings (0.1: 10x faster)")
      ->capture_default_str();
  up_cmd->add_flag("--insecure", up.insecure,
                   "Plain HTTP and gRPC without authentication or authorization (teaching)");
  up_cmd->add_option("--slow-motion", up.slow_motion,
                     "Seconds each hop of a pod's flow waits, to follow it step by step");
  pk::scenario::RunOptions scenario;
  scenario.bin_dir = up.bin_dir;
  std::vector<std::string> scenario_files;
  std::string junit;
  uint64_t seed = 0;
  auto* scenario_cmd = app.add_subcommand(
      "scenario", "Run scenario files, each on a fresh cluster (scenarios/README.md)");
  scenario_cmd->add_option("files", scenario_files, "Scenario YAML files")->required();
  scenario_cmd->add_flag("--keep", scenario.keep, "Leave each cluster running afterwards");
  scenario_cmd->add_option("--junit", junit, "Write a JUnit XML report here");
  auto* seed_opt = scenario_cmd->add_option("--seed", seed, "Replace every scenario's seed");
  scenario_cmd->add_option("--kubectl", scenario.kubectl, "The kubectl to run")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  signal(SIGPIPE, SIG_IGN);  // a reader that goes away must not kill a launch halfway
  if (*up_cmd) {
    up.dir = dir;
    return pk::cluster::Up(up);
  }
  if (*status_cmd) return pk::cluster::PrintStatus(dir);
  if (*scenario_cmd) {
    if (*seed_opt) scenario.seed = seed;
    scenario.color = isatty(STDOUT_FILENO) != 0;
    return pk::scenario::RunScenarioFiles(scenario_files, scenario, junit, std::cout);
  }
  return pk::cluster::Down(dir);
}
