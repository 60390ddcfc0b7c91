// The admission.k8s.io/v1 AdmissionReview on the wire (k8s.io/api/admission/v1/types.go and
// k8s.io/apiserver/pkg/admission/plugin/webhook/request/admissionreview.go, v1.32). Built as
// JSON with nlohmann-json (no proto): the objects inside are the codec's JSON of the messages,
// so the review carries exactly what a GET would show.
#include <fmt/format.h>
#include <openssl/evp.h>

#include <random>

#include "apimachinery/codec.h"
#include "apimachinery/validation.h"
#include "apiserver/admission/webhook/webhook.h"

namespace pk::admission::webhook {
namespace {

using Json = nlohmann::ordered_json;

Json ObjectJson(const google::protobuf::Message* object) {
  if (object == nullptr) return nullptr;
  auto kind = Scheme::Builtin().KindOf(object->GetDescriptor());
  auto parsed = json::Parse(json::Encode(*object, kind ? &*kind : nullptr));
  return parsed.ok() ? std::move(parsed).value() : Json(nullptr);
}

// The options of the operation (CreateOptions, UpdateOptions, DeleteOptions), as the handlers
// pass them to admission.
Json OptionsJson(const Attributes& a) {
  const char* kind = a.operation == Operation::kCreate   ? "CreateOptions"
                     : a.operation == Operation::kUpdate ? "UpdateOptions"
                     : a.operation == Operation::kDelete ? "DeleteOptions"
                                                         : nullptr;
  if (kind == nullptr) return nullptr;
  Json options = {{"kind", kind}, {"apiVersion", "meta.k8s.io/v1"}};
  if (a.dry_run) options["dryRun"] = Json::array({"All"});
  return options;
}

GroupVersionKind KindOf(const Attributes& a) {
  const google::protobuf::Message* object = a.object ? a.object : a.old_object;
  if (object != nullptr) {
    auto kind = Scheme::Builtin().KindOf(object->GetDescriptor());
    if (kind) return *kind;
  }
  return a.type->kind;
}

// base64 (std encoding, padded) as Go's []byte fields are written.
bool DecodeBase64(std::string_view in, std::string* out) {
  if (in.size() % 4 != 0) return false;
  out->assign(in.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out->data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  if (n < 0) return false;
  size_t pad = 0;
  for (size_t i = in.size(); i > 0 && in[i - 1] == '=' && pad < 2; --i) ++pad;
  out->resize(static_cast<size_t>(n) - pad);
  return true;
}

std::string String(const Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string GvkString(const Json& review) {
  std::string api_version = String(review, "apiVersion");
  std::string kind = String(review, "kind");
  size_t slash = api_version.find('/');
  std::string group = slash == std::string::npos ? "" : api_version.substr(0, slash);
  std::string version = slash == std::string::npos ? api_version : api_version.substr(slash + 1);
  return group + "/" + version + ", Kind=" + kind;
}

Status Invalid(const std::string& why) {
  return Status::BadRequest("received invalid webhook response: " + why);
}

}  // namespace

std::string NewUid() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t hi = rng(), lo = rng();
  hi = (hi & ~0xF000ULL) | 0x4000ULL;        // version 4
  lo = (lo & ~(3ULL << 62)) | (2ULL << 62);  // variant 10
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xFFFF,
                     hi & 0xFFFF, lo >> 48, lo & 0xFFFFFFFFFFFFULL);
}

std::string BuildReview(const Attributes& a, std::string_view uid) {
  GroupVersionKind kind = KindOf(a);
  Json gvk = {{"group", kind.group}, {"version", kind.version}, {"kind", kind.kind}};
  Json gvr = {{"group", a.type->kind.group},
              {"version", a.type->kind.version},
              {"resource", a.type->resource}};
  Json request = {{"uid", std::string(uid)}, {"kind", gvk}, {"resource", gvr}};
  if (!a.subresource.empty()) request["subResource"] = a.subresource;
  request["requestKind"] = gvk;
  request["requestResource"] = gvr;
  if (!a.subresource.empty()) request["requestSubResource"] = a.subresource;
  if (!a.name.empty()) request["name"] = a.name;
  if (!a.ns.empty()) request["namespace"] = a.ns;
  request["operation"] = std::string(OperationName(a.operation));
  request["userInfo"] = a.user.empty() ? Json::object() : Json{{"username", a.user}};
  request["object"] = ObjectJson(a.object);
  request["oldObject"] = ObjectJson(a.old_object);
  request["dryRun"] = a.dry_run;
  request["options"] = OptionsJson(a);
  Json review = {
      {"kind", "AdmissionReview"}, {"apiVersion", "admission.k8s.io/v1"}, {"request", request}};
  std::string out;
  json::AppendValue(&out, review);
  return out;
}

Result<Response> ParseResponse(std::string_view body, std::string_view uid, bool mutating) {
  auto parsed = json::Parse(body);
  if (!parsed.ok() || !parsed->is_object()) {
    return Status::BadRequest("failed to call webhook: " +
                              (parsed.ok() ? std::string("the response is not a JSON object")
                                           : parsed.status().message()));
  }
  const Json& review = *parsed;
  if (GvkString(review) != "admission.k8s.io/v1, Kind=AdmissionReview") {
    return Invalid("expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got " +
                   GvkString(review));
  }
  auto it = review.find("response");
  if (it == review.end() || !it->is_object()) return Invalid("webhook response was absent");
  const Json& r = *it;
  std::string got = String(r, "uid");
  if (got != uid) {
    return Invalid(fmt::format("expected response.uid={}, got {}", validation::GoQuote(uid),
                               validation::GoQuote(got)));
  }
  Response out;
  auto allowed = r.find("allowed");
  out.allowed = allowed != r.end() && allowed->is_boolean() && allowed->get<bool>();
  if (auto status = r.find("status"); status != r.end() && status->is_object()) {
    auto code = status->find("code");
    if (code != status->end() && code->is_number_integer()) out.code = code->get<int>();
    out.reason = String(*status, "reason");
    out.message = String(*status, "message");
  }
  out.patch_type = String(r, "patchType");
  std::string patch64 = String(r, "patch");
  if (!patch64.empty() && !DecodeBase64(patch64, &out.patch)) {
    return Status::BadRequest("failed to call webhook: illegal base64 data in response.patch");
  }
  if (!out.patch.empty() && out.patch_type.empty()) {
    return Invalid("webhook returned response.patch but not response.patchType");
  }
  if (!mutating && !out.patch.empty()) {
    return Invalid("validating webhook may not return response.patch");
  }
  if (!mutating && !out.patch_type.empty()) {
    return Invalid("validating webhook may not return response.patchType");
  }
  if (auto w = r.find("warnings"); w != r.end() && w->is_array()) {
    for (const Json& text : *w) {
      if (text.is_string()) out.warnings.push_back(text.get<std::string>());
    }
  }
  if (auto an = r.find("auditAnnotations"); an != r.end() && an->is_object()) {
    for (const auto& [k, v] : an->items()) {
      if (v.is_string()) out.audit_annotations.emplace_back(k, v.get<std::string>());
    }
  }
  return out;
}

Status DenialStatus(const std::string& hook_name, const Response& response) {
  const std::string denied =
      "admission webhook " + validation::GoQuote(hook_name) + " denied the request";
  std::string message;
  if (!response.message.empty()) {
    message = denied + ": " + response.message;
  } else if (!response.reason.empty()) {
    message = denied + ": " + response.reason;
  } else {
    message = denied + " without explanation";
  }
  // Never a code below 400 with a refusal; the webhook's reason is kept.
  int code = response.code < 400 ? 400 : response.code;
  return Status(ReasonFromName(response.reason), std::move(message), code);
}

}  // namespace pk::admission::webhook
