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

}  // namespace pk::testing
