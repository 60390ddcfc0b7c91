// MutatingAdmissionWebhook (k8s.io/apiserver/pkg/admission/plugin/webhook/mutating, v1.32):
// matching webhooks are called one after another, each seeing the object as the ones before
// it left it; a JSONPatch answer is applied to the object at once. Webhooks are not invoked
// again (reinvocationPolicy IfNeeded is accepted and treated as Never).
#include <fmt/format.h>

#include "apimachinery/codec.h"
#include "apimachinery/validation.h"
#include "apiserver/admission/webhook/webhook.h"
#include "apiserver/patch/patch.h"

namespace pk::admission::webhook {
namespace {

// apierrors.NewInternalError(err).
Status Internal(const std::string& why) {
  Status s = Status::InternalError("Internal error occurred: " + why);
  s.mutable_details().causes.push_back({"", why, ""});
  return s;
}

// Makes `object` equal to `fresh` keeping the address of each top-level sub-message (its
// metadata, spec...): callers of Admit may hold pointers into them, as the registry does into
// metadata. Other fields are swapped in.
void ReplaceInPlace(google::protobuf::Message* object, google::protobuf::Message* fresh) {
  const auto* reflection = object->GetReflection();
  const auto* descriptor = object->GetDescriptor();
  std::vector<const google::protobuf::FieldDescriptor*> swapped;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const auto* field = descriptor->field(i);
    bool singular_message =
        field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE &&
        !field->is_repeated();
    if (!singular_message) {
      swapped.push_back(field);
    } else if (reflection->HasField(*fresh, field)) {
      reflection->MutableMessage(object, field)->CopyFrom(reflection->GetMessage(*fresh, field));
    } else if (reflection->HasField(*object, field)) {
      // Emptied, not deleted: a pointer into it must stay valid (a webhook removing
      // /metadata leaves an object that validation then refuses).
      reflection->MutableMessage(object, field)->Clear();
    }
  }
  reflection->SwapFields(object, fresh, swapped);
}

bool EmptyPatch(std::string_view patch) {
  auto parsed = json::Parse(patch);
  return parsed.ok() && parsed->is_array() && parsed->empty();
}

class MutatingWebhook : public Plugin {
 public:
  explicit MutatingWebhook(storage::Store* store)
      : store_(store), source_(store, "mutatingwebhookconfigurations") {}
  std::string_view Name() const override { return "MutatingAdmissionWebhook"; }

  Status Admit(Attributes& a) override {
    if (IsExemptConfigurationResource(a)) return Status();
    auto hooks = source_.Hooks();
    for (const Hook& hook : *hooks) {
      auto should = ShouldCallHook(hook, a, store_);
      if (!should.ok()) return should.take_status();
      if (!*should) continue;
      PK_RETURN_IF_ERROR(CallOne(hook, a));
    }
    return Status();
  }

 private:
  // One webhook: its refusal, its failure under its failurePolicy, or its patch applied.
  Status CallOne(const Hook& hook, Attributes& a) const {
    CallResult result = CallHook(hook, a, /*mutating=*/true);
    if (!result.status.ok()) return result.status;
    std::optional<CallFailure> failure = result.failure;
    if (!failure) {
      const Response& response = *result.response;
      if (!response.allowed) return DenialStatus(hook.name, response);
      if (response.patch.empty()) return Status();
      if (response.patch_type == "JSONPatch") {
        return ApplyChecked(hook, response.patch, a);
      }
      failure = CallFailure{fmt::format("failed calling webhook {}: unsupported patch type {}",
                                        validation::GoQuote(hook.name),
                                        validation::GoQuote(response.patch_type))};
    }
    return hook.fail_open ? Status() : FailureStatus(*failure);
  }

  static Status ApplyChecked(const Hook& hook, const std::string& patch, Attributes& a) {
    auto parsed = json::Parse(patch);
    if (!parsed.ok() || !parsed->is_array()) {
      return Internal(parsed.ok() ? "json: cannot unmarshal object into Go value of type "
                                    "jsonpatch.Patch"
                                  : parsed.status().message());
    }
    if (parsed->empty()) return Status();
    if (a.object == nullptr) {
      return Internal(fmt::format(
          "admission webhook {} attempted to modify the object, which is not supported for this "
          "operation",
          validation::GoQuote(hook.name)));
    }
    return ApplyPatch(hook.name, patch, a, a.object);
  }

  storage::Store* store_;
  Source source_;
};

}  // namespace

Status ApplyPatch(const std::string& hook_name, std::string_view patch, const Attributes& a,
                  google::protobuf::Message* object) {
  if (EmptyPatch(patch)) return Status();
  auto kind = Scheme::Builtin().KindOf(object->GetDescriptor());
  auto doc = json::Parse(json::Encode(*object, kind ? &*kind : &a.type->kind));
  if (!doc.ok()) return Internal(doc.status().message());
  auto patched = patch::JsonPatch(*doc, patch);
  if (!patched.ok()) return Internal(patched.status().message());
  std::unique_ptr<google::protobuf::Message> fresh(object->New());
  json::DecodeReport report;
  Status decoded = json::DecodeValue(*patched, fresh.get(), &report);
  if (!decoded.ok()) return Internal(decoded.message());
  if (!report.kind.empty() && kind && report.kind != kind->kind) {
    return Internal(fmt::format("admission webhook {} changed the kind of the object to {}",
                                validation::GoQuote(hook_name), validation::GoQuote(report.kind)));
  }
  ReplaceInPlace(object, fresh.get());
  return Status();
}

std::unique_ptr<Plugin> NewMutatingWebhook(storage::Store* store) {
  return std::make_unique<MutatingWebhook>(store);
}

}  // namespace pk::admission::webhook
