// The REST face's router: serves every request under /api and /apis -- discovery documents,
// and the resources of the scheme through one generic registry each -- plus /version and the
// health endpoints. It is the innermost handler of the chain (filters/chain.h).
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "apiserver/admission/admission.h"
#include "apiserver/discovery/discovery.h"
#include "apiserver/endpoints/handlers.h"
#include "apiserver/endpoints/request.h"
#include "apiserver/registry/registry.h"
#include "apiserver/storage/store.h"

namespace pk::apiserver {

class ResourceHandler {
 public:
  // `store` and `admission` must outlive the handler.
  ResourceHandler(storage::Store* store, const admission::Chain* admission);
  Response Serve(Request& request) const;

  const registry::Registry* RegistryFor(const GroupResource& resource) const;

  // Who answers the authorization reviews (the authorizer); unset: everything is allowed.
  // Set before serving.
  void SetReviewer(handlers::Reviewer reviewer) { reviewer_ = std::move(reviewer); }
  // Who answers TokenReviews and SelfSubjectReviews (authn), and TokenRequests (POST
  // serviceaccounts/NAME/token: apiserver/serviceaccount); unset: 404. Set before serving.
  void SetAuthenticationReviewer(handlers::Reviewer reviewer) {
    authentication_reviewer_ = std::move(reviewer);
  }
  void SetTokenIssuer(handlers::Reviewer issuer) { token_issuer_ = std::move(issuer); }

 private:
  Response ServeResource(Request& request) const;
  Response ServeNonResource(Request& request) const;

  std::map<GroupResource, std::unique_ptr<registry::Registry>> registries_;
  std::map<GroupResource, std::vector<std::string>> verbs_;
  std::map<GroupResource, std::vector<std::string>> subresources_;  // served ones, by name
  std::unique_ptr<discovery::Discovery> discovery_;
  handlers::Reviewer reviewer_;
  handlers::Reviewer authentication_reviewer_;
  handlers::Reviewer token_issuer_;
};

}  // namespace pk::apiserver
