// The ServiceAccount plugin through the registry's write path over a memory store: the
// default service account, the refusal when it is missing (after the retries for "default"),
// the projected token volume exactly as Kubernetes v1.32 writes it, automount opt-outs, the
// service account's imagePullSecrets, and mirror pods.
#include "apiserver/admission/service_account.h"

#include <doctest/doctest.h>

#include <chrono>

#include "apimachinery/codec.h"
#include "apiserver/admission/namespace_lifecycle.h"
#include "apiserver/registry/registry.h"
#include "proto/core/v1/config.pb.h"
#include "proto/core/v1/namespace.pb.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::admission {
namespace {

using k8s::core::v1::Namespace;
using k8s::core::v1::Pod;
using k8s::core::v1::ServiceAccount;
using registry::Registry;
using registry::WriteContext;

template <class T>
std::unique_ptr<T> FromJson(const std::string& json) {
  auto m = std::make_unique<T>();
  Status s = json::Decode(json, m.get(), nullptr);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  return m;
}

struct Fixture {
  Fixture() : store(storage::NewMemoryStore()) {
    chain.Register(NewNamespaceLifecycle(store.get()));
    chain.Register(NewServiceAccount(store.get()));
    for (const char* resource : {"pods", "namespaces", "serviceaccounts"}) {
      registries.emplace(resource,
                         std::make_unique<Registry>(*Scheme::Builtin().FindResource("", resource),
                                                    store.get(), &chain));
    }
    REQUIRE(registries.at("namespaces")
                ->Create({}, FromJson<Namespace>(R"({"metadata":{"name":"ns"}})"))
                .ok());
  }
  void CreateServiceAccount(const std::string& json) {
    WriteContext ctx;
    ctx.ns = "ns";
    auto sa = registries.at("serviceaccounts")->Create(ctx, FromJson<ServiceAccount>(json));
    REQUIRE_MESSAGE(sa.ok(), sa.status().ToString());
  }
  // The created pod as JSON, or the refusal.
  Result<nlohmann::json> CreatePod(const std::string& spec) {
    WriteContext ctx;
    ctx.ns = "ns";
    auto pod = registries.at("pods")->Create(
        ctx, FromJson<Pod>(R"({"metadata":{"name":"p"},"spec":)" + spec + "}"));
    if (!pod.ok()) return pod.take_status();
    return nlohmann::json::parse(json::Encode(**pod));
  }

  std::unique_ptr<storage::Store> store;
  Chain chain;
  std::map<std::string, std::unique_ptr<Registry>> registries;
};

const char* const kTwoContainers = R"({"initContainers":[{"name":"init","image":"busybox"}],)"
                                   R"("containers":[{"name":"c","image":"nginx"}]})";

TEST_CASE("ServiceAccount: default account, the projected volume and its mounts as Kubernetes") {
  Fixture f;
  f.CreateServiceAccount(R"({"metadata":{"name":"default"}})");
  auto pod = f.CreatePod(kTwoContainers);
  REQUIRE_MESSAGE(pod.ok(), pod.status().ToString());
  const auto& spec = (*pod)["spec"];
  CHECK(spec["serviceAccountName"] == "default");
  REQUIRE(spec["volumes"].size() == 1);
  const auto& volume = spec["volumes"][0];
  std::string name = volume["name"];
  CHECK(name.starts_with("kube-api-access-"));
  CHECK(name.size() == std::string("kube-api-access-").size() + 5);
  CHECK(volume["projected"] == nlohmann::json::parse(R"({
    "sources":[
      {"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},
      {"configMap":{"name":"kube-root-ca.crt","items":[{"key":"ca.crt","path":"ca.crt"}]}},
      {"downwardAPI":{"items":[{"path":"namespace",
                                "fieldRef":{"apiVersion":"v1","fieldPath":"metadata.namespace"}}]}}],
    "defaultMode":420})"));
  nlohmann::json mount = {{"name", name},
                          {"readOnly", true},
                          {"mountPath", "/var/run/secrets/kubernetes.io/serviceaccount"}};
  CHECK(spec["containers"][0]["volumeMounts"] == nlohmann::json::array({mount}));
  CHECK(spec["initContainers"][0]["volumeMounts"] == nlohmann::json::array({mount}));
}

TEST_CASE("ServiceAccount: a missing account is refused in Kubernetes' words") {
  Fixture f;
  auto named =
      f.CreatePod(R"({"serviceAccountName":"bot","containers":[{"name":"c","image":"x"}]})");
  REQUIRE_FALSE(named.ok());
  CHECK(named.status().reason() == Reason::kForbidden);
  CHECK(named.status().message() ==
        R"(pods "p" is forbidden: error looking up service account ns/bot: serviceaccount "bot" )"
        R"(not found)");
  // "default" is waited for (the controller makes it) before the same refusal.
  auto start = std::chrono::steady_clock::now();
  auto unnamed = f.CreatePod(R"({"containers":[{"name":"c","image":"x"}]})");
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(900));
  CHECK(unnamed.status().message() ==
        R"(pods "p" is forbidden: error looking up service account ns/default: serviceaccount )"
        R"("default" not found)");
}

TEST_CASE("ServiceAccount: automount opt-outs, a mount already there, imagePullSecrets") {
  Fixture f;
  f.CreateServiceAccount(R"({"metadata":{"name":"quiet"},"automountServiceAccountToken":false,)"
                         R"("imagePullSecrets":[{"name":"registry"}]})");
  f.CreateServiceAccount(R"({"metadata":{"name":"default"}})");
  auto quiet =
      f.CreatePod(R"({"serviceAccountName":"quiet","containers":[{"name":"c","image":"x"}]})");
  REQUIRE(quiet.ok());
  CHECK_FALSE((*quiet)["spec"].contains("volumes"));
  CHECK((*quiet)["spec"]["imagePullSecrets"] == nlohmann::json::parse(R"([{"name":"registry"}])"));
  REQUIRE(f.store->Delete(storage::ObjectKey("pods", "ns", "p")).ok());

  // The pod's own preference wins over the account's.
  auto wants = f.CreatePod(R"({"serviceAccountName":"quiet","automountServiceAccountToken":true,)"
                           R"("containers":[{"name":"c","image":"x"}]})");
  REQUIRE(wants.ok());
  CHECK((*wants)["spec"]["volumes"].size() == 1);
  REQUIRE(f.store->Delete(storage::ObjectKey("pods", "ns", "p")).ok());

  auto off = f.CreatePod(
      R"({"automountServiceAccountToken":false,"containers":[{"name":"c","image":"x"}]})");
  REQUIRE(off.ok());
  CHECK_FALSE((*off)["spec"].contains("volumes"));
  REQUIRE(f.store->Delete(storage::ObjectKey("pods", "ns", "p")).ok());

  // A container with its own mount at the path keeps it; no volume is added for nobody.
  auto own = f.CreatePod(
      R"({"volumes":[{"name":"mine","emptyDir":{}}],"containers":[{"name":"c","image":"x",)"
      R"("volumeMounts":[{"name":"mine","mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}]}]})");
  REQUIRE_MESSAGE(own.ok(), own.status().ToString());
  CHECK((*own)["spec"]["volumes"].size() == 1);
  CHECK((*own)["spec"]["containers"][0]["volumeMounts"].size() == 1);
}

TEST_CASE("ServiceAccount: mirror pods may not reference service accounts or tokens") {
  Fixture f;
  f.CreateServiceAccount(R"({"metadata":{"name":"default"}})");
  WriteContext ctx;
  ctx.ns = "ns";
  auto mirror = f.registries.at("pods")->Create(
      ctx,
      FromJson<Pod>(
          R"({"metadata":{"name":"m","annotations":{"kubernetes.io/config.mirror":"x"}},)"
          R"("spec":{"serviceAccountName":"default","containers":[{"name":"c","image":"x"}]}})"));
  CHECK(mirror.status().message() ==
        R"(pods "m" is forbidden: a mirror pod may not reference service accounts)");
  auto plain = f.registries.at("pods")->Create(
      ctx,
      FromJson<Pod>(R"({"metadata":{"name":"m","annotations":{"kubernetes.io/config.mirror":"x"}},)"
                    R"("spec":{"containers":[{"name":"c","image":"x"}]}})"));
  REQUIRE_MESSAGE(plain.ok(), plain.status().ToString());
  CHECK(static_cast<const Pod&>(**plain).spec().service_account_name().empty());
  CHECK(static_cast<const Pod&>(**plain).spec().volumes().empty());
}

}  // namespace
}  // namespace pk::admission
