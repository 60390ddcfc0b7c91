// ToJsonValue against its definition, Parse(Encode(msg)): equal values of equal number types.
#include "apimachinery/codec_value.h"

#include <doctest/doctest.h>

#include "apimachinery/codec.h"
#include "apimachinery/scheme.h"
#include "proto/meta/v1/meta.pb.h"
#include "tests/testing.h"

namespace pk {
namespace {

using Json = nlohmann::ordered_json;

// Same value, same types all the way down (== alone takes 1u and 1 as equal), same key order.
void CheckIdentical(const Json& actual, const Json& expected, const std::string& path) {
  REQUIRE_MESSAGE(actual.type() == expected.type(),
                  path << ": " << actual.type_name() << " vs " << expected.type_name());
  if (actual.is_object()) {
    REQUIRE_MESSAGE(actual.size() == expected.size(), path);
    auto a = actual.begin();
    for (auto e = expected.begin(); e != expected.end(); ++e, ++a) {
      REQUIRE_MESSAGE(a.key() == e.key(), path);
      CheckIdentical(*a, *e, path + "." + e.key());
    }
  } else if (actual.is_array()) {
    REQUIRE_MESSAGE(actual.size() == expected.size(), path);
    for (size_t i = 0; i < actual.size(); ++i) {
      CheckIdentical(actual[i], expected[i], path + "[" + std::to_string(i) + "]");
    }
  } else {
    REQUIRE_MESSAGE(actual == expected, path << ": " << actual.dump() << " vs " << expected.dump());
  }
}

void CheckSameAsText(const google::protobuf::Message& msg) {
  auto direct = json::ToJsonValue(msg);
  REQUIRE(direct.ok());
  auto parsed = json::Parse(json::Encode(msg));
  REQUIRE(parsed.ok());
  CheckIdentical(*direct, *parsed, "");
}

std::unique_ptr<google::protobuf::Message> Decoded(const std::string& text) {
  auto object = Scheme::Builtin().DecodeAny(text, nullptr);
  REQUIRE_MESSAGE(object.ok(), object.status().ToString());
  return std::move(object).value();
}

TEST_CASE("real objects: the document equals the parsed text") {
  for (const char* name : {"pod-running.json", "deployment.json", "endpoints.json", "event.json",
                           "node.json", "service.json"}) {
    CAPTURE(name);
    CheckSameAsText(*Decoded(testing::Fixture(name)));
  }
}

TEST_CASE("zero forms, negative and large numbers, IntOrString, bytes, maps") {
  // Always-written fields of an empty object (null, default instances, "0").
  CheckSameAsText(*Decoded(R"({"kind":"ReplicaSet","apiVersion":"apps/v1"})"));
  CheckSameAsText(*Decoded(
      R"({"kind":"Service","apiVersion":"v1","spec":{"ports":[{"port":80,"targetPort":8080},)"
      R"({"port":443,"targetPort":"https","nodePort":30443}]}})"));
  CheckSameAsText(*Decoded(
      R"({"kind":"Secret","apiVersion":"v1","metadata":{"name":"s","labels":{"b":"2","a":"1"}},)"
      R"("data":{"password":"aHVudGVyMg==","empty":"","one":"YQ=="}})"));
  CheckSameAsText(*Decoded(
      R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":"p","generation":-3},)"
      R"("spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":"500m"}}}],)"
      R"("terminationGracePeriodSeconds":9223372036854775807,"activeDeadlineSeconds":0}})"));
}

TEST_CASE("strings: non-ASCII, escapes and invalid UTF-8 as the text carries them") {
  k8s::meta::v1::ObjectMeta meta;
  meta.set_name("caf\xc3\xa9 <&> \"q\" \xe2\x80\xa8 \xff\xfe tab\t");
  (*meta.mutable_labels())["\xff"] = "x";
  (*meta.mutable_labels())["\xfe"] = "y";  // both keys become U+FFFD: the last one stays
  (*meta.mutable_annotations())["k\xc3\xa9y"] = "\x01";
  CheckSameAsText(meta);
}

TEST_CASE("embedded raw documents parse; a broken one fails like Parse") {
  k8s::meta::v1::ObjectMeta meta;
  auto* entry = meta.add_managed_fields();
  entry->set_manager("m");
  entry->mutable_fields_v1()->set_raw(R"({"f:metadata":{"f:labels":{".":{},"f:a":{}}}})");
  CheckSameAsText(meta);
  entry->mutable_fields_v1()->set_raw("{not json");
  CHECK_FALSE(json::ToJsonValue(meta).ok());
  CHECK_FALSE(json::Parse(json::Encode(meta)).ok());
}

}  // namespace
}  // namespace pk
