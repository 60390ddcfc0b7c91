// Strategic merge patch: cases adapted from k8s.io/apimachinery strategicpatch patch_test.go
// (its mergingList / mergingIntList / retainKeys cases, on Pod fields with the same tags) and
// patch bodies that kubectl apply really sends.
#include <doctest/doctest.h>

#include "apiserver/patch/patch.h"
#include "apiserver/patch/test_util.h"

namespace pk::patch {
namespace {

using testing::J;
using testing::PodType;

Json Smp(const std::string& original, const std::string& patch) {
  Result<Json> r = StrategicMergePatch(J(original), patch, PodType());
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  return *r;
}

Status SmpError(const std::string& original, const std::string& patch) {
  Result<Json> r = StrategicMergePatch(J(original), patch, PodType());
  REQUIRE_FALSE(r.ok());
  return r.status();
}

TEST_CASE("kubectl apply: image change with $setElementOrder") {
  Json out = Smp(
      R"({"spec":{"containers":[{"name":"a","image":"nginx:1"},{"name":"b","image":"redis:1","ports":[{"containerPort":80}]}]}})",
      R"({"spec":{"$setElementOrder/containers":[{"name":"a"},{"name":"b"}],"containers":[{"image":"redis:2","name":"b"}]}})");
  CHECK(
      out.dump() ==
      R"({"spec":{"containers":[{"name":"a","image":"nginx:1"},{"name":"b","image":"redis:2","ports":[{"containerPort":80}]}]}})");
}

TEST_CASE("merge list by key: a new item lands where $setElementOrder says") {
  Json out = Smp(
      R"({"spec":{"containers":[{"name":"1"},{"name":"3"}]}})",
      R"({"spec":{"$setElementOrder/containers":[{"name":"1"},{"name":"2"},{"name":"3"}],"containers":[{"name":"2","image":"x"}]}})");
  CHECK(out["spec"]["containers"].dump() ==
        R"([{"name":"1"},{"name":"2","image":"x"},{"name":"3"}])");
}

TEST_CASE("merge list by key without an order directive: patch items first (Go's order)") {
  Json out = Smp(R"({"spec":{"containers":[{"name":"1","image":"a"},{"name":"2"}]}})",
                 R"({"spec":{"containers":[{"name":"1","image":"b"},{"name":"3"}]}})");
  CHECK(out["spec"]["containers"].dump() ==
        R"([{"name":"1","image":"b"},{"name":"3"},{"name":"2"}])");
}

TEST_CASE("$setElementOrder alone reorders the live list") {
  Json out = Smp(R"({"spec":{"containers":[{"name":"a"},{"name":"b"}]}})",
                 R"({"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"}]}})");
  CHECK(out["spec"]["containers"].dump() == R"([{"name":"b"},{"name":"a"}])");
}

TEST_CASE("$patch: delete removes the list item with that key") {
  Json out = Smp(
      R"({"spec":{"containers":[{"name":"1"},{"name":"2"},{"name":"3"}]}})",
      R"({"spec":{"$setElementOrder/containers":[{"name":"1"},{"name":"3"}],"containers":[{"$patch":"delete","name":"2"}]}})");
  CHECK(out["spec"]["containers"].dump() == R"([{"name":"1"},{"name":"3"}])");
}

TEST_CASE("$patch: replace in a list replaces it with the other items") {
  Json out = Smp(R"({"spec":{"containers":[{"name":"1"},{"name":"2"}]}})",
                 R"({"spec":{"containers":[{"name":"3","image":"x"},{"$patch":"replace"}]}})");
  CHECK(out["spec"]["containers"].dump() == R"([{"name":"3","image":"x"}])");
}

TEST_CASE("$patch: replace and delete in a map") {
  Json out = Smp(
      R"({"metadata":{"labels":{"a":"1","b":"2"}},"spec":{"nodeName":"n","hostname":"h"}})",
      R"({"metadata":{"labels":{"$patch":"delete"}},"spec":{"$patch":"replace","hostname":"x"}})");
  CHECK(out.dump() == R"({"metadata":{"labels":{}},"spec":{"hostname":"x"}})");
}

TEST_CASE("null deletes a key; unmatched nulls are dropped") {
  Json out =
      Smp(R"({"metadata":{"labels":{"a":"1","b":"2"}}})",
          R"({"metadata":{"labels":{"a":null,"zz":null},"annotations":{"k":"v","gone":null}}})");
  CHECK(out.dump() == R"({"metadata":{"labels":{"b":"2"},"annotations":{"k":"v"}}})");
}

TEST_CASE("lists without a patch strategy are replaced") {
  Json out =
      Smp(R"({"spec":{"tolerations":[{"key":"a"}],"containers":[{"name":"c","args":["1","2"]}]}})",
          R"({"spec":{"tolerations":[{"key":"b"}],"containers":[{"name":"c","args":["3"]}]}})");
  CHECK(out.dump() ==
        R"({"spec":{"tolerations":[{"key":"b"}],"containers":[{"name":"c","args":["3"]}]}})");
}

TEST_CASE("primitive merge list: union, and $deleteFromPrimitiveList") {
  // patch_test.go "merge lists of scalars" / "delete from a primitive list".
  Json out =
      Smp(R"({"metadata":{"finalizers":["a","b"]}})",
          R"({"metadata":{"$setElementOrder/finalizers":["a","b","c"],"finalizers":["c"]}})");
  CHECK(out["metadata"]["finalizers"].dump() == R"(["a","b","c"])");
  out = Smp(
      R"({"metadata":{"finalizers":["a","b","c"]}})",
      R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["b"],"$setElementOrder/finalizers":["a","c"]}})");
  CHECK(out["metadata"]["finalizers"].dump() == R"(["a","c"])");
  // Deleting from a list that does not exist adds nothing.
  out = Smp(R"({"metadata":{}})", R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["b"]}})");
  CHECK(out.dump() == R"({"metadata":{}})");
}

TEST_CASE("$retainKeys: a volume switching source keeps only the listed keys") {
  Json out = Smp(
      R"({"spec":{"volumes":[{"name":"v","emptyDir":{}},{"name":"w","emptyDir":{}}]}})",
      R"({"spec":{"$setElementOrder/volumes":[{"name":"v"},{"name":"w"}],"volumes":[{"$retainKeys":["configMap","name"],"configMap":{"name":"cm"},"name":"v"}]}})");
  CHECK(out["spec"]["volumes"].dump() ==
        R"([{"name":"v","configMap":{"name":"cm"}},{"name":"w","emptyDir":{}}])");
}

TEST_CASE("$retainKeys must list every key the patch sets (400)") {
  Status s =
      SmpError(R"({"spec":{"volumes":[{"name":"v"}]}})",
               R"({"spec":{"volumes":[{"$retainKeys":["name"],"configMap":{},"name":"v"}]}})");
  CHECK(s.code() == 400);
  CHECK(s.message() == "invalid patch format of retainKeys");
}

TEST_CASE("nested merge: container env by name and ports by containerPort") {
  Json out = Smp(
      R"({"spec":{"containers":[{"name":"c","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],"ports":[{"containerPort":80,"name":"http"}]}]}})",
      R"({"spec":{"containers":[{"name":"c","$setElementOrder/env":[{"name":"A"},{"name":"B"}],"env":[{"name":"B","value":"3"}],"ports":[{"containerPort":80,"protocol":"TCP"}]}]}})");
  CHECK(out["spec"]["containers"][0]["env"].dump() ==
        R"([{"name":"A","value":"1"},{"name":"B","value":"3"}])");
  CHECK(out["spec"]["containers"][0]["ports"].dump() ==
        R"([{"containerPort":80,"name":"http","protocol":"TCP"}])");
}

TEST_CASE("errors: Go's messages and the handler's codes") {
  Status s = SmpError(R"({"spec":{"containers":[{"name":"a"}]}})",
                      R"({"spec":{"containers":[{"image":"x"}]}})");
  CHECK(s.code() == 500);
  CHECK(s.message() == "map: map[image:x] does not contain declared merge key: name");
  s = SmpError(R"({"metadata":{"labels":{}}})", R"({"metadata":{"labels":{"$patch":"bogus"}}})");
  CHECK(s.message() == "unknown patch type: bogus in map: map[$patch:bogus]");
  s = SmpError(R"({"spec":{}})", R"({"spec":{"$setElementOrder":[]}})");
  CHECK(s.code() == 400);
  CHECK(s.message() == "invalid patch format of setElementOrder list");
  s = SmpError(R"({})", "[1]");
  CHECK(s.code() == 400);
  s = SmpError(R"({"spec":{"containers":[{"name":"a"}]}})",
               R"({"spec":{"containers":[{"name":"a","$patch":"merge"}]}})");
  CHECK(s.message() == "merging lists cannot yet be specified in the patch");
}

}  // namespace
}  // namespace pk::patch
