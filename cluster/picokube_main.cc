// picokube: a whole cluster in a directory, from one command.
//   picokube up [--data-dir DIR] [--nodes N] [--port PORT]   (scripts/up builds, then runs this)
//   picokube status [--data-dir DIR]
//   picokube down [--data-dir DIR]
#include <signal.h>

#include <CLI/CLI.hpp>
#include <filesystem>

#include "cluster/commands.h"

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
  up_cmd->add_option("--slow-motion", up.slow_motion,
                     "Seconds each hop of a pod's flow waits, to follow it step by step");
  CLI11_PARSE(app, argc, argv);
  signal(SIGPIPE, SIG_IGN);  // a reader that goes away must not kill a launch halfway
  if (*up_cmd) {
    up.dir = dir;
    return pk::cluster::Up(up);
  }
  if (*status_cmd) return pk::cluster::PrintStatus(dir);
  return pk::cluster::Down(dir);
}
