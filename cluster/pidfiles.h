// A cluster's processes as recorded on disk — DIR/pids/COMPONENT.pid, written by Cluster each
// time it starts a component — so that `picokube down` and `picokube status` (scripts/down,
// scripts/up --status) find a cluster whose launcher has long exited.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace pk::cluster {

struct RecordedProcess {
  std::string name;  // the component: "apiserver", "kubelet-node-0", ...
  pid_t pid = -1;
  // Alive, and still the cluster's: its command line names the cluster's directory (a pid the
  // system has given to another program since does not count).
  bool running = false;
};

// Records `pid` as DIR's component `name`.
void RecordPid(const std::filesystem::path& dir, const std::string& name, pid_t pid);

// The recorded components, in start order (apiserver, fake-cris, kubelets, scheduler,
// controller-manager).
std::vector<RecordedProcess> RecordedProcesses(const std::filesystem::path& dir);

// Stops every recorded component that runs, the last started first (SIGTERM; SIGKILL after
// `grace`), and removes the pid files. Returns the names of those it stopped.
std::vector<std::string> StopRecorded(const std::filesystem::path& dir,
                                      std::chrono::milliseconds grace = std::chrono::seconds(5));

// Start-order rank of a component name (0 apiserver ... 4 controller-manager).
int StartRank(const std::string& component);

}  // namespace pk::cluster
