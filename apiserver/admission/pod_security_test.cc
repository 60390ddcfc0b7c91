// PodSecurity: the checks with Kubernetes' wording, the namespace labels, and the plugin
// through the registry's write path (enforce refuses, warn warns, workloads warn, namespace
// label changes warn of existing pods).
#include "apiserver/admission/pod_security.h"

#include <doctest/doctest.h>

#include "apimachinery/codec.h"
#include "apiserver/admission/namespace_lifecycle.h"
#include "apiserver/admission/pod_security_levels.h"
#include "apiserver/registry/registry.h"
#include "proto/apps/v1/apps.pb.h"
#include "proto/core/v1/namespace.pb.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::admission {
namespace {

using k8s::core::v1::Namespace;
using k8s::core::v1::Pod;
using podsecurity::Level;
using podsecurity::LevelVersion;
using podsecurity::Version;
using registry::Registry;
using registry::WriteContext;

template <class T>
std::unique_ptr<T> FromJson(const std::string& json) {
  auto m = std::make_unique<T>();
  Status s = json::Decode(json, m.get(), nullptr);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  return m;
}

std::string Detail(Level level, const std::string& spec, const std::string& metadata = "{}") {
  auto pod = FromJson<Pod>(R"({"metadata":)" + metadata + R"(,"spec":)" + spec + "}");
  LevelVersion lv{level, Version{}};
  return podsecurity::Evaluate(lv, pod->metadata(), pod->spec()).ForbiddenDetail();
}

const char* const kRestrictedMessage =
    R"(allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), )"
    R"(unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), )"
    R"(runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), )"
    R"(seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"))";

const char* const kCompliant =
    R"({"securityContext":{"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}},)"
    R"("containers":[{"name":"c","image":"i","securityContext":{"allowPrivilegeEscalation":false,)"
    R"("capabilities":{"drop":["ALL"],"add":["NET_BIND_SERVICE"]}}}]})";

TEST_CASE("restricted: the four violations of a plain pod, a compliant pod passes") {
  CHECK(Detail(Level::kRestricted, R"({"containers":[{"name":"c","image":"i"}]})") ==
        kRestrictedMessage);
  CHECK(Detail(Level::kRestricted, kCompliant) == "");
  CHECK(Detail(Level::kBaseline, R"({"containers":[{"name":"c","image":"i"}]})") == "");
  CHECK(Detail(Level::kPrivileged, R"({"hostNetwork":true,"containers":[{"name":"c"}]})") == "");
}

TEST_CASE("baseline checks, in Kubernetes' order and wording") {
  CHECK(
      Detail(
          Level::kBaseline,
          R"({"hostNetwork":true,"hostPID":true,"containers":[)"
          R"({"name":"a","ports":[{"containerPort":80,"hostPort":8080},{"containerPort":81,"hostPort":443}],)"
          R"("securityContext":{"privileged":true,"capabilities":{"add":["NET_ADMIN","CHOWN"]}}},)"
          R"({"name":"b","securityContext":{"procMount":"Unmasked","seccompProfile":{"type":"Unconfined"},)"
          R"("appArmorProfile":{"type":"Unconfined"},"seLinuxOptions":{"type":"spc_t","user":"u"}}}],)"
          R"("securityContext":{"sysctls":[{"name":"kernel.msgmax","value":"1"},{"name":"net.ipv4.tcp_syncookies","value":"1"}]},)"
          R"("volumes":[{"name":"h","hostPath":{"path":"/"}}]})") ==
      R"(forbidden AppArmor profile (container "b" must not set AppArmor profile type to "Unconfined"), )"
      R"(host namespaces (hostNetwork, hostPID), )"
      R"(hostPort (container "a" uses hostPorts 443, 8080), )"
      R"(privileged (container "a" must not set securityContext.privileged=true), )"
      R"(procMount (container "b" must not set securityContext.procMount to "Unmasked"), )"
      R"(seLinuxOptions (container "b" set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set), )"
      R"(forbidden sysctls (kernel.msgmax), )"
      R"(non-default capabilities (container "a" must not include "NET_ADMIN" in securityContext.capabilities.add), )"
      R"(hostPath volumes (volume "h"), )"
      R"(seccompProfile (container "b" must not set securityContext.seccompProfile.type to "Unconfined"))");
  CHECK(
      Detail(Level::kBaseline,
             R"({"securityContext":{"windowsOptions":{"hostProcess":true}},"containers":[)"
             R"({"name":"a","securityContext":{"windowsOptions":{"hostProcess":true}}},)"
             R"({"name":"b","securityContext":{"windowsOptions":{"hostProcess":true}}}]})") ==
      R"(hostProcess (pod and containers "a", "b" must not set securityContext.windowsOptions.hostProcess=true))");
}

TEST_CASE("restricted checks replace the overlapping baseline ones") {
  CHECK(
      Detail(
          Level::kRestricted,
          R"({"securityContext":{"runAsNonRoot":false,"runAsUser":0,"seccompProfile":{"type":"RuntimeDefault"}},)"
          R"("initContainers":[{"name":"i","securityContext":{"allowPrivilegeEscalation":false,)"
          R"("capabilities":{"drop":["ALL"]},"runAsUser":0}}],)"
          R"("containers":[{"name":"c","securityContext":{"allowPrivilegeEscalation":true,)"
          R"("capabilities":{"add":["SYS_ADMIN","NET_BIND_SERVICE"]}}}],)"
          R"("volumes":[{"name":"h","hostPath":{"path":"/"}},{"name":"e","emptyDir":{}},{"name":"n","nfs":{"server":"s","path":"/"}}]})") ==
      R"(allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), )"
      R"(unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]; )"
      R"(container "c" must not include "SYS_ADMIN" in securityContext.capabilities.add), )"
      R"(restricted volume types (volumes "h", "n" use restricted volume types "hostPath", "nfs"), )"
      R"(runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false), )"
      R"(runAsUser=0 (pod and container "i" must not set runAsUser=0))");
}

TEST_CASE("policy versions: checks newer than the version do not apply") {
  auto pod = FromJson<Pod>(
      R"({"spec":{"containers":[{"name":"c","securityContext":{"runAsUser":0,)"
      R"("runAsNonRoot":true,"allowPrivilegeEscalation":false,)"
      R"("seccompProfile":{"type":"RuntimeDefault"},"capabilities":{"drop":["ALL"]}}}]}})");
  LevelVersion v122{Level::kRestricted, Version{false, 22}};
  CHECK(podsecurity::Evaluate(v122, pod->metadata(), pod->spec()).allowed());
  LevelVersion v123{Level::kRestricted, Version{false, 23}};
  CHECK(podsecurity::Evaluate(v123, pod->metadata(), pod->spec()).ForbiddenReason() ==
        "runAsUser=0");
  CHECK(v123.String() == "restricted:v1.23");
}

TEST_CASE("namespace labels: modes, versions, warn following enforce, invalid values") {
  auto ns = FromJson<Namespace>(
      R"({"metadata":{"labels":{"pod-security.kubernetes.io/enforce":"baseline",)"
      R"("pod-security.kubernetes.io/enforce-version":"v1.29","pod-security.kubernetes.io/audit":"restricted"}}})");
  std::vector<StatusCause> errors;
  auto p = podsecurity::PolicyToEvaluate(ns->metadata().labels(), &errors);
  CHECK(errors.empty());
  CHECK(p.enforce.String() == "baseline:v1.29");
  CHECK(p.warn.String() == "baseline:v1.29");
  CHECK(p.audit.String() == "restricted:latest");
  auto bad =
      FromJson<Namespace>(R"({"metadata":{"labels":{"pod-security.kubernetes.io/enforce":"strict",)"
                          R"("pod-security.kubernetes.io/warn-version":"1.2"}}})");
  p = podsecurity::PolicyToEvaluate(bad->metadata().labels(), &errors);
  CHECK(p.enforce.String() == "restricted:latest");
  CHECK(p.warn.String() == "privileged:latest");
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].field == "metadata.labels[pod-security.kubernetes.io/enforce]");
  CHECK(errors[0].message ==
        R"(Invalid value: "strict": must be one of privileged, baseline, restricted)");
  CHECK(errors[1].message == R"(Invalid value: "1.2": must be "latest" or "v1.x")");
}

// Registries for namespaces, pods and deployments with NamespaceLifecycle and PodSecurity.
struct Fixture {
  Fixture() : store(storage::NewMemoryStore()) {
    chain.Register(NewNamespaceLifecycle(store.get()));
    chain.Register(NewPodSecurity(store.get()));
    for (auto [group, resource] :
         {std::pair{"", "pods"}, std::pair{"", "namespaces"}, std::pair{"apps", "deployments"}}) {
      registries.emplace(
          resource, std::make_unique<Registry>(*Scheme::Builtin().FindResource(group, resource),
                                               store.get(), &chain));
    }
  }
  const Registry& Of(const std::string& resource) { return *registries.at(resource); }
  WriteContext In(const std::string& ns) {
    WriteContext ctx;
    ctx.ns = ns;
    ctx.warnings = &warnings;
    return ctx;
  }
  Status CreateNamespace(const std::string& name, const std::string& labels) {
    return Of("namespaces")
        .Create(In(""), FromJson<Namespace>(R"({"metadata":{"name":")" + name + R"(","labels":)" +
                                            labels + "}}"))
        .status();
  }
  Status CreatePod(const std::string& ns, const std::string& name, const std::string& spec) {
    return Of("pods")
        .Create(In(ns),
                FromJson<Pod>(R"({"metadata":{"name":")" + name + R"("},"spec":)" + spec + "}"))
        .status();
  }

  std::unique_ptr<storage::Store> store;
  Chain chain;
  std::map<std::string, std::unique_ptr<Registry>> registries;
  std::vector<std::string> warnings;
};

const char* const kPlain = R"({"containers":[{"name":"c","image":"nginx"}]})";

TEST_CASE_FIXTURE(Fixture, "enforce refuses with Kubernetes' message; compliant pods pass") {
  REQUIRE(CreateNamespace("r", R"({"pod-security.kubernetes.io/enforce":"restricted"})").ok());
  Status refused = CreatePod("r", "x", kPlain);
  CHECK(refused.code() == 403);
  CHECK(refused.message() ==
        std::string(R"(pods "x" is forbidden: violates PodSecurity "restricted:latest": )") +
            kRestrictedMessage);
  CHECK(warnings.empty());
  CHECK(CreatePod("r", "ok", kCompliant).ok());
  CHECK(warnings.empty());
  REQUIRE(CreateNamespace("open", "{}").ok());
  CHECK(CreatePod("open", "x", R"({"hostNetwork":true,"containers":[{"name":"c","image":"i"}]})")
            .ok());
}

TEST_CASE_FIXTURE(Fixture, "warn admits and warns") {
  REQUIRE(CreateNamespace("w", R"({"pod-security.kubernetes.io/warn":"restricted"})").ok());
  CHECK(CreatePod("w", "x", kPlain).ok());
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0] ==
        std::string(R"(would violate PodSecurity "restricted:latest": )") + kRestrictedMessage);
}

TEST_CASE_FIXTURE(Fixture, "pod updates are checked only when an image changes") {
  REQUIRE(CreateNamespace("b", "{}").ok());
  REQUIRE(CreatePod("b", "x", R"({"hostPID":true,"containers":[{"name":"c","image":"a"}]})").ok());
  auto ns = FromJson<Namespace>(
      R"({"metadata":{"name":"b","labels":{"pod-security.kubernetes.io/enforce":"baseline"}}})");
  auto updated_ns =
      Of("namespaces")
          .Update(In(""), "b",
                  [&](const google::protobuf::Message*) {
                    return Result<registry::MessagePtr>(registry::MessagePtr(new Namespace(*ns)));
                  },
                  {});
  REQUIRE_MESSAGE(updated_ns.ok(), updated_ns.status().ToString());
  REQUIRE(warnings.size() == 2);
  CHECK(
      warnings[0] ==
      R"(existing pods in namespace "b" violate the new PodSecurity enforce level "baseline:latest")");
  CHECK(warnings[1] == "x: host namespaces");
  auto update = [&](const std::string& image) {
    return Of("pods")
        .Update(In("b"), "x",
                [&](const google::protobuf::Message* current) {
                  auto pod = std::make_unique<Pod>(static_cast<const Pod&>(*current));
                  pod->mutable_spec()->mutable_containers(0)->set_image(image);
                  pod->mutable_metadata()->mutable_labels()->insert({"l", image});
                  return Result<registry::MessagePtr>(std::move(pod));
                },
                {})
        .status();
  };
  CHECK(update("a").ok());  // labels only
  CHECK(
      update("b").message() ==
      R"(pods "x" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostPID))");
}

TEST_CASE_FIXTURE(Fixture, "namespaces with invalid labels are refused") {
  Status s = CreateNamespace("typo", R"({"pod-security.kubernetes.io/enforce":"strict"})");
  CHECK(s.code() == 422);
  CHECK(s.message() ==
        R"(Namespace "typo" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: )"
        R"(Invalid value: "strict": must be one of privileged, baseline, restricted)");
}

TEST_CASE_FIXTURE(Fixture, "workloads get the warning of their pod template, never a refusal") {
  REQUIRE(CreateNamespace("r", R"({"pod-security.kubernetes.io/enforce":"restricted"})").ok());
  auto deployment = FromJson<k8s::apps::v1::Deployment>(
      R"({"metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"a":"b"}},)"
      R"("template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}})");
  auto created = Of("deployments").Create(In("r"), std::move(deployment));
  REQUIRE_MESSAGE(created.ok(), created.status().ToString());
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0] ==
        std::string(R"(would violate PodSecurity "restricted:latest": )") + kRestrictedMessage);
}

}  // namespace
}  // namespace pk::admission
