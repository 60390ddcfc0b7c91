// The Kubernetes-JSON codec (request bodies of every create, update and watch client): any
// bytes decode to an object or to an error, never a crash. The first byte picks one of the
// scheme's kinds (so every type is reached without the fuzzer having to spell its kind); the
// rest is the JSON, decoded as that kind, as a Pod, and as whatever kind it names. Whatever
// decodes re-encodes to JSON that decodes again and re-encodes to the same bytes.
#include <memory>
#include <string>

#include "apimachinery/codec.h"
#include "apimachinery/scheme.h"
#include "proto/core/v1/pod.pb.h"
#include "tests/fuzz/fuzz.h"

namespace {

using pk::fuzz::Require;

void RoundTrip(const pk::Scheme& scheme, const google::protobuf::Message& object) {
  std::string encoded = scheme.Encode(object);
  auto again = scheme.DecodeAny(encoded, nullptr);
  if (!scheme.KindOf(object.GetDescriptor())) return;  // no kind written: nothing to decode by
  Require(again.ok(), "the encoding decodes", again.ok() ? "" : again.status().ToString(), encoded);
  std::string twice = scheme.Encode(**again);
  Require(twice == encoded, "the encoding round-trips", twice, encoded);
  (void)pk::json::Indent(encoded);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  if (size == 0) return 0;
  const pk::Scheme& scheme = pk::Scheme::Builtin();
  std::string_view json = pk::fuzz::AsText(data + 1, size - 1);

  const pk::ResourceType& type = scheme.resources()[data[0] % scheme.resources().size()];
  pk::json::DecodeReport report;
  auto object = scheme.Decode(json, type.kind, &report);
  if (object.ok()) RoundTrip(scheme, **object);

  k8s::core::v1::Pod pod;
  if (pk::json::Decode(json, &pod, nullptr).ok()) {
    std::string encoded = pk::json::Encode(pod);
    k8s::core::v1::Pod again;
    pk::Status status = pk::json::Decode(encoded, &again, nullptr);
    Require(status.ok(), "the Pod's encoding decodes", status.ToString(), encoded);
    Require(pk::json::Encode(again) == encoded, "the Pod round-trips", pk::json::Encode(again),
            encoded);
  }

  auto any = scheme.DecodeAny(json, &report);
  if (any.ok()) RoundTrip(scheme, **any);
  return 0;
}
