#include <doctest/doctest.h>

#include "apiserver/registry/strategies/test_util.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::registry {
namespace {

using k8s::core::v1::Pod;
using testing::FromJson;

const Strategy& Pods() { return testing::StrategyOf("", "pods"); }

Pod NginxPod() {
  return FromJson<Pod>(R"({"metadata":{"name":"web","namespace":"default"},
    "spec":{"containers":[{"name":"web","image":"nginx","ports":[{"containerPort":80}]}]}})");
}

TEST_CASE("pod defaults are Kubernetes' SetDefaults_Pod") {
  Pod pod = NginxPod();
  pod.mutable_spec()->add_containers()->set_image("busybox:1.36");
  Pods().Default(&pod);
  const auto& spec = pod.spec();
  CHECK(spec.restart_policy() == "Always");
  CHECK(spec.dns_policy() == "ClusterFirst");
  CHECK(spec.termination_grace_period_seconds() == 30);
  CHECK(spec.scheduler_name() == "default-scheduler");
  CHECK(spec.has_security_context());
  CHECK(spec.enable_service_links());
  CHECK(spec.containers(0).image_pull_policy() == "Always");  // no tag: latest
  CHECK(spec.containers(1).image_pull_policy() == "IfNotPresent");
  CHECK(spec.containers(0).termination_message_path() == "/dev/termination-log");
  CHECK(spec.containers(0).termination_message_policy() == "File");
  CHECK(spec.containers(0).ports(0).protocol() == "TCP");
}

TEST_CASE("requests default to limits; the QoS class follows") {
  Pod pod = FromJson<Pod>(R"({"metadata":{"name":"q","namespace":"default"},"spec":{
    "containers":[{"name":"a","image":"x:1","resources":{"limits":{"cpu":"1","memory":"1Gi"}}}]}})");
  CHECK(testing::Create(Pods(), &pod).empty());
  CHECK(pod.spec().containers(0).resources().requests().at("cpu").string() == "1");
  CHECK(pod.status().phase() == "Pending");
  CHECK(pod.status().qos_class() == "Guaranteed");

  pod = NginxPod();
  CHECK(testing::Create(Pods(), &pod).empty());
  CHECK(pod.status().qos_class() == "BestEffort");

  pod = FromJson<Pod>(R"({"spec":{"containers":[{"name":"a","image":"x",
    "resources":{"requests":{"cpu":"100m"}}}]}})");
  Pods().Default(&pod);
  Pods().PrepareForCreate(&pod);
  CHECK(pod.status().qos_class() == "Burstable");
}

TEST_CASE("create drops the client's status; update keeps the stored one") {
  Pod pod = NginxPod();
  pod.mutable_status()->set_phase("Running");
  pod.mutable_status()->set_pod_ip("10.0.0.9");
  Pods().PrepareForCreate(&pod);
  CHECK(pod.status().phase() == "Pending");
  CHECK(pod.status().pod_ip().empty());

  Pod old = pod;
  old.mutable_status()->set_phase("Running");
  Pod update = pod;
  update.mutable_status()->set_phase("Failed");
  Pods().PrepareForUpdate(&update, old);
  CHECK(update.status().phase() == "Running");
}

TEST_CASE("pod validation names the field, the reason and Kubernetes' message") {
  Pod pod = FromJson<Pod>(R"({"spec":{"containers":[]}})");
  Pods().Default(&pod);
  Causes causes = Pods().Validate(pod);
  REQUIRE(causes.size() == 1);
  CHECK(causes[0] == StatusCause{"FieldValueRequired", "Required value", "spec.containers"});

  pod = FromJson<Pod>(R"({"spec":{"containers":[{"name":"web"}]}})");
  Pods().Default(&pod);
  causes = Pods().Validate(pod);
  REQUIRE(causes.size() == 1);
  CHECK(testing::InvalidMessage("Pod", "x", causes) ==
        "Pod \"x\" is invalid: spec.containers[0].image: Required value");

  pod = FromJson<Pod>(
      R"({"spec":{"containers":[{"name":"a","image":"x"},{"name":"a","image":"y"}]}})");
  Pods().Default(&pod);
  causes = Pods().Validate(pod);
  REQUIRE(causes.size() == 1);
  CHECK(causes[0] ==
        StatusCause{"FieldValueDuplicate", "Duplicate value: \"a\"", "spec.containers[1].name"});
}

TEST_CASE("unsupported enum values list the supported ones") {
  Pod pod = NginxPod();
  pod.mutable_spec()->set_restart_policy("Sometimes");
  pod.mutable_spec()->mutable_containers(0)->set_image_pull_policy("Maybe");
  Pods().Default(&pod);
  const Causes causes = Pods().Validate(pod);
  REQUIRE(causes.size() == 2);
  CHECK(causes[0] == StatusCause{"FieldValueNotSupported",
                                 "Unsupported value: \"Maybe\": supported values: \"Always\", "
                                 "\"IfNotPresent\", \"Never\"",
                                 "spec.containers[0].imagePullPolicy"});
  CHECK(causes[1] == StatusCause{"FieldValueNotSupported",
                                 "Unsupported value: \"Sometimes\": supported values: \"Always\", "
                                 "\"OnFailure\", \"Never\"",
                                 "spec.restartPolicy"});
}

TEST_CASE("container names are DNS labels and ports are in range") {
  Pod pod = FromJson<Pod>(R"({"spec":{"containers":[{"name":"Web","image":"x",
    "ports":[{"containerPort":70000}]}]}})");
  Pods().Default(&pod);
  const Causes causes = Pods().Validate(pod);
  REQUIRE(causes.size() == 2);
  CHECK(causes[0].field == "spec.containers[0].name");
  CHECK(causes[0].message.rfind("Invalid value: \"Web\": a lowercase RFC 1123 label must", 0) == 0);
  CHECK(causes[1] == StatusCause{"FieldValueInvalid",
                                 "Invalid value: 70000: must be between 1 and 65535, inclusive",
                                 "spec.containers[0].ports[0].containerPort"});
}

TEST_CASE("a pod's spec may change only in images, deadlines and added tolerations") {
  Pod old = NginxPod();
  Pods().Default(&old);
  Pod now = old;
  now.mutable_spec()->mutable_containers(0)->set_image("nginx:1.27");
  now.mutable_spec()->set_active_deadline_seconds(60);
  now.mutable_spec()->add_tolerations()->set_operator_("Exists");
  CHECK(Pods().ValidateUpdate(now, old).empty());

  now = old;
  now.mutable_spec()->set_node_name("node-1");
  Causes causes = Pods().ValidateUpdate(now, old);
  REQUIRE(causes.size() == 1);
  CHECK(causes[0].reason == "FieldValueForbidden");
  CHECK(causes[0].field == "spec");
  CHECK(causes[0].message.rfind(
            "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
            "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` "
            "(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
            "(allow it to be set to 1 if it was previously negative)\n",
            0) == 0);
  CHECK(causes[0].message.find("NodeName: \"node-1\"") != std::string::npos);

  now = old;
  now.mutable_spec()->add_containers()->set_name("sidecar");
  causes = Pods().ValidateUpdate(now, old);
  REQUIRE(causes.size() == 1);
  CHECK(causes[0] == StatusCause{"FieldValueForbidden",
                                 "Forbidden: pod updates may not add or remove containers",
                                 "spec.containers"});
}

TEST_CASE("activeDeadlineSeconds may only shrink") {
  Pod old = NginxPod();
  old.mutable_spec()->set_active_deadline_seconds(30);
  Pod now = old;
  now.mutable_spec()->set_active_deadline_seconds(60);
  const Causes causes = Pods().ValidateUpdate(now, old);
  REQUIRE(causes.size() == 1);
  CHECK(causes[0] == StatusCause{"FieldValueInvalid",
                                 "Invalid value: 60: must be less than or equal to previous value",
                                 "spec.activeDeadlineSeconds"});
}

TEST_CASE("pods support Kubernetes' field selectors") {
  const auto fields = Pods().FieldSelectors();
  CHECK(std::find(fields.begin(), fields.end(), "spec.nodeName") != fields.end());
  CHECK(std::find(fields.begin(), fields.end(), "status.phase") != fields.end());
  CHECK_FALSE(Pods().TracksGeneration());
}

}  // namespace
}  // namespace pk::registry

namespace pk::registry {
namespace {

TEST_CASE("deleting a pod: graceful only when bound to a node and not finished") {
  Pod pod = NginxPod();
  Pods().Default(&pod);
  std::optional<int64_t> grace;
  CHECK_FALSE(Pods().CheckGracefulDelete(pod, &grace));  // unbound: at once
  CHECK(grace == 0);

  pod.mutable_spec()->set_node_name("node-1");
  grace.reset();
  CHECK(Pods().CheckGracefulDelete(pod, &grace));  // the pod's own period
  CHECK(grace == 30);
  grace = 5;
  CHECK(Pods().CheckGracefulDelete(pod, &grace));  // the request's period
  CHECK(grace == 5);
  grace = 0;
  CHECK_FALSE(Pods().CheckGracefulDelete(pod, &grace));  // the kubelet's confirmation

  pod.mutable_status()->set_phase("Succeeded");
  grace.reset();
  CHECK_FALSE(Pods().CheckGracefulDelete(pod, &grace));
}

}  // namespace
}  // namespace pk::registry
