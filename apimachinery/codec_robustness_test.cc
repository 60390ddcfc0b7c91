// Bad input never crashes the codec: thousands of mutations of real documents decode to a
// value or to a BadRequest, and whatever decodes re-encodes to JSON that decodes the same.
#include <doctest/doctest.h>

#include <random>

#include "apimachinery/codec.h"
#include "apimachinery/scheme.h"
#include "apimachinery/yaml.h"
#include "tests/testing.h"

namespace pk {
namespace {

// One random edit of a document: a changed byte, a cut, a repeated slice, or a value of
// another JSON type where a value stood.
std::string Mutate(const std::string& doc, std::mt19937& rng) {
  std::string s = doc;
  auto pos = [&] { return std::uniform_int_distribution<size_t>(0, s.size() - 1)(rng); };
  static const char* kValues[] = {"null", "true", "0", "-1", "1.5", "1e400", "\"x\"", "[]",
                                  "{}", "[[[]]]", "\"\\ud800\"", "18446744073709551616"};
  switch (rng() % 4) {
    case 0:
      s[pos()] = static_cast<char>(32 + rng() % 95);
      break;
    case 1: {
      size_t at = pos();
      s.erase(at, std::min<size_t>(1 + rng() % 40, s.size() - at));
      break;
    }
    case 2: {
      size_t at = pos();
      s.insert(pos(), s.substr(at, 1 + rng() % 40));
      break;
    }
    default: {
      size_t colon = s.find(':', pos());
      if (colon == std::string::npos) break;
      size_t end = s.find_first_of(",}", colon);
      if (end == std::string::npos) break;
      s.replace(colon + 1, end - colon - 1, kValues[rng() % std::size(kValues)]);
    }
  }
  return s;
}

TEST_CASE("mutated real documents decode or fail with BadRequest, never crash") {
  const Scheme& scheme = Scheme::Builtin();
  std::mt19937 rng(20261123);
  int decoded = 0, rejected = 0;
  for (const char* name : {"pod-running.json", "node.json", "deployment.json", "event.json",
                           "service.json", "endpoints.json", "table-pods.json"}) {
    CAPTURE(name);
    const std::string fixture = testing::Fixture(name);
    for (int i = 0; i < 1500; ++i) {
      std::string doc = Mutate(fixture, rng);
      if (i % 3 == 0) doc = Mutate(doc, rng);
      auto object = scheme.DecodeAny(doc, nullptr);
      if (!object.ok()) {
        CHECK(object.status().reason() == Reason::kBadRequest);
        ++rejected;
        continue;
      }
      ++decoded;
      std::string encoded = scheme.Encode(**object);
      auto again = scheme.DecodeAny(encoded, nullptr);
      REQUIRE_MESSAGE(again.ok(), again.status().ToString() << " for " << encoded);
      CHECK(scheme.Encode(**again) == encoded);
    }
  }
  // Both outcomes occur, so the mutations reach past the parser into the typed decoder.
  CHECK(decoded > 1000);
  CHECK(rejected > 1000);
}

TEST_CASE("nesting beyond Kubernetes' limit is refused before it can exhaust the stack") {
  std::string deep = "{\"metadata\":{\"annotations\":{}},\"x\":" + std::string(200000, '[') +
                     std::string(200000, ']') + "}";
  auto pod = Scheme::Builtin().FindResource("", "pods")->New();
  Status s = json::Decode(deep, pod.get(), nullptr);
  CHECK(s.reason() == Reason::kBadRequest);
  CHECK(s.message().find("exceeded max depth") != std::string::npos);
  // Deep but allowed nesting inside a raw document round-trips.
  std::string ok = "{\"type\":\"ADDED\",\"object\":" + std::string(5000, '[') +
                   std::string(5000, ']') + "}";
  k8s::meta::v1::WatchEvent event;
  REQUIRE(json::Decode(ok, &event, nullptr).ok());
  CHECK(json::Encode(event) == ok);
}

TEST_CASE("mutated YAML manifests convert or fail with BadRequest, never crash") {
  std::mt19937 rng(7);
  const std::string lease = testing::Fixture("lease.yaml");
  const std::string manifest = lease + "---\n" + testing::Fixture("deployment.json");
  int converted = 0;
  for (int i = 0; i < 3000; ++i) {
    auto docs = YamlToJsonDocuments(Mutate(i % 2 ? lease : manifest, rng));
    if (docs.ok()) {
      ++converted;
    } else {
      CHECK(docs.status().reason() == Reason::kBadRequest);
    }
  }
  CHECK(converted > 100);
  auto deep = YamlToJsonDocuments(std::string(100000, '[') + std::string(100000, ']'));
  CHECK(deep.status().reason() == Reason::kBadRequest);
}

}  // namespace
}  // namespace pk
