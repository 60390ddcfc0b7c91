// Server-side apply and update tracking: managedFields as Kubernetes writes them, conflicts,
// force, and removal of fields an applier stops applying.
#include <doctest/doctest.h>

#include "apiserver/patch/patch.h"
#include "apiserver/patch/test_util.h"
#include "tests/testing.h"

namespace pk::patch {
namespace {

using testing::ConfigMapType;
using testing::J;
using testing::PodType;

ApplyOptions Opts(const std::string& manager, const std::string& now, bool force = false) {
  return ApplyOptions{manager, force, now, "v1"};
}

Json MustApply(const Json& live, const std::string& config, const ApplyOptions& options,
               const google::protobuf::Descriptor* type = ConfigMapType()) {
  Result<Json> r = Apply(live, J(config), type, options);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  return *r;
}

const char* kConfig =
    R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","labels":{"app":"x"}},"data":{"a":"1","b":"2"}})";

TEST_CASE("apply creates the object with one Apply entry") {
  Json obj = MustApply(nullptr, kConfig, Opts("kubectl", "2024-01-01T00:00:00Z"));
  CHECK(obj["data"].dump() == R"({"a":"1","b":"2"})");
  CHECK(
      obj["metadata"]["managedFields"].dump() ==
      R"([{"manager":"kubectl","operation":"Apply","apiVersion":"v1","time":"2024-01-01T00:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:a":{},"f:b":{}},"f:metadata":{"f:labels":{"f:app":{}}}}}])");
}

// Found by tests/fuzz/fuzz_apply: a config whose metadata is not a map reached the
// managedFields writer, which threw.
TEST_CASE("a config whose metadata is not a map is a BadRequest") {
  for (const char* config : {R"({"apiVersion":"v1","kind":"Pod","metadata":"s"})",
                             R"({"apiVersion":"v1","kind":"Pod","metadata":[1]})"}) {
    CAPTURE(config);
    for (const Json& live : {Json(nullptr), J(R"({"metadata":{"name":"p"}})")}) {
      Result<Json> r = Apply(live, J(config), PodType(), Opts("kubectl", "2024-01-01T00:00:00Z"));
      REQUIRE_FALSE(r.ok());
      CHECK(r.status().reason() == Reason::kBadRequest);
      CHECK(r.status().message().starts_with(
          "failed to create typed patch object (/v1, Kind=Pod): .metadata: expected map, got "));
    }
  }
  CHECK(MustApply(nullptr, R"({"apiVersion":"v1","kind":"ConfigMap","metadata":null})",
                  Opts("kubectl", "2024-01-01T00:00:00Z"))
            .is_object());
}

TEST_CASE("re-applying the same configuration changes nothing, not even the time") {
  Json first = MustApply(nullptr, kConfig, Opts("kubectl", "2024-01-01T00:00:00Z"));
  Json second = MustApply(first, kConfig, Opts("kubectl", "2024-02-02T00:00:00Z"));
  CHECK(second == first);
}

TEST_CASE("a field the applier stops applying is removed unless someone else owns it") {
  Json obj = MustApply(nullptr, kConfig, Opts("kubectl", "t1"));
  obj = MustApply(
      obj, R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm"},"data":{"b":"2"}})",
      Opts("other", "t2"));  // co-owns data.b with the same value: no conflict
  obj = MustApply(
      obj, R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm"},"data":{"c":"3"}})",
      Opts("kubectl", "t3"));
  CHECK(obj["data"].dump() == R"({"b":"2","c":"3"})");
  const bool label_kept =
      obj["metadata"].contains("labels") && obj["metadata"]["labels"].contains("app");
  CHECK_FALSE(label_kept);
  REQUIRE(obj["metadata"]["managedFields"].size() == 2);
  // Both Apply entries, ordered by time.
  CHECK(obj["metadata"]["managedFields"][0]["manager"] == "other");
  CHECK(obj["metadata"]["managedFields"][1]["manager"] == "kubectl");
  CHECK(obj["metadata"]["managedFields"][1]["fieldsV1"].dump() == R"({"f:data":{"f:c":{}}})");
}

TEST_CASE("an update takes ownership; applying another value then conflicts (409), force wins") {
  Json obj = MustApply(nullptr, kConfig, Opts("kubectl", "t1"));
  Json edited = obj;
  edited["data"]["a"] = "changed";
  TrackUpdate(obj, &edited, ConfigMapType(), "kubectl-edit", "t2", "v1");
  REQUIRE(edited["metadata"]["managedFields"].size() == 2);
  CHECK(
      edited["metadata"]["managedFields"][1].dump() ==
      R"({"manager":"kubectl-edit","operation":"Update","apiVersion":"v1","time":"t2","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:a":{}}}})");
  CHECK(edited["metadata"]["managedFields"][0]["fieldsV1"].dump() ==
        R"({"f:data":{"f:b":{}},"f:metadata":{"f:labels":{"f:app":{}}}})");

  Result<Json> r = Apply(edited, J(kConfig), ConfigMapType(), Opts("kubectl", "t3"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == 409);
  CHECK(r.status().reason() == Reason::kConflict);
  CHECK(r.status().message() ==
        R"(Apply failed with 1 conflict: conflict with "kubectl-edit" using v1: .data.a)");
  REQUIRE(r.status().details().causes.size() == 1);
  CHECK(r.status().details().causes[0] ==
        StatusCause{"FieldManagerConflict", R"(conflict with "kubectl-edit" using v1)", ".data.a"});

  Json forced = MustApply(edited, kConfig, Opts("kubectl", "t3", /*force=*/true));
  CHECK(forced["data"]["a"] == "1");
  REQUIRE(forced["metadata"]["managedFields"].size() == 1);  // the editor owns nothing left
  CHECK(forced["metadata"]["managedFields"][0]["time"] == "t3");
}

TEST_CASE("conflicts with several fields list them under the manager") {
  Json obj = MustApply(nullptr, kConfig, Opts("a", "t1"));
  Result<Json> r = Apply(
      obj,
      J(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm"},"data":{"a":"x","b":"y"}})"),
      ConfigMapType(), Opts("b", "t2"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message() ==
        "Apply failed with 2 conflicts: conflicts with \"a\":\n- .data.a\n- .data.b");
}

TEST_CASE("apply: containers are an associative list keyed by name") {
  const char* pod =
      R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i1","ports":[{"containerPort":80}]}]}})";
  Json obj = MustApply(nullptr, pod, Opts("kubectl", "t1"), PodType());
  CHECK(
      obj["metadata"]["managedFields"][0]["fieldsV1"].dump() ==
      R"({"f:spec":{"f:containers":{"k:{\"name\":\"c\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}})");
  obj = MustApply(
      obj,
      R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"d","image":"i2"}]}})",
      Opts("kubectl", "t2"), PodType());
  CHECK(obj["spec"]["containers"].dump() == R"([{"name":"d","image":"i2"}])");
}

TEST_CASE("apply: wrong apiVersion and managedFields in the body are 400s") {
  Result<Json> r = Apply(nullptr, J(R"({"apiVersion":"v2","kind":"ConfigMap"})"), ConfigMapType(),
                         Opts("kubectl", "t"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message() ==
        "Incorrect version specified in apply patch. Specified patch version: v2, expected: v1");
  r = Apply(nullptr, J(R"({"metadata":{"managedFields":[]}})"), ConfigMapType(), Opts("k", "t"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message() == "metadata.managedFields must be nil");
}

TEST_CASE("TrackUpdate on create gives the fieldsV1 a real apiserver wrote") {
  // pod-pretty.json: the pod kubectl (client-side apply) created, before the scheduler, the
  // kubelet and calico touched it; its first managedFields entry is the golden value.
  Json fixture = Json::parse(pk::testing::Fixture("pod-pretty.json"));
  Json created =
      J(R"({"metadata":{"name":"hello-world","namespace":"default","creationTimestamp":null,
    "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}"}},
    "spec":{"containers":[{"name":"hello-world","image":"hello-world","resources":{},
      "terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File",
      "imagePullPolicy":"Always"}],
    "restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst",
    "securityContext":{},"schedulerName":"default-scheduler","enableServiceLinks":true},
    "status":{}})");
  TrackUpdate(nullptr, &created, PodType(), "kubectl-client-side-apply", "2024-06-25T14:48:12Z",
              "v1");
  CHECK(created["metadata"]["managedFields"][0].dump() ==
        fixture["metadata"]["managedFields"][0].dump());
}

TEST_CASE("TrackUpdate on a real client-side-apply create of a Deployment") {
  Json body = Json::parse(pk::testing::Fixture("deployment-apply-body.json"));
  TrackUpdate(nullptr, &body, k8s::apps::v1::Deployment::descriptor(), "kubectl-client-side-apply",
              "t", "apps/v1");
  const Json& fields = body["metadata"]["managedFields"][0]["fieldsV1"];
  CHECK(fields["f:spec"]["f:selector"].dump() == "{}");  // LabelSelector is atomic
  const Json& container =
      fields["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"nginx\"}"];
  CHECK(
      container["f:ports"].dump() ==
      R"({".":{},"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}})");
  CHECK(fields["f:spec"]["f:template"]["f:metadata"].dump() ==
        R"({"f:labels":{".":{},"f:app":{}}})");
}

TEST_CASE("TrackUpdate: a status write owns conditions by type") {
  Json before = J(
      R"({"metadata":{"name":"p"},"spec":{},"status":{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"True"}]}})");
  Json after = before;
  after["status"]["conditions"].push_back(J(R"({"type":"Ready","status":"True"})"));
  after["status"]["podIPs"] = J(R"([{"ip":"10.0.0.1"}])");
  TrackUpdate(before, &after, PodType(), "kubelet", "t", "v1");
  CHECK(
      after["metadata"]["managedFields"][0]["fieldsV1"].dump() ==
      R"({"f:status":{"f:conditions":{"k:{\"type\":\"Ready\"}":{".":{},"f:status":{},"f:type":{}}},"f:podIPs":{".":{},"k:{\"ip\":\"10.0.0.1\"}":{".":{},"f:ip":{}}}}})");
}

}  // namespace
}  // namespace pk::patch
