#include "scheduler/plugins/node_selector.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include "proto/meta/v1/meta.pb.h"

namespace pk::scheduler::plugins {
namespace {

using k8s::core::v1::NodeSelectorRequirement;

// Go's %q for the strings that reach error messages here.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// Go's %#v of a []string (an empty list prints as nil: protobuf cannot tell them apart).
template <class Values>
std::string GoStrings(const Values& values) {
  if (values.empty()) return "[]string(nil)";
  std::string out = "[]string{";
  bool first = true;
  for (const std::string& v : values) {
    if (!first) out += ", ";
    first = false;
    out += Quote(v);
  }
  return out + "}";
}

// field.NotSupported: `<path>: Unsupported value: "X": supported values: "A", "B"`.
std::string NotSupported(const std::string& path, std::string_view value,
                         const std::vector<std::string_view>& supported) {
  std::string out = path + ": Unsupported value: " + Quote(value) + ": supported values: ";
  for (size_t i = 0; i < supported.size(); ++i) {
    if (i > 0) out += ", ";
    out += Quote(supported[i]);
  }
  return out;
}

std::string Join(const std::string& path, const std::string& child) {
  return path.empty() ? child : path + "." + child;
}
std::string Index(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// strconv.ParseInt(s, 10, 64).
bool IsInt64(std::string_view s) {
  if (!s.empty() && s[0] == '+') {
    s.remove_prefix(1);
    if (!s.empty() && s[0] == '-') return false;
  }
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return !s.empty() && ec == std::errc() && end == s.data() + s.size();
}

// A labels.NewRequirement error under `path`: its messages name the field ("key: Invalid
// value: ..."), so one error becomes "<path>.key: ..." as Kubernetes words it with a path.
std::string AtPath(const std::string& path, const std::string& message) {
  return message.starts_with("[") ? path + ": " + message : path + "." + message;
}

// One expression with an operator LabelSelector::FromProto knows (In, NotIn, Exists,
// DoesNotExist), validated as labels.NewRequirement does.
Result<LabelSelector> ProtoRequirement(
    const std::string& key, const std::string& op,
    const google::protobuf::RepeatedPtrField<std::string>& values) {
  k8s::meta::v1::LabelSelector proto;
  auto* expr = proto.add_match_expressions();
  expr->set_key(key);
  expr->set_operator_(op);
  *expr->mutable_values() = values;
  return LabelSelector::FromProto(proto);
}

// Gt and Lt take one integer. FromProto does not know them: the key and value are validated
// through it (as Exists and In), then the query form is parsed.
Result<LabelSelector> NumericRequirement(const NodeSelectorRequirement& r,
                                         const std::string& path) {
  std::vector<std::string> errors;
  if (auto key = ProtoRequirement(r.key(), "Exists", {}); !key.ok()) {
    errors.push_back(AtPath(path, key.status().message()));
  }
  if (r.values_size() != 1) {
    errors.push_back(path + ".values: Invalid value: " + GoStrings(r.values()) +
                     ": for 'Gt', 'Lt' operators, exactly one value is required");
  }
  for (int i = 0; i < r.values_size(); ++i) {
    if (!IsInt64(r.values(i))) {
      errors.push_back(path + ".values[" + std::to_string(i) +
                       "]: Invalid value: " + Quote(r.values(i)) +
                       ": for 'Gt', 'Lt' operators, the value must be an integer");
    }
  }
  if (errors.empty()) {
    if (auto value = ProtoRequirement(r.key(), "In", r.values()); !value.ok()) {
      errors.push_back(AtPath(path, value.status().message()));
    }
  }
  if (!errors.empty()) return Status::BadRequest(AggregateErrors(errors));
  const bool gt = r.operator_() == "Gt";
  Result<LabelSelector> parsed = LabelSelector::Parse(r.key() + (gt ? ">" : "<") + r.values(0));
  if (!parsed.ok()) return Status::BadRequest(AtPath(path, parsed.status().message()));
  return parsed;
}

// One matchExpressions entry as a selector (labels.NewRequirement's validation).
Result<LabelSelector> LabelRequirement(const NodeSelectorRequirement& r, const std::string& path) {
  const std::string& op = r.operator_();
  if (op == "Gt" || op == "Lt") return NumericRequirement(r, path);
  if (op != "In" && op != "NotIn" && op != "Exists" && op != "DoesNotExist") {
    return Status::BadRequest(NotSupported(path + ".operator", op,
                                           {"In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"}));
  }
  Result<LabelSelector> out = ProtoRequirement(r.key(), op, r.values());
  if (!out.ok()) return Status::BadRequest(AtPath(path, out.status().message()));
  return out;
}

}  // namespace

std::string AggregateErrors(const std::vector<std::string>& errors) {
  std::vector<std::string> unique;
  for (const std::string& e : errors) {
    if (std::find(unique.begin(), unique.end(), e) == unique.end()) unique.push_back(e);
  }
  if (unique.size() == 1) return unique[0];
  std::string out = "[";
  for (size_t i = 0; i < unique.size(); ++i) {
    if (i > 0) out += ", ";
    out += unique[i];
  }
  return out + "]";
}

NodeSelectorTerm::NodeSelectorTerm(const k8s::core::v1::NodeSelectorTerm& term,
                                   const std::string& path) {
  if (!term.match_expressions().empty()) {
    labels_.emplace();
    for (int i = 0; i < term.match_expressions_size(); ++i) {
      const std::string p = Index(Join(path, "matchExpressions"), i);
      Result<LabelSelector> r = LabelRequirement(term.match_expressions(i), p);
      if (r.ok()) {
        labels_->push_back(std::move(r).value());
      } else {
        parse_errors_.push_back(r.status().message());
      }
    }
  }
  for (int i = 0; i < term.match_fields_size(); ++i) {
    const NodeSelectorRequirement& r = term.match_fields(i);
    const std::string p = Index(Join(path, "matchFields"), i);
    if (r.operator_() != "In" && r.operator_() != "NotIn") {
      parse_errors_.push_back(NotSupported(p + ".operator", r.operator_(), {"In", "NotIn"}));
    } else if (r.values_size() != 1) {
      parse_errors_.push_back(p + ".values: Invalid value: " + GoStrings(r.values()) +
                              ": must have one element");
    } else {
      fields_.push_back({r.key(), r.operator_() == "In", r.values(0)});
    }
  }
}

bool NodeSelectorTerm::Matches(const k8s::core::v1::Node& node) const {
  if (!parse_errors_.empty()) return false;
  if (labels_) {
    for (const LabelSelector& s : *labels_) {
      if (!s.MatchesMap(node.metadata().labels())) return false;
    }
  }
  const std::string& name = node.metadata().name();
  if (name.empty()) return true;  // no fields to select by
  for (const FieldRequirement& f : fields_) {
    const std::string value = f.key == "metadata.name" ? name : "";
    if ((value == f.value) != f.equal) return false;
  }
  return true;
}

NodeSelector NodeSelector::Build(const k8s::core::v1::NodeSelector& selector,
                                 const std::string& path) {
  NodeSelector out;
  for (int i = 0; i < selector.node_selector_terms_size(); ++i) {
    const auto& term = selector.node_selector_terms(i);
    if (term.match_expressions().empty() && term.match_fields().empty()) continue;
    out.terms_.emplace_back(term, Index(Join(path, "nodeSelectorTerms"), i));
  }
  return out;
}

NodeSelector NodeSelector::Lazy(const k8s::core::v1::NodeSelector& selector) {
  return Build(selector, "");
}

Result<NodeSelector> NodeSelector::Parse(const k8s::core::v1::NodeSelector& selector,
                                         const std::string& path) {
  NodeSelector out = Build(selector, path);
  std::vector<std::string> errors;
  for (const NodeSelectorTerm& t : out.terms_) {
    errors.insert(errors.end(), t.parse_errors().begin(), t.parse_errors().end());
  }
  if (!errors.empty()) return Status::BadRequest(AggregateErrors(errors));
  return out;
}

bool NodeSelector::Matches(const k8s::core::v1::Node& node) const {
  return std::any_of(terms_.begin(), terms_.end(),
                     [&node](const NodeSelectorTerm& t) { return t.Matches(node); });
}

Result<PreferredSchedulingTerms> PreferredSchedulingTerms::ParseAll(
    const std::vector<const k8s::core::v1::PreferredSchedulingTerm*>& terms,
    const std::string& path) {
  PreferredSchedulingTerms out;
  std::vector<std::string> errors;
  for (size_t i = 0; i < terms.size(); ++i) {
    const auto& t = *terms[i];
    const auto& pref = t.preference();
    if (t.weight() == 0 || (pref.match_expressions().empty() && pref.match_fields().empty())) {
      continue;
    }
    NodeSelectorTerm parsed(pref, Index(path, i));
    if (!parsed.parse_errors().empty()) {
      errors.insert(errors.end(), parsed.parse_errors().begin(), parsed.parse_errors().end());
    } else {
      out.terms_.emplace_back(std::move(parsed), t.weight());
    }
  }
  if (!errors.empty()) return Status::BadRequest(AggregateErrors(errors));
  return out;
}

int64_t PreferredSchedulingTerms::Score(const k8s::core::v1::Node& node) const {
  int64_t score = 0;
  for (const auto& [term, weight] : terms_) {
    if (term.Matches(node)) score += weight;
  }
  return score;
}

RequiredNodeAffinity::RequiredNodeAffinity(const k8s::core::v1::Pod& pod)
    : node_selector_(pod.spec().node_selector().begin(), pod.spec().node_selector().end()) {
  const auto& spec = pod.spec();
  if (spec.has_affinity() && spec.affinity().has_node_affinity() &&
      spec.affinity().node_affinity().has_required_during_scheduling_ignored_during_execution()) {
    affinity_ = NodeSelector::Lazy(
        spec.affinity().node_affinity().required_during_scheduling_ignored_during_execution());
  }
}

bool RequiredNodeAffinity::Matches(const k8s::core::v1::Node& node) const {
  const auto& labels = node.metadata().labels();
  for (const auto& [key, value] : node_selector_) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  return !affinity_ || affinity_->Matches(node);
}

}  // namespace pk::scheduler::plugins
