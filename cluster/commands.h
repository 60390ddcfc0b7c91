// The `picokube` command's subcommands (cluster/picokube_main.cc): a cluster in a directory,
// started detached so that it outlives the command — what scripts/up, scripts/down and
// `scripts/up --status` run once the binaries are built.
#pragma once

#include <filesystem>
#include <string>

namespace pk::cluster {

struct UpOptions {
  std::filesystem::path dir;  // the cluster's directory (store, logs, pids, kubeconfig)
  std::filesystem::path bin_dir;
  int nodes = -1;  // -1: as the last `up` on this dir, else 2
  int port = -1;   // REST port; -1: as the last `up` on this dir, else any free port
  // Above this many nodes, one hollow kubelet (and one fake-cri) simulates them all; at or
  // below, each node has a kubelet and a fake-cri of its own.
  int hollow_above = 5;
  double time_scale = 1.0;
  double slow_motion = 0;  // seconds each hop of a pod's flow waits (for teaching)
  // --insecure: plain HTTP and gRPC, no authentication or authorization (for teaching: the
  // web page and curl reach the API directly).
  bool insecure = false;
};

// Stops what still runs of a previous cluster in `dir`, starts every component, waits until
// every node is Ready, and prints each step with its time and then how to use the cluster.
// Returns the process exit code.
int Up(UpOptions options);

// Stops the cluster's components (newest first). Exit code.
int Down(const std::filesystem::path& dir);

// Prints each component with its pid, CPU and memory, or that it is not running with the tail
// of its log. Exit code 0 when all run, 1 when some do not, 3 when there is no cluster.
int PrintStatus(const std::filesystem::path& dir);

}  // namespace pk::cluster
