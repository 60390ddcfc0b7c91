// The codec against real Kubernetes documents (tests/fixtures, captured from real clusters) and
// the bodies kubectl sends.
#include "apimachinery/codec.h"

#include <doctest/doctest.h>

#include "apimachinery/api_status.h"
#include "apimachinery/object.h"
#include "apimachinery/scheme.h"
#include "apimachinery/yaml.h"
#include "proto/meta/v1/meta.pb.h"
#include "tests/testing.h"

namespace pk {
namespace {

using google::protobuf::Message;

std::unique_ptr<Message> NewOf(const std::string& api_version, const std::string& kind) {
  GroupVersionKind gvk;
  SplitApiVersion(api_version, &gvk.group, &gvk.version);
  gvk.kind = kind;
  const ResourceType* type = Scheme::Builtin().FindByKind(gvk);
  REQUIRE_MESSAGE(type != nullptr, "no resource of kind " << kind);
  return type->New();
}

std::string Chomp(std::string s) {
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

// Decodes a whole top-level document, checking nothing in it was unknown.
std::unique_ptr<Message> DecodeKnown(const std::string& json) {
  auto object = Scheme::Builtin().DecodeAny(json, nullptr);
  REQUIRE_MESSAGE(object.ok(), object.status().ToString());
  json::DecodeReport report;
  auto again = std::unique_ptr<Message>((*object)->New());
  REQUIRE(json::Decode(json, again.get(), &report).ok());
  CHECK_MESSAGE(report.unknown_fields.empty(),
                "unknown: " << (report.unknown_fields.empty() ? "" : report.unknown_fields[0]));
  return std::move(object).value();
}

// Same JSON content regardless of key order and spacing.
void CheckSameJson(const std::string& actual, const std::string& expected) {
  auto a = nlohmann::json::parse(actual);
  auto e = nlohmann::json::parse(expected);
  if (a != e) {
    auto diff = nlohmann::json::diff(e, a);
    FAIL("JSON differs from the fixture: " << diff.dump().substr(0, 2000));
  }
}

TEST_CASE("a real Pod round-trips byte for byte in server field order") {
  std::string fixture = Chomp(testing::Fixture("pod-running.json"));
  auto pod = DecodeKnown(fixture);
  CHECK(Scheme::Builtin().Encode(*pod) == fixture);
}

TEST_CASE("a watch event line round-trips, and its object decodes as a Pod") {
  std::string line = Chomp(testing::Fixture("watch-event-pod-added.json"));
  k8s::meta::v1::WatchEvent event;
  json::DecodeReport report;
  REQUIRE(json::Decode(line, &event, &report).ok());
  CHECK(report.unknown_fields.empty());
  CHECK(event.type() == "ADDED");
  CHECK(json::Encode(event) == line);
  auto pod = DecodeKnown(event.object().raw());
  CHECK(Scheme::Builtin().Encode(*pod) == event.object().raw());
}

TEST_CASE("pretty output matches the apiserver's indentation exactly") {
  std::string pretty = testing::Fixture("pod-pretty.json");
  auto pod = DecodeKnown(pretty);
  CHECK(json::Indent(Scheme::Builtin().Encode(*pod)) == pretty);
}

TEST_CASE("a Table round-trips with Go's HTML escaping of cells") {
  std::string fixture = Chomp(testing::Fixture("table-pods.json"));
  CHECK(fixture.find("\\u003cnone\\u003e") != std::string::npos);
  auto table = DecodeKnown(fixture);
  CHECK(Scheme::Builtin().Encode(*table) == fixture);
  auto* t = dynamic_cast<k8s::meta::v1::Table*>(table.get());
  REQUIRE(t != nullptr);
  CHECK(t->column_definitions_size() == 9);
  CHECK(t->column_definitions(5).priority() == 1);
}

TEST_CASE("an Invalid Status round-trips and converts to pk::Status") {
  std::string fixture = Chomp(testing::Fixture("status-invalid.json"));
  auto decoded = DecodeKnown(fixture);
  CHECK(Scheme::Builtin().Encode(*decoded) == fixture);
  auto* api = dynamic_cast<k8s::meta::v1::Status*>(decoded.get());
  REQUIRE(api != nullptr);
  Status status = FromApiStatus(*api);
  CHECK(status.reason() == Reason::kInvalid);
  CHECK(status.code() == 422);
  REQUIRE(status.details().causes.size() == 1);
  CHECK(status.details().causes[0].reason == "FieldValueInvalid");
  CHECK(Scheme::Builtin().Encode(ToApiStatus(status)) == fixture);
}

TEST_CASE("Status::NotFound renders as the apiserver's NotFound document") {
  std::string fixture = testing::Fixture("status-notfound.json");
  std::string compact;
  json::AppendValue(&compact, *json::Parse(fixture));
  Status s = Status::NotFound({"", "pods"}, "test-pods");
  CHECK(Scheme::Builtin().Encode(ToApiStatus(s)) == compact);
}

TEST_CASE("Endpoints in server order round-trip") {
  std::string fixture = Chomp(testing::Fixture("endpoints.json"));
  auto endpoints = DecodeKnown(fixture);
  CHECK(Scheme::Builtin().Encode(*endpoints) == fixture);
}

TEST_CASE("kubectl renderings decode with every field known and re-encode to the same JSON") {
  for (const char* name :
       {"node.json", "deployment.json", "event.json", "service.json", "replicaset.json"}) {
    CAPTURE(name);
    std::string fixture = testing::Fixture(name);
    if (std::string(name) == "replicaset.json") {
      // Served as extensions/v1beta1 in 2019; the body is the same as apps/v1.
      auto pos = fixture.find("\"extensions/v1beta1\"");
      REQUIRE(pos != std::string::npos);
      fixture.replace(pos, 20, "\"apps/v1\"");
    }
    auto object = DecodeKnown(fixture);
    CheckSameJson(Scheme::Builtin().Encode(*object), fixture);
  }
}

TEST_CASE("a Lease from YAML keeps MicroTime's six fractional digits") {
  auto docs = YamlToJsonDocuments(testing::Fixture("lease.yaml"));
  REQUIRE(docs.ok());
  REQUIRE(docs->size() == 1);
  std::string json;
  json::AppendValue(&json, (*docs)[0]);
  auto lease = DecodeKnown(json);
  std::string encoded = Scheme::Builtin().Encode(*lease);
  CHECK(encoded.find("\"renewTime\":\"2023-07-04T21:58:48.065888Z\"") != std::string::npos);
  CheckSameJson(encoded, json);
}

TEST_CASE("the exact body of `kubectl run` decodes and encodes as Go would") {
  const std::string body = Chomp(testing::Fixture("kubectl-run-body.json"));
  auto pod = DecodeKnown(body);
  CHECK(Scheme::Builtin().Encode(*pod) == body);
}

TEST_CASE("a Deployment as `kubectl apply` sends it, and as its YAML manifest") {
  // Client-side apply sends the manifest with sorted keys plus the last-applied annotation.
  const std::string body = testing::Fixture("deployment-apply-body.json");
  auto deployment = DecodeKnown(body);
  std::string encoded = Scheme::Builtin().Encode(*deployment);
  // kubectl built the body from an untyped map; a typed Go encoder (ours) adds the zero
  // struct values, and nothing else.
  auto typed = nlohmann::json::parse(encoded);
  CHECK(typed["metadata"]["creationTimestamp"].is_null());
  CHECK(typed["status"] == nlohmann::json::object());
  typed["metadata"].erase("creationTimestamp");
  typed["spec"]["template"]["metadata"].erase("creationTimestamp");
  typed.erase("status");
  CHECK(typed == nlohmann::json::parse(body));
  CHECK(encoded.rfind("{\"kind\":\"Deployment\",\"apiVersion\":\"apps/v1\",", 0) == 0);
  // Go declares maxUnavailable before maxSurge.
  CHECK(encoded.find("\"maxUnavailable\":1,\"maxSurge\":\"25%\"") != std::string::npos);
  CHECK(encoded.find("\"requests\":{\"cpu\":\"100m\",\"memory\":\"128Mi\"}") !=
        std::string::npos);

  // The manifest the user wrote, through our YAML path, gives the same object.
  auto docs = YamlToJsonDocuments(testing::Fixture("deployment-apply.yaml"));
  REQUIRE(docs.ok());
  REQUIRE(docs->size() == 1);
  std::string from_yaml;
  json::AppendValue(&from_yaml, (*docs)[0]);
  auto manifest = DecodeKnown(from_yaml);
  auto* meta = MutableObjectMeta(deployment.get());
  meta->mutable_annotations()->clear();
  meta->clear_namespace_();
  CHECK(Scheme::Builtin().Encode(*manifest) == Scheme::Builtin().Encode(*deployment));
}

TEST_CASE("quantities come back canonical and pointers keep explicit zeros") {
  auto deployment = NewOf("apps/v1", "Deployment");
  REQUIRE(json::Decode(R"({"spec":{"replicas":0,"template":{"spec":{"containers":[{)"
                       R"("name":"c","resources":{"limits":{"cpu":"1000m","memory":"1.5Gi"},)"
                       R"("requests":{"cpu":"0.5"}}}]}}}})",
                       deployment.get(), nullptr)
              .ok());
  std::string encoded = json::Encode(*deployment);
  CHECK(encoded.find("\"replicas\":0") != std::string::npos);
  CHECK(encoded.find("\"limits\":{\"cpu\":\"1\",\"memory\":\"1536Mi\"}") != std::string::npos);
  CHECK(encoded.find("\"requests\":{\"cpu\":\"500m\"}") != std::string::npos);
}

TEST_CASE("unknown fields are reported with their paths") {
  auto pod = NewOf("v1", "Pod");
  json::DecodeReport report;
  const std::string body =
      R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":"x","colour":"red"},)"
      R"("spec":{"containers":[{"name":"a","image":"b"},{"name":"c","imagePullPolicyy":"x"}]}})";
  REQUIRE(json::Decode(body, pod.get(), &report).ok());
  REQUIRE(report.unknown_fields.size() == 2);
  CHECK(report.unknown_fields[0] == "metadata.colour");
  CHECK(report.unknown_fields[1] == "spec.containers[1].imagePullPolicyy");
  CHECK(report.kind == "Pod");
  CHECK(report.api_version == "v1");
}

TEST_CASE("type errors name the field the way Go does") {
  auto pod = NewOf("v1", "Pod");
  Status s = json::Decode(R"({"spec":{"containers":"nginx"}})", pod.get(), nullptr);
  CHECK(s.reason() == Reason::kBadRequest);
  CHECK(s.message() ==
        "json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type "
        "[]v1.Container");
  s = json::Decode(R"({"spec":{"priority":1.5}})", pod.get(), nullptr);
  CHECK(s.message().find("cannot unmarshal number 1.5 into Go struct field PodSpec.spec.priority "
                         "of type int32") != std::string::npos);
  s = json::Decode(R"({"spec":{"priority":4294967296}})", pod.get(), nullptr);
  CHECK(s.reason() == Reason::kBadRequest);
  s = json::Decode(R"([1,2])", pod.get(), nullptr);
  CHECK(s.message() == "json: cannot unmarshal array into Go value of type v1.Pod");
  s = json::Decode(R"({"metadata":{"creationTimestamp":"yesterday"}})", pod.get(), nullptr);
  CHECK(s.message().find("metadata.creationTimestamp: parsing time \"yesterday\"") == 0);
  s = json::Decode(R"({"spec":{"containers":[{"resources":{"limits":{"cpu":"lots"}}}]}})",
                   pod.get(), nullptr);
  CHECK(s.message().find("spec.containers[0].resources.limits[cpu]: quantities must match") == 0);
  s = json::Decode(R"({"metadata":{)", pod.get(), nullptr);
  CHECK(s.reason() == Reason::kBadRequest);
  CHECK(s.message().find("invalid JSON") == 0);
}

TEST_CASE("presence: pointers keep explicit zeros, omitempty drops them, always keeps them") {
  auto deployment = NewOf("apps/v1", "Deployment");
  REQUIRE(json::Decode(R"({"spec":{"replicas":0,"paused":false,"minReadySeconds":0}})",
                       deployment.get(), nullptr)
              .ok());
  std::string encoded = json::Encode(*deployment);
  CHECK(encoded.find("\"replicas\":0") != std::string::npos);
  CHECK(encoded.find("paused") == std::string::npos);
  CHECK(encoded.find("minReadySeconds") == std::string::npos);
  // ObjectMeta is always written, with a null creationTimestamp when unset.
  CHECK(encoded.find("\"metadata\":{\"creationTimestamp\":null}") != std::string::npos);
}

TEST_CASE("bytes are base64, IntOrString is a number or a string") {
  auto secret = NewOf("v1", "Secret");
  REQUIRE(json::Decode(R"({"data":{"password":"aHVudGVyMg==","empty":""}})", secret.get(),
                       nullptr)
              .ok());
  std::string encoded = json::Encode(*secret);
  CHECK(encoded.find("\"data\":{\"empty\":\"\",\"password\":\"aHVudGVyMg==\"}") !=
        std::string::npos);
  Status bad = json::Decode(R"({"data":{"x":"!!!"}})", secret.get(), nullptr);
  CHECK(bad.message().find("illegal base64 data at input byte 0") != std::string::npos);

  auto service = NewOf("v1", "Service");
  REQUIRE(json::Decode(R"({"spec":{"ports":[{"port":80,"targetPort":8080},)"
                       R"({"port":443,"targetPort":"https"}]}})",
                       service.get(), nullptr)
              .ok());
  encoded = json::Encode(*service);
  CHECK(encoded.find("\"targetPort\":8080") != std::string::npos);
  CHECK(encoded.find("\"targetPort\":\"https\"") != std::string::npos);
}

TEST_CASE("a named []string (ExtraValue) is a bare JSON array") {
  auto review = NewOf("authorization.k8s.io/v1", "SubjectAccessReview");
  const std::string body =
      R"({"metadata":{"creationTimestamp":null},"spec":{"user":"alice",)"
      R"("extra":{"scopes":["a","b"]}},"status":{"allowed":false}})";
  json::DecodeReport report;
  REQUIRE(json::Decode(body, review.get(), &report).ok());
  CHECK(report.unknown_fields.empty());
  CHECK(json::Encode(*review) == body);
}

TEST_CASE("always-written fields with nothing in them take Go's zero forms") {
  // An unset struct value is written as its default instance, with its own always-fields;
  // a pointer without omitempty (selector) as null.
  auto rs = NewOf("apps/v1", "ReplicaSet");
  CHECK(json::Encode(*rs) ==
        R"({"metadata":{"creationTimestamp":null},"spec":{"selector":null,"template":{"metadata":)"
        R"({"creationTimestamp":null},"spec":{"containers":null}}},"status":{"replicas":0}})");
}

TEST_CASE("strings are escaped as Go escapes them") {
  std::string out;
  json::AppendString(&out, "a<b>&\"\\\n\t\x01 \xe2\x80\xa8 caf\xc3\xa9 \xff");
  CHECK(out ==
        "\"a\\u003cb\\u003e\\u0026\\\"\\\\\\n\\t\\u0001 \\u2028 caf\xc3\xa9 \\ufffd\"");
}

TEST_CASE("Indent keeps empty objects and arrays on one line") {
  CHECK(json::Indent(R"({"a":{},"b":[],"c":[1,{"d":"x,y:{"}]})") ==
        "{\n  \"a\": {},\n  \"b\": [],\n  \"c\": [\n    1,\n    {\n      \"d\": \"x,y:{\"\n"
        "    }\n  ]\n}");
}

}  // namespace
}  // namespace pk
