// Strategic merge patch (application/strategic-merge-patch+json, kubectl's default) bodies:
// any bytes patch the fixed Pod, with the Pod's merge keys and directives ($patch,
// $retainKeys, $setElementOrder, $deleteFromPrimitiveList), or fail with an error, never
// crash; the result goes through managedFields tracking and decodes as a Pod (or fails to).
#include "apiserver/patch/patch.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/patched.h"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  const auto& live = pk::fuzz::LivePod();
  auto patched = pk::patch::StrategicMergePatch(live, pk::fuzz::AsText(data, size),
                                                k8s::core::v1::Pod::descriptor());
  if (patched.ok()) pk::fuzz::AfterPatch(live, *patched);
  return 0;
}
