#include "cluster/pidfiles.h"

#include <signal.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <thread>

namespace pk::cluster {
namespace {

namespace fs = std::filesystem;

// Whether `pid` runs (not a zombie) with `dir` in its command line.
bool RunsIn(pid_t pid, const fs::path& dir) {
  if (pid <= 0 || kill(pid, 0) != 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (std::getline(stat, line)) {
    const size_t paren = line.rfind(')');
    if (paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z') {
      return false;
    }
  }
  std::ifstream cmdline("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  const std::string args{std::istreambuf_iterator<char>(cmdline), {}};
  return args.find(dir.string()) != std::string::npos;
}

}  // namespace

int StartRank(const std::string& component) {
  if (component == "apiserver") return 0;
  if (component.rfind("fake-cri", 0) == 0) return 1;
  if (component.rfind("kubelet", 0) == 0) return 2;
  if (component == "scheduler") return 3;
  return 4;
}

void RecordPid(const fs::path& dir, const std::string& name, pid_t pid) {
  std::error_code ec;
  fs::create_directories(dir / "pids", ec);
  std::ofstream(dir / "pids" / (name + ".pid")) << pid << "\n";
}

std::vector<RecordedProcess> RecordedProcesses(const fs::path& dir) {
  std::vector<RecordedProcess> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir / "pids", ec)) {
    if (entry.path().extension() != ".pid") continue;
    RecordedProcess p;
    p.name = entry.path().stem().string();
    std::ifstream(entry.path()) >> p.pid;
    p.running = RunsIn(p.pid, dir);
    out.push_back(std::move(p));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::pair(StartRank(a.name), a.name) < std::pair(StartRank(b.name), b.name);
  });
  return out;
}

std::vector<std::string> StopRecorded(const fs::path& dir, std::chrono::milliseconds grace) {
  std::map<int, std::vector<RecordedProcess>, std::greater<>> by_rank;
  for (auto& p : RecordedProcesses(dir)) by_rank[StartRank(p.name)].push_back(std::move(p));
  std::vector<std::string> stopped;
  // One rank at a time, all of a rank together: the kubelets stop before their fake-cris and
  // the apiserver last, so no component logs errors about a peer that vanished first.
  for (auto& [rank, group] : by_rank) {
    for (const auto& p : group) {
      if (p.running) kill(p.pid, SIGTERM);
    }
    const auto deadline = std::chrono::steady_clock::now() + grace;
    for (const auto& p : group) {
      while (p.running && RunsIn(p.pid, dir)) {
        if (std::chrono::steady_clock::now() >= deadline + std::chrono::seconds(1)) break;
        if (std::chrono::steady_clock::now() >= deadline) kill(p.pid, SIGKILL);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      if (p.running) stopped.push_back(p.name);
      std::error_code ec;
      fs::remove(dir / "pids" / (p.name + ".pid"), ec);
    }
  }
  return stopped;
}

}  // namespace pk::cluster
