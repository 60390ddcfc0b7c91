// The managedFields of a create, read off the message (patch::TrackCreate), against the JSON
// path it mirrors (TrackUpdate on the object's JSON). Any bytes that decode as a Pod give the
// same list both ways, or TrackCreate declines (then the apiserver takes the JSON path).
#include "apimachinery/codec.h"
#include "apimachinery/codec_value.h"
#include "apiserver/patch/patch.h"
#include "proto/core/v1/pod.pb.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  k8s::core::v1::Pod pod;
  if (!pk::json::Decode(pk::fuzz::AsText(data, size), &pod, nullptr).ok()) return 0;
  pod.mutable_metadata()->clear_managed_fields();
  const char* now = "2026-01-02T03:04:05Z";
  auto fast = pk::patch::TrackCreate(pod, "fuzz", now, "v1");
  if (!fast) return 0;
  auto doc = pk::json::ToJsonValue(pod);
  if (!doc.ok()) return 0;
  pk::patch::TrackUpdate(nullptr, &*doc, pod.GetDescriptor(), "fuzz", now, "v1");
  const pk::patch::Json& meta = (*doc)["metadata"];
  const pk::patch::Json want =
      meta.is_object() && meta.contains("managedFields") ? meta["managedFields"] : nullptr;
  pk::fuzz::Require(*fast == want, "TrackCreate agrees with TrackUpdate on the JSON", fast->dump(),
                    want.dump());
  return 0;
}
