// LimitRanger through the registry's write path: LimitRange defaulting and validation,
// container defaults with the annotation, and the min/max/ratio refusals in Kubernetes' words.
#include "apiserver/admission/limit_ranger.h"

#include "apiserver/admission/testing.h"
#include "proto/core/v1/pod.pb.h"
#include "proto/core/v1/policy.pb.h"
#include "proto/core/v1/volume.pb.h"

namespace pk::admission {
namespace {

using k8s::core::v1::LimitRange;
using k8s::core::v1::Pod;
using testing::Fixture;

std::string PodJson(const std::string& name, const std::string& containers,
                    const std::string& extra = "") {
  return R"({"metadata":{"name":")" + name + R"("},"spec":{"containers":)" + containers + extra +
         "}}";
}

std::string Quantity(const google::protobuf::Map<std::string, k8s::resource::Quantity>& map,
                     const std::string& key) {
  auto it = map.find(key);
  return it == map.end() ? "<none>" : it->second.string();
}

TEST_CASE("a LimitRange's Container item is defaulted from max and default") {
  Fixture f;
  REQUIRE(f.Create<LimitRange>("limitranges", R"({"metadata":{"name":"lr"},"spec":{"limits":[
      {"type":"Container","max":{"cpu":"2"},"default":{"memory":"512Mi"},"min":{"memory":"64Mi"}}]}})")
              .ok());
  const auto& lr = f.Get<LimitRange>("limitranges", "lr");
  const auto& item = lr.spec().limits(0);
  CHECK(Quantity(item.default_(), "cpu") == "2");
  CHECK(Quantity(item.default_(), "memory") == "512Mi");
  CHECK(Quantity(item.default_request(), "cpu") == "2");
  CHECK(Quantity(item.default_request(), "memory") == "512Mi");
}

TEST_CASE("LimitRange validation") {
  Fixture f;
  auto bad = f.Create<LimitRange>("limitranges", R"({"metadata":{"name":"lr"},"spec":{"limits":[
      {"type":"Container","min":{"cpu":"2"},"max":{"cpu":"1"}},
      {"type":"Pod","default":{"cpu":"1"}},
      {"type":"Pod"}]}})");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == 422);
  std::string m = bad.status().message();
  CHECK(
      m.find(
          R"(spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1)") !=
      std::string::npos);
  CHECK(m.find("spec.limits[1].default: Forbidden: may not be specified when `type` is 'Pod'") !=
        std::string::npos);
  CHECK(m.find(R"(spec.limits[2].type: Duplicate value: "Pod")") != std::string::npos);
}

TEST_CASE("pods get the defaults they do not set, and the annotation saying so") {
  Fixture f;
  REQUIRE(f.Create<LimitRange>("limitranges", R"({"metadata":{"name":"lr"},"spec":{"limits":[
      {"type":"Container","default":{"cpu":"500m","memory":"256Mi"},
       "defaultRequest":{"cpu":"100m","memory":"128Mi"}}]}})")
              .ok());
  REQUIRE(f.Create<Pod>("pods", PodJson("p", R"([
      {"name":"c1","image":"i","resources":{"limits":{"cpu":"1"}}}])",
                                        R"(,"initContainers":[{"name":"i1","image":"i"}])"))
              .ok());
  const Pod& pod = f.Get<Pod>("pods", "p");
  const auto& c1 = pod.spec().containers(0).resources();
  CHECK(Quantity(c1.limits(), "cpu") == "1");
  CHECK(Quantity(c1.requests(), "cpu") == "1");  // from the limit, by pod defaulting
  CHECK(Quantity(c1.limits(), "memory") == "256Mi");
  CHECK(Quantity(c1.requests(), "memory") == "128Mi");
  const auto& i1 = pod.spec().init_containers(0).resources();
  CHECK(Quantity(i1.requests(), "cpu") == "100m");
  CHECK(Quantity(i1.limits(), "cpu") == "500m");
  CHECK(pod.metadata().annotations().at("kubernetes.io/limit-ranger") ==
        "LimitRanger plugin set: memory request for container c1; memory limit for container c1; "
        "cpu, memory request for init container i1; cpu, memory limit for init container i1");
}

TEST_CASE("min, max and ratio refusals name every violation") {
  Fixture f;
  REQUIRE(f.Create<LimitRange>("limitranges", R"({"metadata":{"name":"lr"},"spec":{"limits":[
      {"type":"Container","min":{"cpu":"100m"},"max":{"memory":"1Gi"},
       "maxLimitRequestRatio":{"cpu":"2"}}]}})")
              .ok());
  auto refused = f.Create<Pod>("pods", PodJson("x", R"([{"name":"c","image":"i","resources":{
      "requests":{"cpu":"50m","memory":"1Gi"},"limits":{"cpu":"50m","memory":"2Gi"}}}])"));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == 403);
  CHECK(refused.status().message() ==
        "pods \"x\" is forbidden: [minimum cpu usage per Container is 100m, but request is 50m, "
        "maximum memory usage per Container is 1Gi, but limit is 2Gi]");

  auto ratio = f.Create<Pod>("pods", PodJson("y", R"([{"name":"c","image":"i","resources":{
      "requests":{"cpu":"100m","memory":"1Gi"},"limits":{"cpu":"300m","memory":"1Gi"}}}])"));
  REQUIRE_FALSE(ratio.ok());
  CHECK(ratio.status().message() ==
        "pods \"y\" is forbidden: cpu max limit to request ratio per Container is 2, but "
        "provided ratio is 3.000000");

  // A pod that declares nothing gets the range's defaults (min cpu as request, max memory as
  // limit and request); only the cpu ratio, without a cpu limit, still fails.
  auto none = f.Create<Pod>("pods", PodJson("z", R"([{"name":"c","image":"i"}])"));
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().message() ==
        "pods \"z\" is forbidden: cpu max limit to request ratio per Container is 2, but no "
        "limit is specified or limit is 0");

  CHECK(f.Create<Pod>("pods", PodJson("ok", R"([{"name":"c","image":"i","resources":{
      "requests":{"cpu":"100m"},"limits":{"cpu":"200m","memory":"512Mi"}}}])"))
            .ok());
}

TEST_CASE("Pod items bound the pod's sum; claim items its storage request") {
  Fixture f;
  REQUIRE(f.Create<LimitRange>("limitranges", R"({"metadata":{"name":"lr"},"spec":{"limits":[
      {"type":"Pod","max":{"cpu":"1"}},
      {"type":"PersistentVolumeClaim","min":{"storage":"1Gi"},"max":{"storage":"10Gi"}}]}})")
              .ok());
  auto pod = f.Create<Pod>("pods", PodJson("p", R"([
      {"name":"a","image":"i","resources":{"limits":{"cpu":"600m"}}},
      {"name":"b","image":"i","resources":{"limits":{"cpu":"600m"}}}])"));
  REQUIRE_FALSE(pod.ok());
  CHECK(pod.status().message() ==
        "pods \"p\" is forbidden: maximum cpu usage per Pod is 1, but limit is 1200m");
  auto claim = f.Create<k8s::core::v1::PersistentVolumeClaim>(
      "persistentvolumeclaims", R"({"metadata":{"name":"c"},"spec":{"accessModes":["ReadWriteOnce"],
      "resources":{"requests":{"storage":"20Gi"}}}})");
  REQUIRE_FALSE(claim.ok());
  CHECK(claim.status().message() ==
        "persistentvolumeclaims \"c\" is forbidden: maximum storage usage per "
        "PersistentVolumeClaim is 10Gi, but request is 20Gi");
}

}  // namespace
}  // namespace pk::admission
