// Validation shared by the controllers of apps/v1 and batch/v1
// (k8s.io/kubernetes/pkg/apis/apps/validation, v1.32 wording).
#include "apimachinery/selectors.h"
#include "apimachinery/validation.h"
#include "apiserver/registry/strategies/internal.h"
#include "proto/util/intstr.pb.h"

namespace pk::registry {
namespace {

void ValidateRequirement(const k8s::meta::v1::LabelSelectorRequirement& r, const std::string& path,
                         Causes* causes) {
  const std::string& op = r.operator_();
  if (op == "In" || op == "NotIn") {
    if (r.values_size() == 0) {
      causes->push_back(
          Required(path + ".values", "must be specified when `operator` is 'In' or 'NotIn'"));
    }
  } else if (op == "Exists" || op == "DoesNotExist") {
    if (r.values_size() > 0) {
      causes->push_back(Forbidden(path + ".values",
                                  "may not be specified when `operator` is 'Exists' or "
                                  "'DoesNotExist'"));
    }
  } else {
    causes->push_back(
        Invalid(path + ".operator", BadValue::String(op), "not a valid selector operator"));
  }
  AddInvalid(causes, path + ".key", BadValue::String(r.key()),
             validation::IsQualifiedName(r.key()));
}

bool IsPercent(const std::string& s) {
  if (s.size() < 2 || s.back() != '%') return false;
  return std::all_of(s.begin(), s.end() - 1, [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::string GoLabelSelector(const k8s::meta::v1::LabelSelector& selector) {
  std::string out = "v1.LabelSelector{MatchLabels:" + GoStringMap(selector.match_labels()) +
                    ", MatchExpressions:";
  if (selector.match_expressions_size() == 0) return out + "[]v1.LabelSelectorRequirement(nil)}";
  out += "[]v1.LabelSelectorRequirement{";
  for (int i = 0; i < selector.match_expressions_size(); ++i) {
    const auto& r = selector.match_expressions(i);
    std::vector<std::string> values(r.values().begin(), r.values().end());
    if (i > 0) out += ", ";
    out += "v1.LabelSelectorRequirement{Key:" + BadValue::String(r.key()).text +
           ", Operator:" + BadValue::String(r.operator_()).text +
           ", Values:" + validation::GoStringSlice(values) + "}";
  }
  return out + "}}";
}

std::string GoIntOrString(const k8s::util::IntOrString& v) {
  return "intstr.IntOrString{Type:" + std::to_string(v.type()) +
         ", IntVal:" + std::to_string(v.int_val()) +
         ", StrVal:" + BadValue::String(v.str_val()).text + "}";
}

int IntOrPercentValue(const k8s::util::IntOrString& v) {
  if (v.type() == 0) return v.int_val();
  if (!IsPercent(v.str_val())) return 0;
  return std::atoi(v.str_val().c_str());
}

void ValidateIntOrPercent(const k8s::util::IntOrString& value, std::string_view path,
                          bool at_most_100, Causes* causes) {
  const BadValue bad = BadValue::Raw(GoIntOrString(value));
  if (value.type() == 1) {
    if (!IsPercent(value.str_val())) {
      causes->push_back(Invalid(path, bad,
                                "a valid percent string must be a numeric string followed by an "
                                "ending '%' (e.g. '1%',  or '93%', regex used for validation is "
                                "'[0-9]+%')"));
    } else if (at_most_100 && IntOrPercentValue(value) > 100) {
      causes->push_back(Invalid(path, bad, "must not be greater than 100%"));
    }
  } else {
    ValidateNonnegative(causes, path, value.int_val());
  }
}

Causes ValidateLabelSelector(const k8s::meta::v1::LabelSelector& selector,
                             std::string_view path_view) {
  const std::string path(path_view);
  Causes causes;
  for (int i = 0; i < selector.match_expressions_size(); ++i) {
    ValidateRequirement(selector.match_expressions(i), Index(path + ".matchExpressions", i),
                        &causes);
  }
  Append(&causes, ValidateLabels(selector.match_labels(), path + ".matchLabels"));
  return causes;
}

Causes ValidateSelectorAndTemplate(const k8s::meta::v1::LabelSelector* selector,
                                   const k8s::core::v1::PodTemplateSpec& tpl,
                                   const TemplateRules& rules) {
  Causes causes;
  if (selector == nullptr) {
    causes.push_back(Required("spec.selector"));
  } else {
    Append(&causes, ValidateLabelSelector(*selector, "spec.selector"));
    if (selector->match_labels_size() + selector->match_expressions_size() == 0) {
      causes.push_back(Invalid("spec.selector", BadValue::Raw(GoLabelSelector(*selector)),
                               "empty selector is invalid for " + rules.empty_selector_kind));
    }
  }
  // A nil selector selects nothing, so the template is checked as Kubernetes does: without
  // the match check.
  auto parsed = selector == nullptr ? Result<LabelSelector>(LabelSelector::Nothing())
                                    : LabelSelector::FromProto(*selector);
  if (!parsed.ok()) {
    causes.push_back(Invalid("spec.selector", BadValue::Raw(GoLabelSelector(*selector)),
                             "invalid label selector"));
    return causes;
  }
  if (selector != nullptr && !parsed->Empty() && !parsed->MatchesMap(tpl.metadata().labels())) {
    causes.push_back(Invalid("spec.template.metadata.labels",
                             BadValue::Raw(GoStringMap(tpl.metadata().labels())),
                             "`selector` does not match template `labels`"));
  }
  Append(&causes, ValidatePodTemplateSpec(tpl, "spec.template"));
  if (rules.restart_always && tpl.spec().restart_policy() != "Always") {
    causes.push_back(NotSupported("spec.template.spec.restartPolicy",
                                  BadValue::String(tpl.spec().restart_policy()), {"Always"}));
  }
  if (!rules.deadline_kind.empty() && tpl.spec().has_active_deadline_seconds()) {
    causes.push_back(
        Forbidden("spec.template.spec.activeDeadlineSeconds",
                  "activeDeadlineSeconds in " + rules.deadline_kind + " is not Supported"));
  }
  return causes;
}

void ValidateSelectorUnchanged(const k8s::meta::v1::LabelSelector* now,
                               const k8s::meta::v1::LabelSelector* old, Causes* causes) {
  const bool same = (now == nullptr && old == nullptr) ||
                    (now != nullptr && old != nullptr && SameMessage(*now, *old));
  if (same) return;
  causes->push_back(Immutable(
      "spec.selector", now == nullptr ? BadValue::Null() : BadValue::Raw(GoLabelSelector(*now))));
}

}  // namespace pk::registry
