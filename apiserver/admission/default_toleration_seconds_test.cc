// DefaultTolerationSeconds on pod writes: the cases of Kubernetes' admission_test.go.
#include "apiserver/admission/default_toleration_seconds.h"

#include <doctest/doctest.h>

#include "apimachinery/codec.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::admission {
namespace {

using k8s::core::v1::Pod;

Pod PodWith(const std::string& tolerations) {
  Pod pod;
  std::string json = R"({"metadata":{"name":"p"},"spec":{"containers":[{"name":"c"}],)"
                     R"("tolerations":)" +
                     tolerations + "}}";
  Status s = json::Decode(json, &pod, nullptr);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  return pod;
}

void Admit(Pod* pod, const std::string& subresource = "", Operation op = Operation::kCreate) {
  auto plugin = NewDefaultTolerationSeconds(300, 200);
  Attributes a;
  a.operation = op;
  a.type = Scheme::Builtin().FindResource("", "pods");
  a.subresource = subresource;
  a.ns = "ns";
  a.object = pod;
  REQUIRE(plugin->Admit(a).ok());
}

constexpr const char* kNotReady =
    R"({"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300})";
constexpr const char* kUnreachable =
    R"({"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":200})";

TEST_CASE("a pod without tolerations gets both, with the configured seconds") {
  Pod pod = PodWith("[]");
  Admit(&pod);
  REQUIRE(pod.spec().tolerations_size() == 2);
  CHECK(pod.spec().tolerations(0).key() == "node.kubernetes.io/not-ready");
  CHECK(pod.spec().tolerations(0).operator_() == "Exists");
  CHECK(pod.spec().tolerations(0).effect() == "NoExecute");
  CHECK(pod.spec().tolerations(0).toleration_seconds() == 300);
  CHECK(pod.spec().tolerations(1).key() == "node.kubernetes.io/unreachable");
  CHECK(pod.spec().tolerations(1).toleration_seconds() == 200);
}

TEST_CASE("tolerations already present, or covering by an empty key or effect, are kept") {
  struct Case {
    const char* name;
    std::string tolerations;
    int added;
  };
  for (const Case& c : std::vector<Case>{
           {"not-ready present", std::string("[") + kNotReady + "]", 1},
           {"both present", std::string("[") + kNotReady + "," + kUnreachable + "]", 0},
           {"empty key and effect tolerate everything", R"([{"operator":"Exists"}])", 0},
           {"empty effect", R"([{"key":"node.kubernetes.io/unreachable","operator":"Exists"}])", 1},
           {"NoSchedule does not count",
            R"([{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoSchedule"}])",
            2},
           {"other key", R"([{"key":"foo","operator":"Exists","effect":"NoExecute"}])", 2},
       }) {
    CAPTURE(c.name);
    Pod pod = PodWith(c.tolerations);
    int before = pod.spec().tolerations_size();
    Admit(&pod);
    CHECK(pod.spec().tolerations_size() - before == c.added);
  }
}

TEST_CASE("updates get them too; subresources do not") {
  Pod pod = PodWith("[]");
  Admit(&pod, "", Operation::kUpdate);
  CHECK(pod.spec().tolerations_size() == 2);
  Pod status = PodWith("[]");
  Admit(&status, "status", Operation::kUpdate);
  CHECK(status.spec().tolerations_size() == 0);
}

}  // namespace
}  // namespace pk::admission
