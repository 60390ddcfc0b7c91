// ResourceQuota through the registry's write path: charging status.used, the exceeded and
// must-specify refusals in Kubernetes' words, scopes, dry runs, and concurrent creates
// racing for the last unit.
#include "apiserver/admission/resource_quota.h"

#include <atomic>
#include <thread>
#include <vector>

#include "apiserver/admission/testing.h"
#include "proto/core/v1/config.pb.h"
#include "proto/core/v1/pod.pb.h"
#include "proto/core/v1/policy.pb.h"
#include "proto/scheduling/v1/scheduling.pb.h"

namespace pk::admission {
namespace {

using k8s::core::v1::ConfigMap;
using k8s::core::v1::Pod;
using k8s::core::v1::ResourceQuota;
using testing::Fixture;

// A quota as the controller leaves it: status.hard = spec.hard, status.used as given.
void MakeQuota(Fixture& f, const std::string& name, const std::string& spec,
               const std::string& used) {
  REQUIRE(f.Create<ResourceQuota>("resourcequotas",
                                  R"({"metadata":{"name":")" + name + R"("},"spec":)" + spec + "}")
              .ok());
  auto stored = f.store->GuaranteedUpdate(
      storage::ObjectKey("resourcequotas", "ns", name), {},
      [&](const google::protobuf::Message* current)
          -> Result<std::unique_ptr<google::protobuf::Message>> {
        auto q = std::make_unique<ResourceQuota>(static_cast<const ResourceQuota&>(*current));
        *q->mutable_status()->mutable_hard() = q->spec().hard();
        auto status = testing::FromJson<ResourceQuota>(R"({"status":{"used":)" + used + "}}");
        *q->mutable_status()->mutable_used() = status->status().used();
        return std::unique_ptr<google::protobuf::Message>(std::move(q));
      });
  REQUIRE(stored.ok());
}

std::string Used(Fixture& f, const std::string& quota, const std::string& resource) {
  const auto& q = f.Get<ResourceQuota>("resourcequotas", quota);
  auto it = q.status().used().find(resource);
  return it == q.status().used().end() ? "<none>" : it->second.string();
}

std::string PodJson(const std::string& name, const std::string& resources = "{}",
                    const std::string& extra = "") {
  return R"({"metadata":{"name":")" + name +
         R"("},"spec":{"containers":[{"name":"c1","image":"i","resources":)" + resources + "}]" +
         extra + "}}";
}

TEST_CASE("a create is charged to status.used until hard is reached") {
  Fixture f;
  MakeQuota(f, "q", R"({"hard":{"pods":"2","requests.cpu":"1"}})",
            R"({"pods":"0","requests.cpu":"0"})");
  const std::string small = R"({"requests":{"cpu":"300m"}})";
  REQUIRE(f.Create<Pod>("pods", PodJson("a", small)).ok());
  CHECK(Used(f, "q", "pods") == "1");
  CHECK(Used(f, "q", "requests.cpu") == "300m");
  REQUIRE(f.Create<Pod>("pods", PodJson("b", small)).ok());
  CHECK(Used(f, "q", "requests.cpu") == "600m");
  auto refused = f.Create<Pod>("pods", PodJson("c", small));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == 403);
  CHECK(refused.status().message() ==
        "pods \"c\" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, "
        "limited: pods=2");
  CHECK(Used(f, "q", "pods") == "2");
}

TEST_CASE("every exceeded resource is named, and a dry run charges nothing") {
  Fixture f;
  MakeQuota(f, "q", R"({"hard":{"requests.cpu":"1","requests.memory":"1Gi","pods":"10"}})",
            R"({"requests.cpu":"800m","requests.memory":"512Mi","pods":"1"})");
  auto refused =
      f.Create<Pod>("pods", PodJson("big", R"({"requests":{"cpu":"500m","memory":"1Gi"}})"));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().message() ==
        "pods \"big\" is forbidden: exceeded quota: q, requested: "
        "requests.cpu=500m,requests.memory=1Gi, used: requests.cpu=800m,requests.memory=512Mi, "
        "limited: requests.cpu=1,requests.memory=1Gi");
  REQUIRE(f.Create<Pod>("pods", PodJson("dry", R"({"requests":{"cpu":"100m","memory":"1Mi"}})"),
                        /*dry_run=*/true)
              .ok());
  CHECK(Used(f, "q", "pods") == "1");
}

TEST_CASE("a quota on cpu or memory needs every container to declare it") {
  Fixture f;
  MakeQuota(f, "q", R"({"hard":{"limits.cpu":"2","requests.memory":"1Gi"}})",
            R"({"limits.cpu":"0","requests.memory":"0"})");
  auto refused = f.Create<Pod>("pods", R"({"metadata":{"name":"p"},"spec":{"containers":[
        {"name":"c1","image":"i"},
        {"name":"c2","image":"i","resources":{"limits":{"cpu":"1","memory":"1Mi"}}}]}})");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().message() ==
        "pods \"p\" is forbidden: failed quota: q: must specify limits.cpu for: c1; "
        "requests.memory for: c1");
}

TEST_CASE("a quota not yet counted refuses what it covers") {
  Fixture f;
  REQUIRE(f.Create<ResourceQuota>("resourcequotas",
                                  R"({"metadata":{"name":"q"},"spec":{"hard":{"pods":"1"}}})")
              .ok());
  // Without status.hard the quota constrains nothing yet.
  REQUIRE(f.Create<Pod>("pods", PodJson("a")).ok());
  MakeQuota(f, "r", R"({"hard":{"pods":"5","configmaps":"1"}})", R"({"configmaps":"0"})");
  auto refused = f.Create<Pod>("pods", PodJson("b"));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().message() ==
        "pods \"b\" is forbidden: status unknown for quota: r, resources: pods");
  REQUIRE(f.Create<ConfigMap>("configmaps", R"({"metadata":{"name":"one"}})").ok());
  CHECK(Used(f, "r", "configmaps") == "1");
  auto second = f.Create<ConfigMap>("configmaps", R"({"metadata":{"name":"two"}})");
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().message() ==
        "configmaps \"two\" is forbidden: exceeded quota: r, requested: configmaps=1, used: "
        "configmaps=1, limited: configmaps=1");
}

TEST_CASE("scoped quotas charge only the pods in their scopes") {
  Fixture f;
  MakeQuota(f, "best", R"({"hard":{"pods":"1"},"scopes":["BestEffort"]})", R"({"pods":"0"})");
  MakeQuota(f, "high",
            R"({"hard":{"pods":"5"},"scopeSelector":{"matchExpressions":[
                {"scopeName":"PriorityClass","operator":"In","values":["high"]}]}})",
            R"({"pods":"0"})");
  REQUIRE(f.Create<k8s::scheduling::v1::PriorityClass>(
               "priorityclasses", R"({"metadata":{"name":"high"},"value":100})")
              .ok());
  REQUIRE(f.Create<Pod>("pods", PodJson("a")).ok());
  CHECK(Used(f, "best", "pods") == "1");
  CHECK(Used(f, "high", "pods") == "0");
  auto refused = f.Create<Pod>("pods", PodJson("b"));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().message().find("exceeded quota: best,") != std::string::npos);
  REQUIRE(f.Create<Pod>("pods", PodJson("c", R"({"requests":{"cpu":"1"}})",
                                        R"(,"priorityClassName":"high")"))
              .ok());
  CHECK(Used(f, "best", "pods") == "1");
  CHECK(Used(f, "high", "pods") == "1");
}

TEST_CASE("concurrent creates cannot both take the last unit") {
  Fixture f;
  MakeQuota(f, "q", R"({"hard":{"count/configmaps":"5"}})", R"({"count/configmaps":"0"})");
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&f, &admitted, i] {
      for (int j = 0; j < 3; ++j) {
        std::string name = "cm-" + std::to_string(i) + "-" + std::to_string(j);
        if (f.Create<ConfigMap>("configmaps", R"({"metadata":{"name":")" + name + R"("}})").ok()) {
          ++admitted;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(admitted.load() == 5);
  CHECK(Used(f, "q", "count/configmaps") == "5");
}

TEST_CASE("ResourceQuota strategy: status is the controller's, spec is validated") {
  Fixture f;
  REQUIRE(f.Create<ResourceQuota>("resourcequotas", R"({"metadata":{"name":"q"},
      "spec":{"hard":{"pods":"3"}},"status":{"used":{"pods":"99"}}})")
              .ok());
  CHECK(f.Get<ResourceQuota>("resourcequotas", "q").status().used().empty());
  MakeQuota(f, "r", R"({"hard":{"pods":"3"}})", R"({"pods":"1"})");
  registry::WriteContext ctx;
  ctx.ns = "ns";
  auto updated =
      f.Of("resourcequotas")
          .Update(ctx, "r",
                  [](const google::protobuf::Message* current) -> Result<registry::MessagePtr> {
                    auto q = std::make_unique<ResourceQuota>(
                        static_cast<const ResourceQuota&>(*current));
                    (*q->mutable_spec()->mutable_hard())["pods"].set_string("4");
                    q->mutable_status()->clear_used();
                    return registry::MessagePtr(std::move(q));
                  },
                  {});
  REQUIRE(updated.ok());
  CHECK(Used(f, "r", "pods") == "1");  // a spec update keeps the status

  auto bad = f.Create<ResourceQuota>("resourcequotas", R"({"metadata":{"name":"bad"},
      "spec":{"hard":{"pods":"1500m","cpu":"-1"},"scopes":["BestEffort","NotBestEffort","Bogus"]}})");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == 422);
  const std::string m = bad.status().message();
  CHECK(m.find(R"(spec.hard[cpu]: Invalid value: "-1": must be greater than or equal to 0)") !=
        std::string::npos);
  CHECK(m.find(R"(spec.hard[pods]: Invalid value: "1500m": must be an integer)") !=
        std::string::npos);
  CHECK(m.find("spec.scopes: Invalid value: []core.ResourceQuotaScope{\"BestEffort\", "
               "\"NotBestEffort\", \"Bogus\"}: unsupported scope") != std::string::npos);
  CHECK(m.find("unsupported scope applied to resource") != std::string::npos);
  CHECK(m.find("conflicting scopes") != std::string::npos);
}

}  // namespace
}  // namespace pk::admission
