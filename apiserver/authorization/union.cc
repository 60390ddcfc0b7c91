// The union of authorizers (k8s.io/apiserver/pkg/authorization/union) and the trivial ones
// (authorizerfactory: AlwaysAllow, AlwaysDeny, privileged groups).
#include <fmt/format.h>

#include <algorithm>

#include "apiserver/authorization/authorization.h"

namespace pk::apiserver::authorization {
namespace {

class Union final : public Authorizer {
 public:
  explicit Union(std::vector<std::unique_ptr<Authorizer>> authorizers)
      : authorizers_(std::move(authorizers)) {}

  Verdict Authorize(const Attributes& a) const override {
    std::vector<std::string> reasons;
    for (const auto& authorizer : authorizers_) {
      Verdict v = authorizer->Authorize(a);
      if (v.decision != Decision::kNoOpinion) return v;
      if (!v.reason.empty()) reasons.push_back(std::move(v.reason));
    }
    return {Decision::kNoOpinion, fmt::format("{}", fmt::join(reasons, "\n"))};
  }

  RuleSet RulesFor(const UserInfo& user, const std::string& ns) const override {
    RuleSet all;
    std::vector<std::string> errors;
    for (const auto& authorizer : authorizers_) {
      RuleSet set = authorizer->RulesFor(user, ns);
      all.rules.insert(all.rules.end(), set.rules.begin(), set.rules.end());
      all.incomplete = all.incomplete || set.incomplete;
      if (!set.evaluation_error.empty()) errors.push_back(set.evaluation_error);
    }
    if (errors.size() == 1) all.evaluation_error = errors[0];
    if (errors.size() > 1) all.evaluation_error = fmt::format("[{}]", fmt::join(errors, ", "));
    return all;
  }

 private:
  std::vector<std::unique_ptr<Authorizer>> authorizers_;
};

class PrivilegedGroups final : public Authorizer {
 public:
  explicit PrivilegedGroups(std::vector<std::string> groups) : groups_(std::move(groups)) {}
  Verdict Authorize(const Attributes& a) const override {
    for (const std::string& g : a.user.groups) {
      if (std::find(groups_.begin(), groups_.end(), g) != groups_.end()) {
        return {Decision::kAllow, ""};
      }
    }
    return {};
  }
  RuleSet RulesFor(const UserInfo&, const std::string&) const override { return {}; }

 private:
  std::vector<std::string> groups_;
};

class AlwaysAllow final : public Authorizer {
 public:
  Verdict Authorize(const Attributes&) const override { return {Decision::kAllow, ""}; }
  RuleSet RulesFor(const UserInfo&, const std::string&) const override {
    RuleSet set;
    PolicyRule resources;
    resources.add_verbs("*");
    resources.add_api_groups("*");
    resources.add_resources("*");
    PolicyRule urls;
    urls.add_verbs("*");
    urls.add_non_resource_urls("*");
    set.rules = {resources, urls};
    return set;
  }
};

class AlwaysDeny final : public Authorizer {
 public:
  Verdict Authorize(const Attributes&) const override {
    return {Decision::kNoOpinion, "Everything is forbidden."};
  }
  RuleSet RulesFor(const UserInfo&, const std::string&) const override { return {{}, true, ""}; }
};

}  // namespace

std::unique_ptr<Authorizer> NewUnion(std::vector<std::unique_ptr<Authorizer>> authorizers) {
  return std::make_unique<Union>(std::move(authorizers));
}
std::unique_ptr<Authorizer> NewPrivilegedGroups(std::vector<std::string> groups) {
  return std::make_unique<PrivilegedGroups>(std::move(groups));
}
std::unique_ptr<Authorizer> NewAlwaysAllow() { return std::make_unique<AlwaysAllow>(); }
std::unique_ptr<Authorizer> NewAlwaysDeny() { return std::make_unique<AlwaysDeny>(); }

}  // namespace pk::apiserver::authorization
