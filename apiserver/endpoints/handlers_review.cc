// The authorization reviews (SelfSubjectAccessReview, SubjectAccessReview,
// LocalSubjectAccessReview, SelfSubjectRulesReview): questions answered at once and never
// stored, as Kubernetes' review registries do. The reviewer is the server's authorizer
// (apiserver/authorization); without one every request is allowed and the answers say so.
#include "apiserver/endpoints/encode.h"
#include "apiserver/endpoints/handlers.h"
#include "proto/authorization/v1/authorization.pb.h"

namespace pk::apiserver::handlers {
namespace {

namespace authz = k8s::authorization::v1;

void AnswerEverythingAllowed(google::protobuf::Message* review) {
  if (auto* rules = dynamic_cast<authz::SelfSubjectRulesReview*>(review)) {
    auto* status = rules->mutable_status();
    status->Clear();
    auto* resource = status->add_resource_rules();
    resource->add_verbs("*");
    resource->add_api_groups("*");
    resource->add_resources("*");
    auto* non_resource = status->add_non_resource_rules();
    non_resource->add_verbs("*");
    non_resource->add_non_resource_urls("*");
    return;
  }
  const auto* field = review->GetDescriptor()->FindFieldByName("status");
  auto* status = review->GetReflection()->MutableMessage(review, field);
  status->Clear();
  status->GetReflection()->SetBool(status, status->GetDescriptor()->FindFieldByName("allowed"),
                                   true);
}

}  // namespace

Response Review(Request& request, const ResourceType& type, const Output& output,
                const Reviewer& reviewer) {
  auto review = DecodeBody(request, type);
  if (!review.ok()) return ErrorResponse(review.status());
  if (reviewer) {
    if (Status s = reviewer(request, review->get()); !s.ok()) return ErrorResponse(s);
  } else {
    AnswerEverythingAllowed(review->get());
  }
  return ObjectResponse(201, type, std::move(review).value(), output);
}

}  // namespace pk::apiserver::handlers
