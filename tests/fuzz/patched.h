// Shared by the patch fuzzers: what the apiserver does with a patched object next.
#pragma once

#include "apimachinery/codec.h"
#include "apiserver/patch/patch.h"
#include "proto/core/v1/pod.pb.h"
#include "tests/fuzz/pod.h"

namespace pk::fuzz {

// What the patch handler does with a patched object: decodes it as a Pod (most bodies stop
// here) and records the write in managedFields, on the JSON of the decoded Pod
// (endpoints/managed_fields.cc), so TrackUpdate only sees objects the codec wrote.
inline void AfterPatch(const patch::Json& before, const patch::Json& patched) {
  k8s::core::v1::Pod pod;
  if (!json::DecodeValue(patched, &pod, nullptr).ok()) return;
  auto updated = json::Parse(json::Encode(pod));
  if (!updated.ok()) return;
  patch::TrackUpdate(before, &*updated, k8s::core::v1::Pod::descriptor(), "fuzz",
                     "2026-01-02T03:04:05Z", "v1");
}

}  // namespace pk::fuzz
