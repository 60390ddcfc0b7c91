// JSON merge patch and JSON patch, with the errors the Kubernetes apiserver gives for them
// (k8s.io/apiserver/pkg/endpoints/handlers/patch.go, jsonPatcher.applyJSPatch).
#include <string>

#include "apiserver/patch/errors.h"
#include "apiserver/patch/patch.h"

namespace pk::patch {
namespace {

// patch.go: maxJSONPatchOperations.
constexpr size_t kMaxJsonPatchOperations = 10000;

}  // namespace

Result<Json> MergePatch(const Json& original, std::string_view patch) {
  Json parsed = Json::parse(patch, nullptr, /*allow_exceptions=*/false);
  // evanphx/json-patch answers ErrBadJSONPatch ("Invalid JSON Patch") for a body that is not
  // JSON or is null; the handler turns exactly that error into 400.
  if (parsed.is_discarded() || !parsed.is_object()) {
    return Status::BadRequest("Invalid JSON Patch");
  }
  Json result = original;
  result.merge_patch(parsed);  // RFC 7386; ordered_json keeps existing keys in place
  return result;
}

Result<Json> JsonPatch(const Json& original, std::string_view patch) {
  Json parsed = Json::parse(patch, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Status::BadRequest(GoJsonSyntaxError(patch));
  if (!parsed.is_array()) {
    return Status::BadRequest("json: cannot unmarshal " + GoJsonTypeName(parsed) +
                              " into Go value of type jsonpatch.Patch");
  }
  if (parsed.size() > kMaxJsonPatchOperations) {
    return Status(Reason::kRequestEntityTooLarge,
                  "Request entity too large: The allowed maximum operations in a JSON patch is " +
                      std::to_string(kMaxJsonPatchOperations) + ", got " +
                      std::to_string(parsed.size()));
  }
  try {
    return original.patch(parsed);
  } catch (const nlohmann::json::exception&) {
    // Kubernetes hides the cause behind a generic 422 (NewGenericServerResponse).
    return UnprocessableGeneric();
  }
}

}  // namespace pk::patch
