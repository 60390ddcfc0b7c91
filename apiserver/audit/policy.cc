// The audit policy: decoding and validation as policy.LoadPolicyFromBytes and
// pkg/apis/audit/validation do, rule matching as policy/checker.go does.
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "apimachinery/yaml.h"
#include "apiserver/audit/audit.h"

namespace pk::apiserver::audit {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kLevels = R"("None", "Metadata", "Request", "RequestResponse")";
constexpr std::string_view kStages =
    R"("RequestReceived", "ResponseStarted", "ResponseComplete", "Panic")";

bool Has(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::vector<std::string> Strings(const Json& object, const char* key) {
  std::vector<std::string> out;
  auto it = object.find(key);
  if (it == object.end() || !it->is_array()) return out;
  for (const Json& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

std::optional<Level> ParseLevel(const std::string& name) {
  for (Level l : {Level::kNone, Level::kMetadata, Level::kRequest, Level::kRequestResponse}) {
    if (LevelName(l) == name) return l;
  }
  return std::nullopt;
}

std::optional<Stage> ParseStage(const std::string& name) {
  for (Stage s : {Stage::kRequestReceived, Stage::kResponseStarted, Stage::kResponseComplete,
                  Stage::kPanic}) {
    if (StageName(s) == name) return s;
  }
  return std::nullopt;
}

// field.ErrorList as strings: "rules[0].level: Required value".
using Errors = std::vector<std::string>;

std::vector<Stage> OmitStages(const Json& object, const std::string& path, Errors* errors) {
  std::vector<Stage> out;
  std::vector<std::string> names = Strings(object, "omitStages");
  for (size_t i = 0; i < names.size(); ++i) {
    if (auto stage = ParseStage(names[i])) {
      out.push_back(*stage);
    } else {
      errors->push_back(
          fmt::format("{}omitStages[{}]: Unsupported value: \"{}\": supported values: {}", path, i,
                      names[i], kStages));
    }
  }
  return out;
}

void CheckNonResourceURLs(const std::vector<std::string>& urls, const std::string& path,
                          Errors* errors) {
  for (size_t i = 0; i < urls.size(); ++i) {
    const std::string& url = urls[i];
    if (url == "*") continue;
    std::string at = fmt::format("{}nonResourceURLs[{}]: Invalid value: \"{}\": ", path, i, url);
    if (!url.starts_with("/")) {
      errors->push_back(at + "non-resource URL rules must begin with a '/' character");
    }
    if (!url.empty() && url.substr(0, url.size() - 1).find('*') != std::string::npos) {
      errors->push_back(at +
                        "non-resource URL wildcards '*' must be the final character of the rule");
    }
  }
}

Policy::GroupResources ParseGroupResources(const Json& j, const std::string& path, Errors* errors) {
  Policy::GroupResources gr;
  if (auto g = j.find("group"); g != j.end() && g->is_string()) gr.group = g->get<std::string>();
  gr.resources = Strings(j, "resources");
  gr.resource_names = Strings(j, "resourceNames");
  if (!gr.resource_names.empty() && gr.resources.empty()) {
    errors->push_back(
        fmt::format("{}resources.resourceNames: Invalid value: {}: using resourceNames "
                    "requires at least one resource",
                    path, Json(gr.resource_names).dump()));
  }
  return gr;
}

Policy::Rule ParseRule(const Json& j, const std::string& path, Errors* errors) {
  Policy::Rule rule;
  std::string level = j.value("level", "");
  if (level.empty()) {
    errors->push_back(path + "level: Required value");
  } else if (auto l = ParseLevel(level)) {
    rule.level = *l;
  } else {
    errors->push_back(fmt::format("{}level: Unsupported value: \"{}\": supported values: {}", path,
                                  level, kLevels));
  }
  rule.users = Strings(j, "users");
  rule.user_groups = Strings(j, "userGroups");
  rule.verbs = Strings(j, "verbs");
  rule.namespaces = Strings(j, "namespaces");
  rule.non_resource_urls = Strings(j, "nonResourceURLs");
  CheckNonResourceURLs(rule.non_resource_urls, path, errors);
  if (auto r = j.find("resources"); r != j.end() && r->is_array()) {
    for (const Json& gr : *r) rule.resources.push_back(ParseGroupResources(gr, path, errors));
  }
  rule.omit_stages = OmitStages(j, path, errors);
  if (auto o = j.find("omitManagedFields"); o != j.end() && o->is_boolean()) {
    rule.omit_managed_fields = o->get<bool>();
  }
  if (!rule.non_resource_urls.empty() && (!rule.resources.empty() || !rule.namespaces.empty())) {
    errors->push_back(
        fmt::format("{}nonResourceURLs: Invalid value: {}: rules cannot apply to both "
                    "regular resources and non-resource URLs",
                    path, Json(rule.non_resource_urls).dump()));
  }
  return rule;
}

// pathMatches: "*", exact, or a trailing "*" prefix.
bool PathMatches(const std::string& path, const std::string& spec) {
  if (spec == "*" || spec == path) return true;
  if (!spec.ends_with("*")) return false;
  std::string prefix = spec.substr(0, spec.find_last_not_of('*') + 1);
  return path.starts_with(prefix);
}

bool ResourceMatches(const Policy::Rule& rule, const Attributes& a) {
  if (!a.resource_request) return false;
  if (!rule.namespaces.empty() && !Has(rule.namespaces, a.ns)) return false;
  if (rule.resources.empty()) return true;
  std::string combined = a.subresource.empty() ? a.resource : a.resource + "/" + a.subresource;
  for (const auto& gr : rule.resources) {
    if (gr.group != a.api_group) continue;
    if (gr.resources.empty()) return true;
    if (!gr.resource_names.empty() && !Has(gr.resource_names, a.name)) continue;
    for (const std::string& res : gr.resources) {
      if (res == combined || res == "*") return true;
      if (!a.subresource.empty() && res.starts_with("*/") && res.substr(2) == a.subresource) {
        return true;
      }
      if (res.ends_with("/*") && res.substr(0, res.size() - 2) == a.resource) return true;
    }
  }
  return false;
}

bool RuleMatches(const Policy::Rule& rule, const Attributes& a) {
  if (!rule.users.empty() && !Has(rule.users, a.user.name)) return false;
  if (!rule.user_groups.empty()) {
    bool any = std::any_of(a.user.groups.begin(), a.user.groups.end(),
                           [&](const std::string& g) { return Has(rule.user_groups, g); });
    if (!any) return false;
  }
  if (!rule.verbs.empty() && !Has(rule.verbs, a.verb)) return false;
  if (!rule.namespaces.empty() || !rule.resources.empty()) return ResourceMatches(rule, a);
  if (!rule.non_resource_urls.empty()) {
    if (a.resource_request) return false;
    return std::any_of(rule.non_resource_urls.begin(), rule.non_resource_urls.end(),
                       [&](const std::string& spec) { return PathMatches(a.path, spec); });
  }
  return true;
}

std::string Join(const Errors& errors) {
  if (errors.size() == 1) return errors[0];
  std::string out = "[";
  for (size_t i = 0; i < errors.size(); ++i) out += (i ? ", " : "") + errors[i];
  return out + "]";
}

}  // namespace

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kNone:
      return "None";
    case Level::kMetadata:
      return "Metadata";
    case Level::kRequest:
      return "Request";
    case Level::kRequestResponse:
      return "RequestResponse";
  }
  return "";
}

std::string_view StageName(Stage stage) {
  switch (stage) {
    case Stage::kRequestReceived:
      return "RequestReceived";
    case Stage::kResponseStarted:
      return "ResponseStarted";
    case Stage::kResponseComplete:
      return "ResponseComplete";
    case Stage::kPanic:
      return "Panic";
  }
  return "";
}

Attributes AttributesOf(const Request& request) {
  const RequestInfo& info = request.info;
  Attributes a;
  a.user = request.user;
  a.verb = info.verb;
  a.resource_request = info.is_resource_request;
  a.path = request.path;
  a.api_group = info.api_group;
  a.resource = info.resource;
  a.subresource = info.subresource;
  a.ns = info.ns;
  a.name = info.name;
  return a;
}

Result<Policy> Policy::Parse(std::string_view yaml) {
  auto docs = YamlToJsonDocuments(yaml);
  if (!docs.ok()) return Status::BadRequest("failed decoding: " + docs.status().message());
  if (docs->empty() || !(*docs)[0].is_object()) {
    return Status::BadRequest("failed decoding: Object 'Kind' is missing in the policy");
  }
  const Json& doc = (*docs)[0];
  std::string api_version = doc.value("apiVersion", ""), kind = doc.value("kind", "");
  if (kind != "Policy" || api_version != "audit.k8s.io/v1") {
    return Status::BadRequest(
        fmt::format("unknown group version field {}, Kind={} in policy", api_version, kind));
  }
  Policy policy;
  Errors errors;
  if (auto rules = doc.find("rules"); rules != doc.end() && rules->is_array()) {
    for (size_t i = 0; i < rules->size(); ++i) {
      policy.rules_.push_back(ParseRule((*rules)[i], fmt::format("rules[{}].", i), &errors));
    }
  }
  policy.omit_stages_ = OmitStages(doc, "", &errors);
  if (auto o = doc.find("omitManagedFields"); o != doc.end() && o->is_boolean()) {
    policy.omit_managed_fields_ = o->get<bool>();
  }
  if (!errors.empty()) return Status::BadRequest(Join(errors));
  if (policy.rules_.empty()) return Status::BadRequest("loaded illegal policy with 0 rules");
  return policy;
}

Result<Policy> Policy::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::BadRequest(fmt::format("failed to read file path \"{}\"", path));
  std::stringstream text;
  text << in.rdbuf();
  auto policy = Parse(text.str());
  if (!policy.ok()) {
    return Status::BadRequest(fmt::format("{}: from file {}", policy.status().message(), path));
  }
  return policy;
}

RequestAuditConfig Policy::Evaluate(const Attributes& attributes) const {
  for (const Rule& rule : rules_) {
    if (!RuleMatches(rule, attributes)) continue;
    RequestAuditConfig config{rule.level, omit_stages_,
                              rule.omit_managed_fields.value_or(omit_managed_fields_)};
    for (Stage s : rule.omit_stages) {
      if (std::find(config.omit_stages.begin(), config.omit_stages.end(), s) ==
          config.omit_stages.end()) {
        config.omit_stages.push_back(s);
      }
    }
    return config;
  }
  return {Level::kNone, omit_stages_, omit_managed_fields_};
}

}  // namespace pk::apiserver::audit
