// Server-side apply (application/apply-patch+yaml): the body is read as the apiserver reads it
// (YAML, exactly one object) and applied to the fixed Pod, which has managedFields of two
// managers, without and with force, and to no object (apply creates). Any bytes give an
// object or an error (a conflict, an invalid config), never a crash; the result decodes as a
// Pod (or fails to) and a second apply of the same config by the same manager succeeds.
#include "apimachinery/yaml.h"
#include "apiserver/patch/patch.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/patched.h"

namespace {

pk::patch::ApplyOptions Options(bool force) {
  pk::patch::ApplyOptions options;
  options.manager = "fuzz";
  options.force = force;
  options.now = "2026-01-02T03:04:05Z";
  options.api_version = "v1";
  return options;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  using pk::fuzz::Require;
  auto docs = pk::YamlToJsonDocuments(pk::fuzz::AsText(data, size));
  if (!docs.ok() || docs->size() != 1 || !(*docs)[0].is_object()) return 0;
  const pk::patch::Json& config = (*docs)[0];
  const auto* type = k8s::core::v1::Pod::descriptor();
  const auto& live = pk::fuzz::LivePod();
  for (bool force : {false, true}) {
    auto applied = pk::patch::Apply(live, config, type, Options(force));
    if (!applied.ok()) continue;
    k8s::core::v1::Pod pod;
    (void)pk::json::DecodeValue(*applied, &pod, nullptr);
    if (!force) continue;
    auto again = pk::patch::Apply(*applied, config, type, Options(false));
    if (!again.ok()) {
      Require(false, "re-applying a config the manager owns succeeds", again.status().ToString(),
              config.dump());
    }
  }
  auto created = pk::patch::Apply(nullptr, config, type, Options(false));
  if (created.ok()) pk::fuzz::AfterPatch(nullptr, *created);
  return 0;
}
