// JSON merge patch and JSON patch, with the errors the Kubernetes apiserver gives for them
// (k8s.io/apiserver/pkg/endpoints/handlers/patch.go, jsonPatcher.applyJSPatch).
#include <string>

#include "apimachinery/codec.h"
#include "apiserver/patch/errors.h"
#include "apiserver/patch/patch.h"

namespace pk::patch {
namespace {

// patch.go: maxJSONPatchOperations.
constexpr size_t kMaxJsonPatchOperations = 10000;
// What `copy` operations may add in all: without a bound, a few thousand copies of a
// growing subtree exhaust memory (Kubernetes bounds it as jsonpatch.AccumulatedCopySizeLimit).
constexpr size_t kMaxCopiedBytes = 10 * 1024 * 1024;

// The JSON size of what a `copy` operation copies from `document` (0 if it copies nothing
// valid: applying it fails later with the real error).
size_t CopiedBytes(const Json& document, const Json& op) {
  if (!op.is_object() || op.value("op", "") != "copy") return 0;
  auto from = op.find("from");
  if (from == op.end() || !from->is_string()) return 0;
  Json::json_pointer pointer(from->get<std::string>());
  return document.contains(pointer) ? document.at(pointer).dump().size() : 0;
}

}  // namespace

Result<Json> MergePatch(const Json& original, std::string_view patch) {
  PK_RETURN_IF_ERROR(json::CheckDepth(patch));
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
  PK_RETURN_IF_ERROR(json::CheckDepth(patch));
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
    Json result = original;
    size_t copied = 0;
    for (const Json& op : parsed) {
      copied += CopiedBytes(result, op);
      if (copied > kMaxCopiedBytes) {
        return Status(Reason::kRequestEntityTooLarge,
                      "Request entity too large: the copy operations of the JSON patch add more "
                      "than " +
                          std::to_string(kMaxCopiedBytes) + " bytes");
      }
      result.patch_inplace(Json::array({op}));
    }
    return result;
  } catch (const nlohmann::json::exception&) {
    // Kubernetes hides the cause behind a generic 422 (NewGenericServerResponse).
    return UnprocessableGeneric();
  }
}

}  // namespace pk::patch
