#include "tests/integration/cluster_fixture.h"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>

namespace pk::testing {

ClusterFixture::ClusterFixture(std::vector<cluster::KubeletGroup> kubelets,
                               std::map<std::string, std::vector<std::string>> extra_args) {
  const char* bin = std::getenv("PK_BIN_DIR");
  REQUIRE_MESSAGE(bin != nullptr, "PK_BIN_DIR is not set: run the test through ctest");
  cluster::ClusterOptions options;
  options.dir = dir_.path() / "cluster";
  options.bin_dir = bin;
  options.kubelets = std::move(kubelets);
  options.time_scale = kTimeScale;
  options.extra_args = std::move(extra_args);
  auto started = cluster::Cluster::Start(options);
  REQUIRE_MESSAGE(started.ok(), started.status().message());
  cluster_ = std::move(started).value();
}

std::string ClusterFixture::Kubectl(const std::string& args) const {
  return CommandOutput(fmt::format("/usr/bin/kubectl --kubeconfig={} --cache-dir={} {} 2>&1",
                                   cluster_->kubeconfig().string(), Path("kube-cache").string(),
                                   args));
}

void ClusterFixture::Apply(const std::string& yaml) const {
  static int count = 0;
  const auto file = Path(fmt::format("manifest-{}.yaml", ++count));
  std::ofstream(file) << yaml;
  std::string out = Kubectl("apply -f " + file.string() + "; echo rc=$?");
  REQUIRE_MESSAGE(out.find("rc=0") != std::string::npos, out);
}

std::vector<client::Ptr<k8s::core::v1::Pod>> ClusterFixture::Pods(const std::string& selector,
                                                                  const std::string& ns) const {
  client::ListOptions options;
  options.label_selector = selector;
  auto list = clientset().Pods(ns).List(options);
  if (!list.ok()) return {};
  return list->items;
}

bool PodReady(const k8s::core::v1::Pod& pod) {
  if (pod.metadata().has_deletion_timestamp() || pod.status().phase() != "Running") return false;
  for (const auto& c : pod.status().conditions()) {
    if (c.type() == "Ready") return c.status() == "True";
  }
  return false;
}

int ClusterFixture::ReadyPods(const std::string& selector, const std::string& ns) const {
  int ready = 0;
  for (const auto& pod : Pods(selector, ns)) ready += PodReady(*pod);
  return ready;
}

bool ClusterFixture::WaitReadyPods(const std::string& selector, int count,
                                   std::chrono::milliseconds timeout) const {
  bool ok = Eventually(
      [&] { return int(Pods(selector).size()) == count && ReadyPods(selector) == count; }, timeout);
  if (!ok) FAIL_CHECK("not " << count << " ready pods " << selector << "\n" << Diagnose());
  return ok;
}

std::string ClusterFixture::Diagnose() const {
  return Kubectl("get pods,replicasets,deployments,nodes -A -o wide") +
         Kubectl("get events -A --sort-by=.lastTimestamp | tail -30") + cluster_->Diagnose();
}

cluster::KubeletGroup Nodes(const std::string& name, int count, std::vector<std::string> labels) {
  cluster::KubeletGroup group;
  group.name = name;
  group.nodes = count;
  group.labels = std::move(labels);
  return group;
}

PodLog::PodLog(const client::Clientset& clientset, const std::string& ns) {
  auto watch = clientset.Pods(ns).Watch();
  REQUIRE(watch.ok());
  watch_ = std::move(watch).value();
  thread_ = std::thread([this] { Loop(); });
}

PodLog::~PodLog() {
  stop_ = true;
  thread_.join();
}

void PodLog::Loop() {
  while (!stop_) {
    auto event = watch_->Next(std::chrono::milliseconds(50));
    if (!event || !event->object) continue;
    const std::string& name = event->object->metadata().name();
    std::lock_guard lock(mu_);
    if (event->type == client::EventType::kAdded) lines_.push_back("added " + name);
    if (event->type == client::EventType::kDeleted) {
      lines_.push_back("deleted " + name);
      ready_.erase(name);
    } else if (PodReady(*event->object) && ready_.insert(name).second) {
      lines_.push_back("ready " + name);
    }
  }
}

std::vector<std::string> PodLog::lines() {
  std::lock_guard lock(mu_);
  return lines_;
}

int PodLog::IndexOf(const std::string& line) {
  std::lock_guard lock(mu_);
  auto it = std::find(lines_.begin(), lines_.end(), line);
  return it == lines_.end() ? -1 : int(it - lines_.begin());
}

}  // namespace pk::testing
