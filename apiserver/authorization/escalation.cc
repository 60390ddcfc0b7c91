// Privilege-escalation prevention (pkg/registry/rbac/validation: Covers, ConfirmNoEscalation,
// and the escalate/bind shortcuts of the RBAC registries): a user may write a role or a
// binding only if it holds every permission granted, or may "escalate" / "bind".
#include <fmt/format.h>

#include <map>
#include <set>

#include "apiserver/authorization/internal.h"

namespace pk::apiserver::authorization {
namespace {

template <class Repeated>
bool Has(const Repeated& set, std::string_view value) {
  return std::find(set.begin(), set.end(), value) != set.end();
}

template <class A, class B>
bool HasAll(const A& set, const B& values) {
  for (const auto& v : values) {
    if (!Has(set, v)) return false;
  }
  return true;
}

bool ResourceCoversAll(const google::protobuf::RepeatedPtrField<std::string>& set,
                       const google::protobuf::RepeatedPtrField<std::string>& covers) {
  if (Has(set, "*") || HasAll(set, covers)) return true;
  for (const std::string& path : covers) {
    if (Has(set, path)) continue;
    size_t slash = path.find('/');
    if (slash == std::string::npos) return false;
    if (!Has(set, "*/" + path.substr(slash + 1))) return false;
  }
  return true;
}

bool URLCovers(std::string_view owner, std::string_view sub) {
  if (owner == sub) return true;
  if (!owner.ends_with('*')) return false;
  while (!owner.empty() && owner.back() == '*') owner.remove_suffix(1);
  return sub.starts_with(owner);
}

bool URLsCoverAll(const google::protobuf::RepeatedPtrField<std::string>& set,
                  const google::protobuf::RepeatedPtrField<std::string>& covers) {
  for (const std::string& path : covers) {
    bool covered = false;
    for (const std::string& owner : set) covered = covered || URLCovers(owner, path);
    if (!covered) return false;
  }
  return true;
}

bool RuleCovers(const PolicyRule& owner, const PolicyRule& sub) {
  bool verbs = Has(owner.verbs(), "*") || HasAll(owner.verbs(), sub.verbs());
  bool groups = Has(owner.api_groups(), "*") || HasAll(owner.api_groups(), sub.api_groups());
  bool resources = ResourceCoversAll(owner.resources(), sub.resources());
  bool urls = URLsCoverAll(owner.non_resource_urls(), sub.non_resource_urls());
  bool names =
      sub.resource_names().empty()
          ? owner.resource_names().empty()
          : owner.resource_names().empty() || HasAll(owner.resource_names(), sub.resource_names());
  return verbs && groups && resources && urls && names;
}

// BreakdownRule: one rule per group x resource x verb (x name), and per URL x verb.
std::vector<PolicyRule> Breakdown(const PolicyRule& rule) {
  std::vector<PolicyRule> out;
  for (const std::string& group : rule.api_groups()) {
    for (const std::string& resource : rule.resources()) {
      for (const std::string& verb : rule.verbs()) {
        std::vector<std::string> names(rule.resource_names().begin(), rule.resource_names().end());
        if (names.empty()) names.push_back("");
        for (const std::string& name : names) {
          PolicyRule r = MakeRule({{verb}, {group}, {resource}});
          if (!name.empty()) r.add_resource_names(name);
          out.push_back(std::move(r));
        }
      }
    }
  }
  for (const std::string& url : rule.non_resource_urls()) {
    for (const std::string& verb : rule.verbs()) {
      out.push_back(MakeRule({{verb}, {}, {}, {}, {url}}));
    }
  }
  return out;
}

// Go's %q of a []string: ["a" "b"].
template <class Repeated>
std::string QuoteList(const Repeated& values) {
  std::vector<std::string> quoted;
  for (const auto& v : values) quoted.push_back(fmt::format("\"{}\"", v));
  return fmt::format("[{}]", fmt::join(quoted, " "));
}

// CompactRules: simple rules differing only by verb become one rule.
std::vector<PolicyRule> Compact(const std::vector<PolicyRule>& rules) {
  std::map<std::string, PolicyRule> by_key;
  std::vector<std::string> order;
  for (const PolicyRule& r : rules) {
    PolicyRule key_rule = r;
    key_rule.clear_verbs();
    std::string key = key_rule.SerializeAsString();
    auto [it, inserted] = by_key.emplace(key, key_rule);
    if (inserted) order.push_back(key);
    for (const std::string& v : r.verbs()) {
      if (!Has(it->second.verbs(), v)) it->second.add_verbs(v);
    }
  }
  std::vector<PolicyRule> out;
  for (const std::string& key : order) out.push_back(by_key[key]);
  return out;
}

}  // namespace

std::vector<PolicyRule> Uncovered(const std::vector<PolicyRule>& owner,
                                  const std::vector<PolicyRule>& servant) {
  std::vector<PolicyRule> uncovered;
  for (const PolicyRule& rule : servant) {
    for (const PolicyRule& sub : Breakdown(rule)) {
      bool covered = false;
      for (const PolicyRule& o : owner) covered = covered || RuleCovers(o, sub);
      if (!covered) uncovered.push_back(sub);
    }
  }
  return uncovered;
}

std::string CompactString(const PolicyRule& r) {
  std::vector<std::string> parts;
  if (!r.api_groups().empty()) parts.push_back("APIGroups:" + QuoteList(r.api_groups()));
  if (!r.resources().empty()) parts.push_back("Resources:" + QuoteList(r.resources()));
  if (!r.non_resource_urls().empty()) {
    parts.push_back("NonResourceURLs:" + QuoteList(r.non_resource_urls()));
  }
  if (!r.resource_names().empty()) {
    parts.push_back("ResourceNames:" + QuoteList(r.resource_names()));
  }
  if (!r.verbs().empty()) parts.push_back("Verbs:" + QuoteList(r.verbs()));
  return fmt::format("{{{}}}", fmt::join(parts, ", "));
}

Status ConfirmNoEscalation(const Authorizer& authorizer, const UserInfo& user,
                           const std::string& ns, const std::vector<PolicyRule>& rules,
                           const GroupResource& resource, const std::string& name) {
  RuleSet owner = authorizer.RulesFor(user, ns);
  std::vector<PolicyRule> missing = Uncovered(owner.rules, rules);
  if (missing.empty()) return Status();
  std::set<std::string> descriptions;  // sets.NewString().List(): sorted, unique
  for (const PolicyRule& r : Compact(missing)) descriptions.insert(CompactString(r));
  std::string why = fmt::format(
      "user \"{}\" (groups={}) is attempting to grant RBAC permissions not currently held:\n{}",
      user.name, QuoteList(user.groups), fmt::join(descriptions, "\n"));
  if (!owner.evaluation_error.empty()) {
    why += fmt::format("; resolution errors: [{}]", owner.evaluation_error);
  }
  std::string qualified =
      resource.group.empty() ? resource.resource : resource.resource + "." + resource.group;
  Status status =
      Status::Forbidden(fmt::format("{} \"{}\" is forbidden: {}", qualified, name, why));
  status.mutable_details().group = resource.group;
  status.mutable_details().kind = resource.resource;
  status.mutable_details().name = name;
  return status;
}

}  // namespace pk::apiserver::authorization
