// The Endpoints controller against an in-process apiserver (the test plays the kubelet by
// patching pod IPs and readiness), and RepackSubsets on its own.
#include "controller-manager/endpoints/endpoints_controller.h"

#include <doctest/doctest.h>

#include <cctype>
#include <thread>

#include "apimachinery/time.h"
#include "client/test_apiserver.h"
#include "controller-manager/controller_manager.h"
#include "controller-manager/endpoints/repack.h"
#include "controller-manager/endpoints/subsets.h"
#include "tests/testing.h"

namespace pk::controllers {
namespace {

using k8s::core::v1::EndpointAddress;
using k8s::core::v1::Endpoints;
using k8s::core::v1::EndpointSubset;
using k8s::core::v1::Pod;
using k8s::core::v1::Service;
using pk::testing::Eventually;

constexpr char kNs[] = "default";

struct Cluster {
  client::testing::TestApiServer server;
  client::Clientset cs = server.NewClientset();
  std::unique_ptr<ControllerManager> manager;

  explicit Cluster(bool start = true) {
    if (start) Start();
  }
  void Start() {
    ControllerManagerOptions options;
    options.apiserver = server.target();
    options.leader_elect = false;
    options.controllers = {"endpoints"};
    auto started = ControllerManager::Start(options);
    REQUIRE_MESSAGE(started.ok(), started.status().message());
    manager = std::move(started).value();
  }

  client::TypedClient<Service> services() const { return cs.Resource<Service>(kNs); }
  client::TypedClient<Endpoints> endpoints() const { return cs.Resource<Endpoints>(kNs); }

  // The pod, bound to node-1, with container ports `ports` ({name, number}).
  void CreatePod(const std::string& name, const std::map<std::string, std::string>& labels,
                 const std::vector<std::pair<std::string, int>>& ports = {}) const {
    Pod pod;
    pod.mutable_metadata()->set_name(name);
    for (const auto& [k, v] : labels) (*pod.mutable_metadata()->mutable_labels())[k] = v;
    pod.mutable_spec()->set_node_name("node-1");
    auto* c = pod.mutable_spec()->add_containers();
    c->set_name("app");
    c->set_image("nginx");
    for (const auto& [port_name, number] : ports) {
      auto* p = c->add_ports();
      p->set_name(port_name);
      p->set_container_port(number);
    }
    auto created = cs.Pods(kNs).Create(pod);
    REQUIRE_MESSAGE(created.ok(), created.status().message());
  }
  // What the kubelet reports: Running with `ip`, Ready or not.
  void SetStatus(const std::string& name, const std::string& ip, bool ready,
                 const std::string& phase = "Running") const {
    std::string patch =
        R"({"status":{"phase":")" + phase + R"(","podIP":")" + ip + R"(","podIPs":[{"ip":")" + ip +
        R"("}],"conditions":[{"type":"Ready","status":")" + (ready ? "True" : "False") +
        R"(","lastTransitionTime":")" + FormatRfc3339(NowTime().seconds()) + R"("}]}})";
    auto patched = cs.Pods(kNs).PatchStatus(name, "application/merge-patch+json", patch);
    REQUIRE_MESSAGE(patched.ok(), patched.status().message());
  }
  // A Service on port 80 to `target` (a number, or a port name) selecting `selector`.
  void CreateService(const std::string& name, const std::map<std::string, std::string>& selector,
                     const std::string& target = "8080") const {
    Service s;
    s.mutable_metadata()->set_name(name);
    (*s.mutable_metadata()->mutable_labels())["tier"] = "front";
    for (const auto& [k, v] : selector) (*s.mutable_spec()->mutable_selector())[k] = v;
    auto* port = s.mutable_spec()->add_ports();
    port->set_name("http");
    port->set_port(80);
    if (std::isdigit(static_cast<unsigned char>(target[0]))) {
      port->mutable_target_port()->set_int_val(std::stoi(target));
    } else {
      port->mutable_target_port()->set_type(1);
      port->mutable_target_port()->set_str_val(target);
    }
    auto created = services().Create(s);
    REQUIRE_MESSAGE(created.ok(), created.status().message());
  }
  client::Ptr<Endpoints> Get(const std::string& name) const {
    auto e = endpoints().Get(name);
    return e.ok() ? *e : nullptr;
  }
};

std::vector<std::string> Ips(const google::protobuf::RepeatedPtrField<EndpointAddress>& list) {
  std::vector<std::string> out;
  for (const auto& a : list) out.push_back(a.ip());
  return out;
}

// "ready ips | not ready ips | ports" of every subset, for compact checks.
std::string Summary(const Endpoints* e) {
  if (e == nullptr) return "<absent>";
  std::string out;
  for (const auto& s : e->subsets()) {
    if (!out.empty()) out += "; ";
    for (const auto& ip : Ips(s.addresses())) out += ip + " ";
    out += "|";
    for (const auto& ip : Ips(s.not_ready_addresses())) out += " " + ip;
    out += " |";
    for (const auto& p : s.ports()) out += " " + p.name() + ":" + std::to_string(p.port());
  }
  return out;
}

TEST_CASE("ready pods are addresses, unready ones notReadyAddresses, the rest left out") {
  Cluster c;
  c.CreatePod("a", {{"app", "web"}});
  c.CreatePod("b", {{"app", "web"}});
  c.CreatePod("no-ip", {{"app", "web"}});
  c.CreatePod("done", {{"app", "web"}});
  c.CreatePod("other", {{"app", "db"}});
  c.SetStatus("a", "10.244.1.5", true);
  c.SetStatus("b", "10.244.1.6", false);
  c.SetStatus("done", "10.244.1.7", false, "Succeeded");
  c.SetStatus("other", "10.244.1.8", true);
  c.CreateService("web", {{"app", "web"}});

  REQUIRE(Eventually(
      [&] { return Summary(c.Get("web").get()) == "10.244.1.5 | 10.244.1.6 | http:8080"; }));
  auto e = c.Get("web");
  const auto& a = e->subsets(0).addresses(0);
  CHECK(a.node_name() == "node-1");
  CHECK(a.target_ref().kind() == "Pod");
  CHECK(a.target_ref().namespace_() == kNs);
  CHECK(a.target_ref().name() == "a");
  CHECK(a.target_ref().uid() == (*c.cs.Pods(kNs).Get("a"))->metadata().uid());
  CHECK(e->subsets(0).ports(0).protocol() == "TCP");
  CHECK(e->metadata().labels().at("tier") == "front");
  CHECK(!e->metadata().labels().count("service.kubernetes.io/headless"));
  // The first sync's trigger time is the Service's creation.
  auto svc = *c.services().Get("web");
  CHECK(e->metadata().annotations().at("endpoints.kubernetes.io/last-change-trigger-time") ==
        FormatRfc3339(svc->metadata().creation_timestamp().seconds()));
}

TEST_CASE("endpoints left from a service deleted while the controller was down are deleted") {
  Cluster c(/*start=*/false);
  Endpoints orphan;
  orphan.mutable_metadata()->set_name("gone");
  REQUIRE(c.endpoints().Create(orphan).ok());
  Endpoints leader;  // a leader-election record is no service's
  leader.mutable_metadata()->set_name("lock");
  (*leader.mutable_metadata()->mutable_annotations())["control-plane.alpha.kubernetes.io/leader"] =
      "{}";
  REQUIRE(c.endpoints().Create(leader).ok());
  c.Start();
  CHECK(Eventually([&] { return c.Get("gone") == nullptr; }));
  CHECK(c.Get("lock") != nullptr);
}

TEST_CASE("publishNotReadyAddresses lists every pod with an IP as an address") {
  Cluster c;
  Pod pod;
  pod.mutable_metadata()->set_name("a");
  (*pod.mutable_metadata()->mutable_labels())["app"] = "web";
  pod.mutable_spec()->set_hostname("web-0");
  pod.mutable_spec()->set_subdomain("peers");
  auto* container = pod.mutable_spec()->add_containers();
  container->set_name("app");
  container->set_image("nginx");
  REQUIRE(c.cs.Pods(kNs).Create(pod).ok());
  c.SetStatus("a", "10.244.1.5", false);
  Service s;
  s.mutable_metadata()->set_name("peers");
  (*s.mutable_spec()->mutable_selector())["app"] = "web";
  s.mutable_spec()->set_cluster_ip("None");
  s.mutable_spec()->set_publish_not_ready_addresses(true);
  REQUIRE(c.services().Create(s).ok());
  REQUIRE(Eventually([&] { return Summary(c.Get("peers").get()) == "10.244.1.5 | |"; }));
  auto e = c.Get("peers");
  CHECK(e->metadata().labels().at("service.kubernetes.io/headless").empty());
  CHECK(e->subsets(0).addresses(0).hostname() == "web-0");  // its subdomain is the service
}

TEST_CASE("a named targetPort is looked up in each pod; pods without it are left out") {
  Cluster c;
  c.CreatePod("a", {{"app", "web"}}, {{"web", 8080}});
  c.CreatePod("b", {{"app", "web"}}, {{"web", 9090}});
  c.CreatePod("c", {{"app", "web"}}, {{"metrics", 9100}});
  c.SetStatus("a", "10.244.1.5", true);
  c.SetStatus("b", "10.244.1.6", true);
  c.SetStatus("c", "10.244.1.7", true);
  c.CreateService("web", {{"app", "web"}}, "web");
  CHECK(Eventually([&] {
    auto s = Summary(c.Get("web").get());
    return s == "10.244.1.5 | | http:8080; 10.244.1.6 | | http:9090" ||
           s == "10.244.1.6 | | http:9090; 10.244.1.5 | | http:8080";
  }));
}

TEST_CASE("a pod that becomes ready moves to addresses; a deleted pod goes") {
  Cluster c;
  c.CreateService("web", {{"app", "web"}});
  c.CreatePod("a", {{"app", "web"}});
  c.CreatePod("b", {{"app", "web"}});
  c.SetStatus("a", "10.244.1.5", true);
  c.SetStatus("b", "10.244.1.6", false);
  REQUIRE(Eventually(
      [&] { return Summary(c.Get("web").get()) == "10.244.1.5 | 10.244.1.6 | http:8080"; }));
  c.SetStatus("b", "10.244.1.6", true);
  REQUIRE(Eventually(
      [&] { return Summary(c.Get("web").get()) == "10.244.1.5 10.244.1.6 | | http:8080"; }));
  client::DeleteOptions now;
  now.grace_period_seconds = 0;
  REQUIRE(c.cs.Pods(kNs).Delete("a", now).ok());
  CHECK(Eventually([&] { return Summary(c.Get("web").get()) == "10.244.1.6 | | http:8080"; }));
  REQUIRE(c.cs.Pods(kNs).Delete("b", now).ok());
  CHECK(Eventually([&] {
    auto e = c.Get("web");
    return e != nullptr && e->subsets_size() == 0;
  }));
}

TEST_CASE("a changed selector changes the addresses; a deleted service deletes its endpoints") {
  Cluster c;
  c.CreatePod("a", {{"app", "web"}});
  c.CreatePod("b", {{"app", "api"}});
  c.SetStatus("a", "10.244.1.5", true);
  c.SetStatus("b", "10.244.1.6", true);
  c.CreateService("web", {{"app", "web"}});
  REQUIRE(Eventually([&] { return Summary(c.Get("web").get()) == "10.244.1.5 | | http:8080"; }));

  auto svc = *c.services().Get("web");
  Service changed = *svc;
  (*changed.mutable_spec()->mutable_selector())["app"] = "api";
  REQUIRE(c.services().Update(changed).ok());
  REQUIRE(Eventually([&] { return Summary(c.Get("web").get()) == "10.244.1.6 | | http:8080"; }));
  // A pod relabelled into the service joins it.
  REQUIRE(
      c.cs.Pods(kNs)
          .Patch("a", "application/merge-patch+json", R"({"metadata":{"labels":{"app":"api"}}})")
          .ok());
  REQUIRE(Eventually(
      [&] { return Summary(c.Get("web").get()) == "10.244.1.5 10.244.1.6 | | http:8080"; }));

  REQUIRE(c.services().Delete("web").ok());
  CHECK(Eventually([&] { return c.Get("web") == nullptr; }));
}

TEST_CASE(
    "the endpoints of a service without selector are left alone; unchanged ones not rewritten") {
  Cluster c;
  Service external;
  external.mutable_metadata()->set_name("external");
  auto* port = external.mutable_spec()->add_ports();
  port->set_port(5432);
  REQUIRE(c.services().Create(external).ok());
  Endpoints manual;
  manual.mutable_metadata()->set_name("external");
  auto* subset = manual.add_subsets();
  subset->add_addresses()->set_ip("192.168.0.10");
  subset->add_ports()->set_port(5432);
  auto made = c.endpoints().Create(manual);
  REQUIRE(made.ok());

  c.CreatePod("a", {{"app", "web"}});
  c.SetStatus("a", "10.244.1.5", true);
  c.CreateService("web", {{"app", "web"}});
  REQUIRE(Eventually([&] { return Summary(c.Get("web").get()) == "10.244.1.5 | | http:8080"; }));
  const std::string rv = c.Get("web")->metadata().resource_version();

  // A pod change that does not touch the endpoints, then one in another service: once that
  // one shows, the first has been synced too and must not have been written.
  REQUIRE(c.cs.Pods(kNs)
              .Patch("a", "application/merge-patch+json",
                     R"({"metadata":{"annotations":{"note":"x"}}})")
              .ok());
  c.CreatePod("z", {{"app", "zeta"}});
  c.SetStatus("z", "10.244.1.9", true);
  c.CreateService("zeta", {{"app", "zeta"}});
  REQUIRE(Eventually([&] { return Summary(c.Get("zeta").get()) == "10.244.1.9 | | http:8080"; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(c.Get("web")->metadata().resource_version() == rv);
  auto still = c.Get("external");
  REQUIRE(still != nullptr);
  CHECK(still->metadata().resource_version() == (*made)->metadata().resource_version());
  CHECK(Summary(still.get()) == "192.168.0.10 | | :5432");
}

EndpointAddress Address(const std::string& ip, const std::string& uid) {
  EndpointAddress a;
  a.set_ip(ip);
  a.mutable_target_ref()->set_uid(uid);
  return a;
}

EndpointSubset One(const std::string& ip, bool ready, int port) {
  EndpointSubset s;
  *(ready ? s.add_addresses() : s.add_not_ready_addresses()) = Address(ip, "uid-" + ip);
  auto* p = s.add_ports();
  p->set_name("p" + std::to_string(port));
  p->set_port(port);
  p->set_protocol("TCP");
  return s;
}

TEST_CASE("RepackSubsets groups addresses by the ports they serve, stably") {
  using endpoints::RepackSubsets;
  // Two pods on both ports: one subset with both ports, addresses sorted by IP.
  auto packed = RepackSubsets({One("10.0.0.2", true, 80), One("10.0.0.1", true, 80),
                               One("10.0.0.1", true, 443), One("10.0.0.2", true, 443)});
  REQUIRE(packed.size() == 1);
  CHECK(Ips(packed[0].addresses()) == std::vector<std::string>{"10.0.0.1", "10.0.0.2"});
  REQUIRE(packed[0].ports_size() == 2);
  CHECK(packed[0].ports(0).port() == 443);
  CHECK(packed[0].ports(1).port() == 80);
  // The input order does not matter.
  auto again = RepackSubsets({One("10.0.0.1", true, 443), One("10.0.0.2", true, 443),
                              One("10.0.0.2", true, 80), One("10.0.0.1", true, 80)});
  REQUIRE(again.size() == 1);
  CHECK(again[0].SerializeAsString() == packed[0].SerializeAsString());
  // Different port sets make different subsets; not ready trumps ready for one port.
  auto split = RepackSubsets({One("10.0.0.1", true, 80), One("10.0.0.2", true, 80),
                              One("10.0.0.2", false, 80), One("10.0.0.3", true, 8080)});
  REQUIRE(split.size() == 2);
  Endpoints e;
  for (auto& s : split) *e.add_subsets() = s;
  const std::string summary = Summary(&e);
  CHECK((summary == "10.0.0.1 | 10.0.0.2 | p80:80; 10.0.0.3 | | p8080:8080" ||
         summary == "10.0.0.3 | | p8080:8080; 10.0.0.1 | 10.0.0.2 | p80:80"));
  // Addresses without ports are kept, in a subset without ports.
  EndpointSubset bare;
  *bare.add_addresses() = Address("10.0.0.9", "u9");
  auto kept = RepackSubsets({bare});
  REQUIRE(kept.size() == 1);
  CHECK(kept[0].ports_size() == 0);
  CHECK(Ips(kept[0].addresses()) == std::vector<std::string>{"10.0.0.9"});
}

TEST_CASE("over 1000 addresses, ready ones are kept first, in proportion per subset") {
  Endpoints e;
  auto* first = e.add_subsets();
  auto* second = e.add_subsets();
  for (int i = 0; i < 900; ++i) first->add_addresses()->set_ip("10.0.0." + std::to_string(i));
  for (int i = 0; i < 300; ++i) second->add_addresses()->set_ip("10.1.0." + std::to_string(i));
  for (int i = 0; i < 10; ++i) second->add_not_ready_addresses()->set_ip("10.2.0.1");
  CHECK(!endpoints::CapacityAnnotationCorrect(e));
  REQUIRE(endpoints::Truncate(&e));
  CHECK(e.subsets(0).addresses_size() == 750);  // ceil(900 / 1200 * 1000)
  CHECK(e.subsets(1).addresses_size() == 250);
  CHECK(e.subsets(1).not_ready_addresses_size() == 0);
  CHECK(!endpoints::Truncate(&e));
  // Room for the ready ones: the not ready ones share what is left.
  Endpoints some;
  auto* s = some.add_subsets();
  for (int i = 0; i < 990; ++i) s->add_addresses()->set_ip("10.0.0.1");
  for (int i = 0; i < 20; ++i) s->add_not_ready_addresses()->set_ip("10.0.0.2");
  REQUIRE(endpoints::Truncate(&some));
  CHECK(some.subsets(0).addresses_size() == 990);
  CHECK(some.subsets(0).not_ready_addresses_size() == 10);
}

}  // namespace
}  // namespace pk::controllers
