// JSON merge patch (RFC 7386, application/merge-patch+json) bodies of PATCH requests: any bytes
// patch the fixed Pod or fail with an error, never crash; the result goes through managedFields
// tracking and decodes as a Pod (or fails to) as in the apiserver.
#include "apiserver/patch/patch.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/patched.h"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  const auto& live = pk::fuzz::LivePod();
  auto patched = pk::patch::MergePatch(live, pk::fuzz::AsText(data, size));
  if (patched.ok()) pk::fuzz::AfterPatch(live, *patched);
  return 0;
}
