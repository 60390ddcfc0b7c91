// JSON merge patch and JSON patch: results and Kubernetes' error codes and wording.
#include "apiserver/patch/patch.h"

#include <doctest/doctest.h>

#include "apiserver/patch/test_util.h"

namespace pk::patch {
namespace {

using testing::J;

TEST_CASE("merge patch: RFC 7386 semantics, key order kept") {
  Json pod = J(R"({"metadata":{"name":"p","labels":{"a":"1","b":"2"}},"spec":{"x":1}})");
  Result<Json> r = MergePatch(
      pod, R"({"metadata":{"labels":{"a":null,"c":"3"}},"spec":{"y":{"z":null,"w":1}}})");
  REQUIRE(r.ok());
  CHECK(r->dump() ==
        R"({"metadata":{"name":"p","labels":{"b":"2","c":"3"}},"spec":{"x":1,"y":{"w":1}}})");
  // Lists are replaced whole.
  r = MergePatch(J(R"({"l":[1,2,3]})"), R"({"l":[4]})");
  REQUIRE(r.ok());
  CHECK(r->dump() == R"({"l":[4]})");
}

TEST_CASE("merge patch: a body that is not a JSON object is a 400") {
  for (const char* bad : {"{", "null", "12", "\"x\""}) {
    Result<Json> r = MergePatch(J("{}"), bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == 400);
    CHECK(r.status().message() == "Invalid JSON Patch");
  }
}

TEST_CASE("json patch: add, replace, remove, test, move, copy") {
  Json obj =
      J(R"({"metadata":{"labels":{"a":"1"}},"spec":{"containers":[{"name":"c","image":"i1"}]}})");
  Result<Json> r = JsonPatch(obj, R"([
    {"op":"test","path":"/spec/containers/0/name","value":"c"},
    {"op":"replace","path":"/spec/containers/0/image","value":"i2"},
    {"op":"add","path":"/metadata/labels/b","value":"2"},
    {"op":"remove","path":"/metadata/labels/a"},
    {"op":"copy","from":"/metadata/labels/b","path":"/metadata/labels/c"},
    {"op":"add","path":"/spec/containers/-","value":{"name":"d"}}])");
  REQUIRE(r.ok());
  CHECK(
      r->dump() ==
      R"({"metadata":{"labels":{"b":"2","c":"2"}},"spec":{"containers":[{"name":"c","image":"i2"},{"name":"d"}]}})");
}

TEST_CASE("json patch: a failing operation is Kubernetes' generic 422") {
  // patch.go: errors.NewGenericServerResponse(http.StatusUnprocessableEntity, ...)
  for (const char* bad :
       {R"([{"op":"remove","path":"/metadata/nope"}])", R"([{"op":"test","path":"/a","value":2}])",
        R"([{"op":"replace","path":"/x/y","value":1}])", R"([{"op":"bogus","path":"/a"}])"}) {
    Result<Json> r = JsonPatch(J(R"({"a":1,"metadata":{}})"), bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == 422);
    CHECK(r.status().reason() == Reason::kInvalid);
    CHECK(r.status().message() == "the server rejected our request due to an error in our request");
  }
}

TEST_CASE("json patch: a body that does not decode is a 400 with Go's message") {
  Result<Json> r = JsonPatch(J("{}"), R"({"op":"add"})");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == 400);
  CHECK(r.status().message() ==
        "json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  r = JsonPatch(J("{}"), "[x");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == 400);
  CHECK(r.status().message() == "invalid character 'x' looking for beginning of value");
  // Found by fuzz_json_patch and fuzz_strategic_patch: a number beyond float64 is an error,
  // not an exception out of the error path.
  for (const char* body : {"-77777e777777777777777777", "1e999"}) {
    r = JsonPatch(J("{}"), body);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == 400);
    CHECK(r.status().message().find("json: cannot unmarshal number") == 0);
    r = StrategicMergePatch(J("{}"), body, testing::PodType());
    CHECK_FALSE(r.ok());
  }
}

}  // namespace
}  // namespace pk::patch

namespace pk::patch {
namespace {

TEST_CASE("json patch: copies that double the document are stopped, deep bodies refused") {
  Json doc =
      Json::parse(R"({"a":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"})");
  std::string ops = "[";
  for (int i = 0; i < 40; ++i) {
    if (i > 0) ops += ",";
    ops += R"({"op":"copy","from":"","path":"/a)" + std::to_string(i) + "\"}";
  }
  ops += "]";
  auto grown = JsonPatch(doc, ops);
  REQUIRE_FALSE(grown.ok());
  CHECK(grown.status().code() == 413);

  std::string deep(20000, '[');
  CHECK(JsonPatch(doc, deep).status().code() == 400);
  std::string deep_object;
  for (int i = 0; i < 20000; ++i) deep_object += R"({"a":)";
  CHECK(MergePatch(doc, deep_object).status().code() == 400);
  CHECK(StrategicMergePatch(doc, deep_object, nullptr).status().code() == 400);
}

}  // namespace
}  // namespace pk::patch
