// POST serviceaccounts/NAME/token, as Kubernetes' TokenREST.Create
// (pkg/registry/core/serviceaccount/storage/token.go) answers it.
#include <fmt/format.h>

#include <algorithm>

#include "apimachinery/object.h"
#include "apiserver/serviceaccount/serviceaccount.h"
#include "proto/authentication/v1/authentication.pb.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::apiserver::serviceaccount {
namespace {

namespace authnv1 = k8s::authentication::v1;

const GroupVersionKind kTokenRequestKind{"authentication.k8s.io", "v1",
                                         "TokenRequest.authentication.k8s.io"};

Status Invalid(const std::string& name, const std::string& field, const std::string& value,
               const std::string& why) {
  return Status::Invalid(
      kTokenRequestKind, name,
      {{"FieldValueInvalid", fmt::format("Invalid value: {}: {}", value, why), field}});
}

// ValidateTokenRequest.
Status Validate(const std::string& name, int64_t seconds) {
  std::vector<StatusCause> causes;
  auto add = [&](const char* why) {
    causes.push_back({"FieldValueInvalid", fmt::format("Invalid value: {}: {}", seconds, why),
                      "spec.expirationSeconds"});
  };
  if (seconds < 10 * 60) add("may not specify a duration less than 10 minutes");
  if (seconds > (int64_t{1} << 32)) add("may not specify a duration larger than 2^32 seconds");
  if (causes.empty()) return Status();
  return Status::Invalid(kTokenRequestKind, name, std::move(causes));
}

// "v1" -> ""; "apps/v1" -> "apps".
std::string GroupOf(const std::string& api_version) {
  size_t slash = api_version.find('/');
  return slash == std::string::npos ? "" : api_version.substr(0, slash);
}
std::string VersionOf(const std::string& api_version) {
  size_t slash = api_version.find('/');
  return slash == std::string::npos ? api_version : api_version.substr(slash + 1);
}

}  // namespace

Status Tokens::AnswerTokenRequest(const Request& request,
                                  google::protobuf::Message* message) const {
  auto* req = dynamic_cast<authnv1::TokenRequest*>(message);
  if (req == nullptr) return Status::BadRequest("not a TokenRequest");
  const std::string& name = request.info.name;
  const std::string& ns = request.info.ns;
  auto* meta = req->mutable_metadata();
  if (!meta->name().empty() && meta->name() != name) {
    return Invalid(name, "metadata.name", "\"" + meta->name() + "\"",
                   "must match the service account name if specified");
  }
  if (!meta->namespace_().empty() && meta->namespace_() != ns) {
    return Invalid(name, "metadata.namespace", "\"" + meta->namespace_() + "\"",
                   "must match the service account namespace if specified");
  }
  auto sa = store_->Get(storage::ObjectKey("serviceaccounts", ns, name));
  if (!sa.ok()) return sa.take_status();
  auto* spec = req->mutable_spec();
  if (spec->audiences().empty()) {
    for (const auto& a : audiences_) spec->add_audiences(a);
  }
  if (!spec->has_expiration_seconds()) spec->set_expiration_seconds(kDefaultExpirationSeconds);
  meta->set_name(name);
  meta->set_namespace_(ns);
  const int64_t now = Now();
  meta->mutable_creation_timestamp()->set_seconds(now);
  req->mutable_status()->Clear();
  PK_RETURN_IF_ERROR(Validate(name, spec->expiration_seconds()));

  Binding binding;
  bool bound_to_pod = false;
  if (spec->has_bound_object_ref()) {
    const auto& ref = spec->bound_object_ref();
    const std::string group = GroupOf(ref.api_version());
    Ref* target = nullptr;
    std::string key;
    if (group == "" && ref.kind() == "Pod") {
      target = &binding.pod;
      key = storage::ObjectKey("pods", ns, ref.name());
    } else if (group == "" && ref.kind() == "Node") {
      target = &binding.node;
      key = storage::ObjectKey("nodes", "", ref.name());
    } else if (group == "" && ref.kind() == "Secret") {
      target = &binding.secret;
      key = storage::ObjectKey("secrets", ns, ref.name());
    } else {
      return Status::BadRequest(
          fmt::format("cannot bind token for serviceaccount \"{}\" to object of kind \"{}/{}, "
                      "Kind={}\"",
                      name, group, VersionOf(ref.api_version()), ref.kind()));
    }
    auto object = store_->Get(key);
    if (!object.ok()) return object.take_status();
    const std::string& uid = GetObjectMeta(**object)->uid();
    if (target == &binding.pod) {
      const auto& pod = static_cast<const k8s::core::v1::Pod&>(**object);
      if (pod.spec().service_account_name() != name) {
        return Status::BadRequest(
            fmt::format("cannot bind token for serviceaccount \"{}\" to pod running with "
                        "different serviceaccount name.",
                        name));
      }
      bound_to_pod = true;
      // ServiceAccountTokenPodNodeInfo: the pod's node, when it has one that exists.
      if (!pod.spec().node_name().empty()) {
        auto node = store_->Get(storage::ObjectKey("nodes", "", pod.spec().node_name()));
        if (node.ok()) binding.node = {pod.spec().node_name(), GetObjectMeta(**node)->uid()};
      }
    }
    if (ref.uid() != uid) {
      return Status::Conflict(
          {group, ref.kind()}, ref.name(),
          fmt::format("the UID in the bound object reference ({}) does not match the UID in "
                      "record. The object might have been deleted and then recreated",
                      ref.uid()));
    }
    *target = {ref.name(), uid};
  }

  std::vector<std::string> audiences(spec->audiences().begin(), spec->audiences().end());
  int64_t expiration = spec->expiration_seconds();
  int64_t warn_after = 0;
  const bool kube_audiences =
      std::all_of(audiences.begin(), audiences.end(), [&](const std::string& a) {
        return std::find(audiences_.begin(), audiences_.end(), a) != audiences_.end();
      });
  if (extend_ && bound_to_pod && expiration == kWarnOnlyExpirationSeconds && kube_audiences) {
    warn_after = expiration;
    expiration = kExtendedExpirationSeconds;
  }
  auto token = Sign(Claims(**sa, binding, audiences, expiration, warn_after));
  if (!token.ok()) return token.take_status();
  req->mutable_status()->set_token(*token);
  req->mutable_status()->mutable_expiration_timestamp()->set_seconds(now +
                                                                     spec->expiration_seconds());
  return Status();
}

}  // namespace pk::apiserver::serviceaccount
