#include "apimachinery/yaml.h"

#include <doctest/doctest.h>

#include <cmath>
#include <string>

namespace pk {
namespace {

using Json = nlohmann::ordered_json;

std::vector<Json> MustConvert(std::string_view yaml) {
  Result<std::vector<Json>> docs = YamlToJsonDocuments(yaml);
  INFO(std::string(yaml));
  REQUIRE(docs.ok());
  return *docs;
}

Json One(std::string_view yaml) {
  std::vector<Json> docs = MustConvert(yaml);
  REQUIRE(docs.size() == 1);
  return docs[0];
}

// The value of key "v" in a one-line document "v: <scalar>".
Json Scalar(const std::string& scalar) { return One("v: " + scalar)["v"]; }

std::string ErrorOf(std::string_view yaml) {
  Result<std::vector<Json>> docs = YamlToJsonDocuments(yaml);
  INFO(std::string(yaml));
  REQUIRE_FALSE(docs.ok());
  CHECK(docs.status().reason() == Reason::kBadRequest);
  return docs.status().message();
}

constexpr std::string_view kManifest = R"(# A typical manifest: two objects.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: "nginx:1.25"
        ports:
        - containerPort: 80
        env:
        - name: DEBUG
          value: "true"
        - name: PORT
          value: "8080"
        resources:
          limits: {cpu: 500m, memory: 128Mi}
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - port: 80
    targetPort: 80
)";

TEST_CASE("A Deployment and a Service separated by ---") {
  std::vector<Json> docs = MustConvert(kManifest);
  REQUIRE(docs.size() == 2);
  const Json& deployment = docs[0];
  CHECK(deployment["kind"] == "Deployment");
  CHECK(deployment["spec"]["replicas"] == 3);
  CHECK(deployment["spec"]["replicas"].is_number_integer());
  const Json& container = deployment["spec"]["template"]["spec"]["containers"][0];
  CHECK(container["image"] == "nginx:1.25");
  CHECK(container["ports"][0]["containerPort"] == 80);
  CHECK(container["env"][0]["value"] == "true");  // quoted: stays a string
  CHECK(container["env"][1]["value"] == "8080");
  CHECK(container["resources"]["limits"]["cpu"] == "500m");
  CHECK(container["resources"]["limits"]["memory"] == "128Mi");
  CHECK(docs[1]["kind"] == "Service");
  CHECK(docs[1]["spec"]["ports"][0]["targetPort"] == 80);
  // Key order is the document's.
  CHECK(deployment.dump().starts_with(R"({"apiVersion":"apps/v1","kind":"Deployment","metadata")"));
  CHECK(docs[1].dump() ==
        R"({"apiVersion":"v1","kind":"Service","metadata":{"name":"web"},)"
        R"("spec":{"selector":{"app":"web"},"ports":[{"port":80,"targetPort":80}]}})");
}

TEST_CASE("Empty documents are skipped") {
  CHECK(MustConvert("").empty());
  CHECK(MustConvert("# only a comment\n").empty());
  CHECK(MustConvert("---\n---\n").empty());
  const std::vector<Json> docs = MustConvert("---\na: 1\n---\n# nothing\n---\n\n---\nb: 2\n...\n");
  REQUIRE(docs.size() == 2);
  CHECK(docs[0] == Json{{"a", 1}});
  CHECK(docs[1] == Json{{"b", 2}});
}

TEST_CASE("Plain scalars resolve by the core schema; quoted ones stay strings") {
  CHECK(Scalar("").is_null());
  CHECK(Scalar("~").is_null());
  CHECK(Scalar("null").is_null());
  CHECK(Scalar("Null").is_null());
  CHECK(Scalar("NULL").is_null());
  for (const char* t : {"true", "True", "TRUE"}) CHECK(Scalar(t) == true);
  for (const char* f : {"false", "False", "FALSE"}) CHECK(Scalar(f) == false);
  CHECK(Scalar("123") == 123);
  CHECK(Scalar("123").is_number_integer());
  CHECK(Scalar("-17") == -17);
  CHECK(Scalar("+17") == 17);
  CHECK(Scalar("0") == 0);
  CHECK(Scalar("0o17") == 15);
  CHECK(Scalar("0x1F") == 31);
  CHECK(Scalar("0644") == 420);  // YAML 1.1 octal, as kubectl reads file modes
  CHECK(Scalar("09") == 9);
  CHECK(Scalar("9223372036854775807") == INT64_MAX);
  CHECK(Scalar("-9223372036854775808") == INT64_MIN);
  CHECK(Scalar("18446744073709551615").is_number_unsigned());
  CHECK(Scalar("99999999999999999999").is_number_float());
  CHECK(Scalar("1.5") == 1.5);
  CHECK(Scalar("-.5") == -0.5);
  CHECK(Scalar("1e3") == 1000);
  CHECK(Scalar("3.0").is_number_integer());
  CHECK(Scalar("2.5e-3") == 0.0025);
  // .inf and .nan are floats JSON cannot hold (see the fuzz findings below); out-of-range
  // floats stay strings, as Go's strconv.ParseFloat fails on them.
  CHECK(Scalar("1e400") == "1e400");
  // Everything else is a string, including YAML 1.1's yes/no and numbers with units.
  for (const char* s : {"yes", "no", "on", "off", "y", "abc", "1.2.3", "500m", "1Gi", "0x", "0o8",
                        "1_000", "2001-12-14", "+.5e", "e3", ".", "nginx:1.25", "-x"}) {
    INFO(s);
    CHECK(Scalar(s) == s);
  }
  CHECK(Scalar(R"("123")") == "123");
  CHECK(Scalar("'123'") == "123");
  CHECK(Scalar(R"("true")") == "true");
  CHECK(Scalar(R"("null")") == "null");
  CHECK(Scalar("'~'") == "~");
  CHECK(Scalar("!!str 123") == "123");
  CHECK(Scalar("!!str true") == "true");
  CHECK(Scalar("!!int 12") == 12);
  CHECK(Scalar("!custom 12") == 12);
  CHECK(One("v: |\n  line one\n  line two\n")["v"] == "line one\nline two\n");
  CHECK(One("v: >\n  folded\n  text\n")["v"] == "folded text\n");
  CHECK(One("v: |\n  123\n")["v"] == "123\n");
}

TEST_CASE("Comments, anchors, aliases and merge keys") {
  const Json doc = One(R"(
base: &base {cpu: 1, memory: 2Gi}  # trailing comment
# full-line comment
copy: *base
merged:
  <<: *base
  cpu: 2
list: [*base, x]
)");
  CHECK(doc["copy"] == Json{{"cpu", 1}, {"memory", "2Gi"}});
  CHECK(doc["merged"]["cpu"] == 2);
  CHECK(doc["merged"]["memory"] == "2Gi");
  CHECK(doc["list"][1] == "x");
  const Json multi = One("a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  x: 0\n  <<: [*a, *b]\n");
  CHECK(multi["c"] == Json{{"x", 0}, {"y", 1}, {"z", 2}});
  CHECK(ErrorOf("a: 1\nb:\n  <<: 5\n").starts_with("yaml: line 3: "));
}

TEST_CASE("Map keys become strings as Go writes them") {
  const Json doc = One("1: a\ntrue: b\n~: c\n\"q\": d\n1.5: e\nplain: f\n");
  CHECK(doc.dump() == R"({"1":"a","true":"b","null":"c","q":"d","1.5":"e","plain":"f"})");
  CHECK(One("a: 1\na: 2\n")["a"] == 2);  // a repeated key: the last value wins
}

TEST_CASE("A JSON document is YAML") {
  const Json doc = One(R"({"kind": "Pod", "spec": {"n": 1, "x": [true, null, 1.5, "2"]},
    "metadata": {"name": "p", "labels": {}}, "e": []})");
  CHECK(doc["kind"] == "Pod");
  CHECK(doc["spec"]["n"] == 1);
  CHECK(doc["spec"]["x"] == Json::parse(R"([true, null, 1.5, "2"])"));
  CHECK(doc["metadata"]["labels"].is_object());
  CHECK(doc["e"].is_array());
  CHECK(doc.dump().starts_with(R"({"kind":"Pod","spec")"));
  const std::vector<Json> two = MustConvert("{\"a\": 1}\n---\n[1, 2]\n");
  REQUIRE(two.size() == 2);
  CHECK(two[1] == Json::array({1, 2}));
}

TEST_CASE("Malformed YAML is a BadRequest naming the line") {
  CHECK(ErrorOf("a: b: c\n") == "yaml: line 1: column 5: illegal map value");
  CHECK(ErrorOf("kind: Pod\nmetadata:\n  name: x\n bad: y\n").starts_with("yaml: line 4: "));
  CHECK(ErrorOf("a: [1, 2\n").starts_with("yaml: line 2: "));
  CHECK(ErrorOf("a: {b: 1\n").starts_with("yaml: line "));
  CHECK(ErrorOf("a: *unknown\n").starts_with("yaml: line 1: "));
  CHECK(ErrorOf("ok: 1\n---\nx: 1\na: b: c\n") == "yaml: line 4: column 5: illegal map value");
  CHECK(ErrorOf("v: -\n") == "yaml: line 1: column 4: illegal block entry");
  CHECK(ErrorOf("v: !!int abc\n") ==
        "yaml: line 1: column 4: cannot decode !!str `abc` as a !!int");
  CHECK(ErrorOf("? [a]\n: b\n").starts_with("yaml: line 1: "));
}

TEST_CASE("Alias cycles and alias bombs are refused") {
  CHECK(ErrorOf("&a [*a]").starts_with("yaml: line 1: "));
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'i'; ++c) {
    const char prev = static_cast<char>(c - 1);
    bomb += std::string(1, c) + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev + ", *" +
            prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
            ", *" + prev + "]\n";
  }
  CHECK(ErrorOf(bomb).ends_with(": document contains excessive aliasing"));
}

TEST_CASE("streams that make yaml-cpp's LoadAll loop forever are refused") {
  // yaml-cpp issue #1040: a stray "," after a flow collection.
  for (const char* stuck : {",", "{}\n,x", "{\"a\": 1},\n\"b\": 1", "[]\n ,"}) {
    CAPTURE(stuck);
    CHECK(ErrorOf(stuck).starts_with("yaml: "));
  }
}

// Found by tests/fuzz/fuzz_yaml: ".inf" became a JSON number that writes as null, so a
// document changed meaning when written back. Go's YAMLToJSON fails in json.Marshal instead.
TEST_CASE("infinities and NaN are refused as values, as Go's json.Marshal refuses them") {
  CHECK(ErrorOf("v: .inf\n") == "json: unsupported value: +Inf");
  CHECK(ErrorOf("v: [1, -.Inf]\n") == "json: unsupported value: -Inf");
  CHECK(ErrorOf("a: &x .nan\nb: *x\n") == "json: unsupported value: NaN");
  CHECK(One(".inf: 1\n-.inf: 2\n.nan: 3\n") == Json::parse(R"({"+Inf":1,"-Inf":2,"NaN":3})"));
}

// Found by tests/fuzz/fuzz_apply: invalid UTF-8 in a value reached nlohmann's writer in the
// managedFields code, which throws. go-yaml's reader refuses such streams before parsing.
TEST_CASE("streams that are not UTF-8 or hold control characters are refused") {
  CHECK(ErrorOf("key: node.kubern\xF6tes.io\n") == "yaml: invalid trailing UTF-8 octet");
  CHECK(ErrorOf("v: \xFF\n") == "yaml: invalid leading UTF-8 octet");
  CHECK(ErrorOf("v: \xC3") == "yaml: incomplete UTF-8 octet sequence");
  CHECK(ErrorOf("v: \xC3x") == "yaml: invalid trailing UTF-8 octet");
  CHECK(ErrorOf("v: \xC0\x80") == "yaml: invalid length of a UTF-8 sequence");
  CHECK(ErrorOf("v: \xED\xA0\x80") == "yaml: invalid Unicode character");
  CHECK(ErrorOf(std::string("v: a\0b", 6)) == "yaml: control characters are not allowed");
  CHECK(ErrorOf("v: \x1B[0m") == "yaml: control characters are not allowed");
  CHECK(One("v: \"caf\xC3\xA9\t\xF0\x9F\x9A\x80\"\r\n")["v"] == "caf\xC3\xA9\t\xF0\x9F\x9A\x80");
}

}  // namespace
}  // namespace pk

namespace pk {
namespace {

// Found by tests/fuzz/fuzz_yaml: JsonToYaml wrote the string "1" plain, which reads back as
// the number 1 (yaml-cpp 0.7 quotes only booleans and null); keys "<<" and "~" read back as a
// merge key and as "null".
TEST_CASE("JsonToYaml quotes every string that would read back as something else") {
  const Json doc = Json::parse(
      R"({"a":["1","-2.5","0644","1e3","true","null","~","",".inf","x"],"<<":"1","~":1,"7":2})");
  const std::string yaml = JsonToYaml(doc);
  CHECK(yaml.find("- \"1\"") != std::string::npos);
  CHECK(yaml.find("- x") != std::string::npos);
  CHECK(One(yaml) == doc);
  const Json controls = Json::parse(R"(["a\rb","tab\there","line\nbreak","\u0001","x\r"])");
  CHECK(One(JsonToYaml(controls)) == controls);
  const Json markers = Json::parse(R"(["--- , ,","...","---",{"--- k":"... v"}])");
  CHECK(One(JsonToYaml(markers)) == markers);
}

// Found by tests/fuzz/fuzz_yaml: yaml-cpp kept a lone "\r" in a plain scalar ("-3e\r").
TEST_CASE("every line break reads as a line break: \\r\\n, \\r and \\n") {
  const Json want = Json::parse(R"({"a":"x","b":["-3e",null,"y"],"c":"p q"})");
  CHECK(One("a: x\nb: [-3e\n, , y]\nc: p\n  q\n") == want);
  CHECK(One("a: x\r\nb: [-3e\r\n, , y]\r\nc: p\r\n  q\r\n") == want);
  CHECK(One("a: x\rb: [-3e\r, , y]\rc: p\r  q\r") == want);
  CHECK(ErrorOf("a: b: c\rd: e\r") == "yaml: line 1: column 5: illegal map value");
}

TEST_CASE("the escapes \\N and \\_ decode to UTF-8, as go-yaml's do, and round-trip") {
  // yaml-cpp alone gives the single octets 0x85 and 0xA0 (fuzz_yaml's finding "\NULL).
  auto docs = YamlToJsonDocuments("a: \"\\N\\_x\\L\"\n");
  REQUIRE(docs.ok());
  REQUIRE(docs->size() == 1);
  CHECK((*docs)[0]["a"] == "\xC2\x85\xC2\xA0x\xE2\x80\xA8");
  auto back = YamlToJsonDocuments(JsonToYaml((*docs)[0]));
  REQUIRE(back.ok());
  CHECK((*back)[0] == (*docs)[0]);
}

}  // namespace
}  // namespace pk
