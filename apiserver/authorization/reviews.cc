// The authorization.k8s.io reviews answered by the authorizer
// (pkg/registry/authorization/{subject,localsubject,selfsubject}accessreview and
// selfsubjectrulesreview): never stored, the status filled in.
#include <fmt/format.h>

#include "apiserver/authorization/internal.h"
#include "proto/authorization/v1/authorization.pb.h"

namespace pk::apiserver::authorization {
namespace {

namespace authz = k8s::authorization::v1;

Attributes FromSpec(const UserInfo& user, const authz::ResourceAttributes* resource,
                    const authz::NonResourceAttributes* non_resource) {
  Attributes a;
  a.user = user;
  if (resource != nullptr) {
    a.resource_request = true;
    a.verb = resource->verb();
    a.ns = resource->namespace_();
    a.api_group = resource->group();
    a.api_version = resource->version();
    a.resource = resource->resource();
    a.subresource = resource->subresource();
    a.name = resource->name();
    a.field_selector = resource->field_selector().raw_selector();
  } else if (non_resource != nullptr) {
    a.verb = non_resource->verb();
    a.path = non_resource->path();
  }
  return a;
}

StatusCause InvalidCause(std::string field, std::string value, std::string why) {
  return {"FieldValueInvalid", fmt::format("Invalid value: {}: {}", value, why), std::move(field)};
}

// ValidateSubjectAccessReviewSpec / ValidateSelfSubjectAccessReviewSpec.
template <class Spec>
std::vector<StatusCause> ValidateAttributes(const Spec& spec) {
  std::vector<StatusCause> causes;
  if (spec.has_resource_attributes() && spec.has_non_resource_attributes()) {
    causes.push_back(InvalidCause("spec.nonResourceAttributes", "\"object\"",
                                  "cannot be specified in combination with resourceAttributes"));
  }
  if (!spec.has_resource_attributes() && !spec.has_non_resource_attributes()) {
    causes.push_back(InvalidCause(
        "spec.resourceAttributes", "\"null\"",
        "exactly one of nonResourceAttributes or resourceAttributes must be specified"));
  }
  return causes;
}

Status Invalid(std::string_view kind, std::vector<StatusCause> causes) {
  return Status::Invalid(
      {"authorization.k8s.io", "v1", fmt::format("{}.authorization.k8s.io", kind)}, "",
      std::move(causes));
}

void Fill(const Verdict& verdict, authz::SubjectAccessReviewStatus* status) {
  status->Clear();
  status->set_allowed(verdict.decision == Decision::kAllow);
  status->set_denied(verdict.decision == Decision::kDeny);
  status->set_reason(verdict.reason);
}

UserInfo SpecUser(const authz::SubjectAccessReviewSpec& spec) {
  UserInfo user;
  user.name = spec.user();
  user.uid = spec.uid();
  user.groups.assign(spec.groups().begin(), spec.groups().end());
  return user;
}

template <class Review>
Status AnswerSubject(const Decide& decide, std::string_view kind, Review* review) {
  const auto& spec = review->spec();
  auto causes = ValidateAttributes(spec);
  if (spec.user().empty() && spec.groups().empty()) {
    causes.push_back(
        InvalidCause("spec.user", "\"\"", "at least one of user or group must be specified"));
  }
  if (!causes.empty()) return Invalid(kind, std::move(causes));
  Attributes a = FromSpec(
      SpecUser(spec), spec.has_resource_attributes() ? &spec.resource_attributes() : nullptr,
      spec.has_non_resource_attributes() ? &spec.non_resource_attributes() : nullptr);
  Fill(decide(a), review->mutable_status());
  return Status();
}

Status AnswerRules(const Authorizer& authorizer, const Request& request,
                   authz::SelfSubjectRulesReview* review) {
  const std::string& ns = review->spec().namespace_();
  if (ns.empty()) return Status::BadRequest("no namespace on request");
  RuleSet set = authorizer.RulesFor(request.user, ns);
  auto* status = review->mutable_status();
  status->Clear();
  for (const PolicyRule& rule : set.rules) {
    if (!rule.resources().empty()) {
      auto* r = status->add_resource_rules();
      r->mutable_verbs()->CopyFrom(rule.verbs());
      r->mutable_api_groups()->CopyFrom(rule.api_groups());
      r->mutable_resources()->CopyFrom(rule.resources());
      r->mutable_resource_names()->CopyFrom(rule.resource_names());
    }
    if (!rule.non_resource_urls().empty()) {
      auto* r = status->add_non_resource_rules();
      r->mutable_verbs()->CopyFrom(rule.verbs());
      r->mutable_non_resource_urls()->CopyFrom(rule.non_resource_urls());
    }
  }
  status->set_incomplete(set.incomplete);
  status->set_evaluation_error(set.evaluation_error);
  return Status();
}

}  // namespace

Status AnswerReview(const Authorizer& authorizer, const Decide& decide, const Request& request,
                    google::protobuf::Message* review) {
  if (auto* sar = dynamic_cast<authz::SubjectAccessReview*>(review)) {
    return AnswerSubject(decide, "SubjectAccessReview", sar);
  }
  if (auto* local = dynamic_cast<authz::LocalSubjectAccessReview*>(review)) {
    const std::string& ns = request.info.ns;
    if (ns.empty()) return Status::BadRequest("namespace is required on this type: ");
    if (local->spec().has_resource_attributes() &&
        local->spec().resource_attributes().namespace_() != ns) {
      return Status::BadRequest(
          fmt::format("spec.resourceAttributes.namespace must match namespace: {}", ns));
    }
    return AnswerSubject(decide, "LocalSubjectAccessReview", local);
  }
  if (auto* self = dynamic_cast<authz::SelfSubjectAccessReview*>(review)) {
    const auto& spec = self->spec();
    auto causes = ValidateAttributes(spec);
    if (!causes.empty()) return Invalid("SelfSubjectAccessReview", std::move(causes));
    Attributes a = FromSpec(
        request.user, spec.has_resource_attributes() ? &spec.resource_attributes() : nullptr,
        spec.has_non_resource_attributes() ? &spec.non_resource_attributes() : nullptr);
    Fill(decide(a), self->mutable_status());
    return Status();
  }
  if (auto* rules = dynamic_cast<authz::SelfSubjectRulesReview*>(review)) {
    return AnswerRules(authorizer, request, rules);
  }
  return Status::BadRequest("not an authorization review");
}

}  // namespace pk::apiserver::authorization
