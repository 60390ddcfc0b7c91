// Label and field selectors (k8s.io/apimachinery/pkg/labels and pkg/fields).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "apimachinery/status.h"

namespace k8s::meta::v1 {
class LabelSelector;
}

namespace pk {

// Looks a label (or a field path) up on an object: the value, or nullopt when absent.
using ValueLookup = std::function<std::optional<std::string_view>(std::string_view key)>;

// A set of label requirements, all of which must hold. The empty selector matches everything.
class LabelSelector {
 public:
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kDoesNotExist, kGt, kLt };
  struct Requirement {
    std::string key;
    Op op;
    std::vector<std::string> values;  // sorted, as Kubernetes keeps them
  };

  // Everything.
  LabelSelector() = default;
  // Nothing: the selector of a nil *metav1.LabelSelector, which matches no object.
  static LabelSelector Nothing();
  // Parses the query syntax: "a=b,c!=d,e in (x,y),f notin (z),g,!h,i>1". Errors are
  // BadRequest with Kubernetes' wording ("unable to parse requirement: ..."). "a==b" parses
  // as kEquals (Kubernetes keeps "==" apart only to print it back).
  static Result<LabelSelector> Parse(std::string_view text);
  // metav1.LabelSelectorAsSelector: matchLabels and matchExpressions (In, NotIn, Exists,
  // DoesNotExist). Errors say which expression is wrong.
  static Result<LabelSelector> FromProto(const k8s::meta::v1::LabelSelector& selector);

  bool Matches(const ValueLookup& labels) const;
  bool Matches(const std::map<std::string, std::string>& labels) const;
  // For any map type with find()/end() and string-like values (protobuf Map included).
  // Looks each requirement's key up directly: no std::function and no key copy per label,
  // as informers' listers and the scheduler call it for every object they scan.
  template <class MapT>
  bool MatchesMap(const MapT& labels) const {
    if (nothing_) return false;
    for (const Requirement& r : requirements_) {
      auto it = labels.find(r.key);
      std::optional<std::string_view> value;
      if (it != labels.end()) value = std::string_view(it->second);
      if (!Holds(r, value)) return false;
    }
    return true;
  }
  // Requirement.Matches: whether `value` (nullopt: the label is absent) satisfies `r`.
  static bool Holds(const Requirement& r, std::optional<std::string_view> value);

  bool Empty() const { return !nothing_ && requirements_.empty(); }
  // The value the selector requires `key` to equal, if it has such a requirement (for indexes).
  std::optional<std::string> RequiresExactMatch(std::string_view key) const;
  const std::vector<Requirement>& requirements() const { return requirements_; }
  // The canonical query form, requirements sorted by key ("a=b,c in (x,y)").
  std::string String() const;

 private:
  std::vector<Requirement> requirements_;  // sorted by key
  bool nothing_ = false;
};

// A set of field requirements ("metadata.name=x,spec.nodeName!=") all of which must hold.
class FieldSelector {
 public:
  enum class Op { kEquals, kNotEquals };
  struct Requirement {
    std::string field;
    Op op;
    std::string value;
  };

  FieldSelector() = default;  // everything
  // Parses "a=b,c==d,e!=f" with `\` escapes for `,`, `=` and `\` in values. Errors are
  // BadRequest ("invalid selector: 'x'; can't understand 'x'"). String() escapes values again.
  static Result<FieldSelector> Parse(std::string_view text);

  bool Matches(const ValueLookup& fields) const;  // an absent field counts as ""
  bool Empty() const { return requirements_.empty(); }
  std::optional<std::string> RequiresExactMatch(std::string_view field) const;
  const std::vector<Requirement>& requirements() const { return requirements_; }
  std::string String() const;

 private:
  std::vector<Requirement> requirements_;
};

}  // namespace pk
