// Kubernetes' protobuf wire encoding (application/vnd.kubernetes.protobuf bodies, as kubectl's
// typed commands send them): untrusted bytes decode to an object or an error, never read out
// of bounds; what decodes encodes to JSON that decodes back.
#include <string>
#include <vector>

#include "apimachinery/k8s_protobuf.h"
#include "apimachinery/scheme.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  using pk::fuzz::Require;
  pk::GroupVersionKind kind;
  std::vector<std::string> unknown;
  auto object = pk::DecodeKubernetesProtobuf(pk::fuzz::AsText(data, size), &kind, &unknown);
  if (!object.ok()) return 0;
  const pk::Scheme& scheme = pk::Scheme::Builtin();
  std::string encoded = scheme.Encode(**object);
  auto again = scheme.DecodeAny(encoded, nullptr);
  Require(again.ok(), "the JSON decodes", again.ok() ? "" : again.status().ToString(), encoded);
  return 0;
}
