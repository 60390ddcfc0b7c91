#include "apimachinery/scheme.h"

#include <doctest/doctest.h>

#include "apimachinery/object.h"

namespace pk {
namespace {

TEST_CASE("every resource resolves to a message with metadata") {
  const Scheme& scheme = Scheme::Builtin();
  CHECK(scheme.resources().size() >= 28);
  for (const ResourceType& t : scheme.resources()) {
    CAPTURE(t.resource);
    REQUIRE(t.prototype != nullptr);
    CHECK(t.prototype->GetDescriptor()->name() == t.kind.kind);
    CHECK(GetObjectMeta(*t.prototype) != nullptr);
    CHECK(scheme.FindResource(t.kind.group, t.resource) == &t);
    CHECK(scheme.FindByKind(t.kind) == &t);
  }
}

TEST_CASE("names resolve as kubectl resolves them") {
  const Scheme& scheme = Scheme::Builtin();
  CHECK(scheme.FindResourceByAnyName("po")->resource == "pods");
  CHECK(scheme.FindResourceByAnyName("deploy")->kind.group == "apps");
  CHECK(scheme.FindResourceByAnyName("priorityclass")->namespaced == false);
  CHECK(scheme.FindResourceByAnyName("nonsense") == nullptr);
  CHECK(scheme.FindResource("", "deployments") == nullptr);
  CHECK(scheme.FindResource("apps", "deployments")->list_kind() == "DeploymentList");
}

TEST_CASE("decoding checks the body's kind against the endpoint's") {
  const Scheme& scheme = Scheme::Builtin();
  GroupVersionKind pod{"", "v1", "Pod"};
  auto ok = scheme.Decode(R"({"metadata":{"name":"a"}})", pod, nullptr);
  REQUIRE(ok.ok());
  CHECK(GetObjectMeta(**ok)->name() == "a");
  auto wrong = scheme.Decode(R"({"kind":"Deployment","apiVersion":"apps/v1"})", pod, nullptr);
  CHECK(wrong.status().message() ==
        "the API version in the data (apps/v1) does not match the expected API version (v1)");
  wrong = scheme.Decode(R"({"kind":"Node","apiVersion":"v1"})", pod, nullptr);
  CHECK(wrong.status().message() ==
        "the kind in the data (Node) does not match the expected kind (Pod)");
  auto options = scheme.Decode(R"({"kind":"DeleteOptions","apiVersion":"meta.k8s.io/v1"})",
                               {"", "v1", "DeleteOptions"}, nullptr);
  CHECK(options.ok());
  CHECK(scheme.DecodeAny(R"({"kind":"Gizmo","apiVersion":"v1"})", nullptr).status().message() ==
        "no kind \"Gizmo\" is registered for version \"v1\"");
  CHECK(scheme.DecodeAny(R"({"metadata":{}})", nullptr).status().reason() == Reason::kBadRequest);
  CHECK(scheme.DecodeAny(R"([1])", nullptr).status().reason() == Reason::kBadRequest);
  CHECK(scheme.DecodeAny(R"({"kind":1,"apiVersion":"v1"})", nullptr).status().reason() ==
        Reason::kBadRequest);
}

TEST_CASE("lists are written as the apiserver writes typed lists") {
  const Scheme& scheme = Scheme::Builtin();
  const ResourceType* pods = scheme.FindResource("", "pods");
  auto a = pods->New();
  MutableObjectMeta(a.get())->set_name("a");
  k8s::meta::v1::ListMeta meta;
  meta.set_resource_version("42");
  CHECK(scheme.EncodeList(*pods, meta, {a.get()}) ==
        R"({"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"42"},"items":[)"
        R"({"metadata":{"name":"a","creationTimestamp":null},"spec":{"containers":null},)"
        R"("status":{}}]})");
}

TEST_CASE("field values by JSON path") {
  auto pod = Scheme::Builtin().FindResource("", "pods")->New();
  REQUIRE(json::Decode(R"({"metadata":{"name":"p","namespace":"d"},"spec":{"nodeName":"n1",)"
                       R"("hostNetwork":true,"priority":5},"status":{"phase":"Running"}})",
                       pod.get(), nullptr)
              .ok());
  CHECK(FieldValue(*pod, "metadata.name") == "p");
  CHECK(FieldValue(*pod, "metadata.namespace") == "d");
  CHECK(FieldValue(*pod, "spec.nodeName") == "n1");
  CHECK(FieldValue(*pod, "spec.hostNetwork") == "true");
  CHECK(FieldValue(*pod, "spec.priority") == "5");
  CHECK(FieldValue(*pod, "status.phase") == "Running");
  CHECK(FieldValue(*pod, "spec.schedulerName") == "");
  CHECK(FieldValue(*pod, "spec.nope") == std::nullopt);
  CHECK(FieldValue(*pod, "spec.containers") == std::nullopt);
  CHECK(FieldValue(*pod, "metadata.name.x") == std::nullopt);
}

}  // namespace
}  // namespace pk
