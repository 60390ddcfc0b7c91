// Label selectors: matching, canonical strings and metav1.LabelSelectorAsSelector
// (k8s.io/apimachinery/pkg/labels/selector.go, pkg/apis/meta/v1/helpers.go). Parsing of the
// query syntax is in labels_parse.cc.
#include <algorithm>
#include <utility>

#include "apimachinery/selectors.h"
#include "apimachinery/selectors_internal.h"
#include "proto/meta/v1/meta.pb.h"

namespace pk {
namespace {

using Op = LabelSelector::Op;
using Requirement = LabelSelector::Requirement;

bool HasValue(const Requirement& r, std::string_view value) {
  return std::find(r.values.begin(), r.values.end(), value) != r.values.end();
}

// Requirement.Matches: Gt and Lt compare integers and fail on anything else.
bool RequirementMatches(const Requirement& r, std::optional<std::string_view> value) {
  switch (r.op) {
    case Op::kIn:
    case Op::kEquals:
      return value && HasValue(r, *value);
    case Op::kNotIn:
    case Op::kNotEquals:
      return !value || !HasValue(r, *value);
    case Op::kExists:
      return value.has_value();
    case Op::kDoesNotExist:
      return !value;
    case Op::kGt:
    case Op::kLt: {
      int64_t have = 0;
      int64_t want = 0;
      if (!value || r.values.size() != 1 || !selectors_internal::ParseInt64(*value, &have) ||
          !selectors_internal::ParseInt64(r.values[0], &want)) {
        return false;
      }
      return r.op == Op::kGt ? have > want : have < want;
    }
  }
  return false;
}

std::string JoinValues(const std::vector<std::string>& values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ",";
    out += values[i];
  }
  return out;
}

// Requirement.String.
std::string RequirementString(const Requirement& r) {
  switch (r.op) {
    case Op::kExists:
      return r.key;
    case Op::kDoesNotExist:
      return "!" + r.key;
    case Op::kEquals:
      return r.key + "=" + JoinValues(r.values);
    case Op::kNotEquals:
      return r.key + "!=" + JoinValues(r.values);
    case Op::kIn:
      return r.key + " in (" + JoinValues(r.values) + ")";
    case Op::kNotIn:
      return r.key + " notin (" + JoinValues(r.values) + ")";
    case Op::kGt:
      return r.key + ">" + JoinValues(r.values);
    case Op::kLt:
      return r.key + "<" + JoinValues(r.values);
  }
  return r.key;
}

// metav1.LabelSelectorOperator to the selection operator LabelSelectorAsSelector accepts.
std::optional<Op> ProtoOperator(std::string_view op) {
  if (op == "In") return Op::kIn;
  if (op == "NotIn") return Op::kNotIn;
  if (op == "Exists") return Op::kExists;
  if (op == "DoesNotExist") return Op::kDoesNotExist;
  return std::nullopt;
}

}  // namespace

LabelSelector LabelSelector::Nothing() {
  LabelSelector selector;
  selector.nothing_ = true;
  return selector;
}

Result<LabelSelector> LabelSelector::FromProto(const k8s::meta::v1::LabelSelector& proto) {
  LabelSelector selector;
  // Go ranges over the map in random order; sorting makes the first error deterministic.
  std::vector<std::pair<std::string, std::string>> labels(proto.match_labels().begin(),
                                                          proto.match_labels().end());
  std::sort(labels.begin(), labels.end());
  for (auto& [key, value] : labels) {
    Result<Requirement> r = selectors_internal::NewRequirement(key, Op::kEquals, {value});
    if (!r.ok()) return r.take_status();
    selector.requirements_.push_back(std::move(r).value());
  }
  for (const k8s::meta::v1::LabelSelectorRequirement& expr : proto.match_expressions()) {
    const std::optional<Op> op = ProtoOperator(expr.operator_());
    if (!op) {
      return Status::BadRequest(selectors_internal::GoQuote(expr.operator_()) +
                                " is not a valid label selector operator");
    }
    Result<Requirement> r = selectors_internal::NewRequirement(
        expr.key(), *op, {expr.values().begin(), expr.values().end()}, /*values_nil=*/true);
    if (!r.ok()) return r.take_status();
    selector.requirements_.push_back(std::move(r).value());
  }
  std::stable_sort(selector.requirements_.begin(), selector.requirements_.end(),
                   [](const Requirement& a, const Requirement& b) { return a.key < b.key; });
  return selector;
}

bool LabelSelector::Matches(const ValueLookup& labels) const {
  if (nothing_) return false;
  return std::all_of(requirements_.begin(), requirements_.end(), [&labels](const Requirement& r) {
    return RequirementMatches(r, labels(r.key));
  });
}

bool LabelSelector::Holds(const Requirement& r, std::optional<std::string_view> value) {
  return RequirementMatches(r, value);
}

bool LabelSelector::Matches(const std::map<std::string, std::string>& labels) const {
  return MatchesMap(labels);
}

std::optional<std::string> LabelSelector::RequiresExactMatch(std::string_view key) const {
  for (const Requirement& r : requirements_) {
    if (r.key != key) continue;
    // Only the first requirement on the key counts, as in Go.
    if ((r.op == Op::kEquals || r.op == Op::kIn) && r.values.size() == 1) return r.values[0];
    return std::nullopt;
  }
  return std::nullopt;
}

std::string LabelSelector::String() const {
  std::string out;
  for (size_t i = 0; i < requirements_.size(); ++i) {
    if (i > 0) out += ",";
    out += RequirementString(requirements_[i]);
  }
  return out;
}

}  // namespace pk
