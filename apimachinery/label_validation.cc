// Label key and value validation (k8s.io/apimachinery/pkg/api/validate/content) and
// labels.NewRequirement, with Kubernetes' error wording.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <limits>

#include "apimachinery/selectors_internal.h"

namespace pk::selectors_internal {
namespace {

constexpr size_t kLabelKeyMaxLength = 63;
constexpr size_t kLabelValueMaxLength = 63;
constexpr size_t kDns1123SubdomainMaxLength = 253;

constexpr std::string_view kLabelKeyFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
constexpr std::string_view kLabelKeyErrMsg =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character";
constexpr std::string_view kLabelValueFmt = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
constexpr std::string_view kLabelValueErrMsg =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character";
constexpr std::string_view kDns1123SubdomainFmt =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
constexpr std::string_view kDns1123SubdomainErrMsg =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character";

std::string EmptyError() { return "must be non-empty"; }

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// ^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$
bool MatchesLabelName(std::string_view s) {
  if (s.empty() || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return IsAlnum(c) || c == '-' || c == '_' || c == '.'; });
}

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$
bool MatchesDns1123Subdomain(std::string_view s) {
  size_t start = 0;
  while (true) {
    const size_t dot = s.find('.', start);
    const std::string_view label =
        s.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (label.empty() || !IsLowerAlnum(label.front()) || !IsLowerAlnum(label.back())) return false;
    if (!std::all_of(label.begin(), label.end(),
                     [](char c) { return IsLowerAlnum(c) || c == '-'; })) {
      return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::string LabelKeyRegexError() {
  return RegexError(kLabelKeyErrMsg, kLabelKeyFmt, {"MyName", "my.name", "123-abc"});
}

std::string Join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += separator;
    out += parts[i];
  }
  return out;
}

// The arity problem NewRequirement reports for `op` with `count` values, if any.
std::string_view ArityError(LabelSelector::Op op, size_t count) {
  using Op = LabelSelector::Op;
  switch (op) {
    case Op::kIn:
    case Op::kNotIn:
      return count == 0 ? "for 'in', 'notin' operators, values set can't be empty" : "";
    case Op::kEquals:
    case Op::kNotEquals:
      return count != 1 ? "exact-match compatibility requires one single value" : "";
    case Op::kExists:
    case Op::kDoesNotExist:
      return count != 0 ? "values set must be empty for exists and does not exist" : "";
    case Op::kGt:
    case Op::kLt:
      return count != 1 ? "for 'Gt', 'Lt' operators, exactly one value is required" : "";
  }
  return "";
}

// utilerrors.NewAggregate(...).Error(): duplicates dropped, several messages in brackets.
std::string AggregateMessage(const std::vector<std::string>& messages) {
  std::vector<std::string> unique;
  for (const std::string& m : messages) {
    if (std::find(unique.begin(), unique.end(), m) == unique.end()) unique.push_back(m);
  }
  if (unique.size() == 1) return unique[0];
  std::string out = "[";
  out += Join(unique, ", ");
  out += ']';
  return out;
}

}  // namespace

std::string MaxLenError(size_t length) {
  return "must be no more than " + std::to_string(length) + " bytes";
}

// content.RegexError.
std::string RegexError(std::string_view msg, std::string_view re,
                       const std::vector<std::string_view>& examples) {
  std::string out(msg);
  if (examples.empty()) return out + " (regex used for validation is '" + std::string(re) + "')";
  out += " (e.g. ";
  for (size_t i = 0; i < examples.size(); ++i) {
    if (i > 0) out += " or ";
    out += '\'';
    out += examples[i];
    out += "', ";
  }
  return out + "regex used for validation is '" + std::string(re) + "')";
}

std::vector<std::string> Dns1123SubdomainErrors(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > kDns1123SubdomainMaxLength) {
    errs.push_back(MaxLenError(kDns1123SubdomainMaxLength));
  }
  if (!MatchesDns1123Subdomain(value)) {
    errs.push_back(RegexError(kDns1123SubdomainErrMsg, kDns1123SubdomainFmt, {"example.com"}));
  }
  return errs;
}

std::vector<std::string> LabelKeyErrors(std::string_view key) {
  std::vector<std::string> errs;
  std::string_view name = key;
  const size_t slash = key.find('/');
  if (slash != std::string_view::npos) {
    if (key.find('/', slash + 1) != std::string_view::npos) {
      errs.push_back("a valid label key " + LabelKeyRegexError() +
                     " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
      return errs;
    }
    const std::string_view prefix = key.substr(0, slash);
    name = key.substr(slash + 1);
    if (prefix.empty()) {
      errs.push_back("prefix part " + EmptyError());
    } else {
      for (const std::string& msg : Dns1123SubdomainErrors(prefix)) {
        errs.push_back("prefix part " + msg);
      }
    }
  }
  if (name.empty()) {
    errs.push_back("name part " + EmptyError());
  } else if (name.size() > kLabelKeyMaxLength) {
    errs.push_back("name part " + MaxLenError(kLabelKeyMaxLength));
  }
  if (!MatchesLabelName(name)) errs.push_back("name part " + LabelKeyRegexError());
  return errs;
}

std::vector<std::string> LabelValueErrors(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > kLabelValueMaxLength) errs.push_back(MaxLenError(kLabelValueMaxLength));
  if (!value.empty() && !MatchesLabelName(value)) {
    errs.push_back(RegexError(kLabelValueErrMsg, kLabelValueFmt, {"MyValue", "my_value", "12345"}));
  }
  return errs;
}

std::string GoQuote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\v':
        out += "\\v";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);  // printable ASCII, or UTF-8 passed through
        }
    }
  }
  return out + "\"";
}

std::string GoStringSlice(const std::vector<std::string>& values, bool nil) {
  if (nil && values.empty()) return "[]string(nil)";
  std::vector<std::string> quoted;
  for (const std::string& v : values) quoted.push_back(GoQuote(v));
  return "[]string{" + Join(quoted, ", ") + "}";
}

std::string InvalidValue(std::string_view path, std::string_view value, std::string_view detail) {
  std::string out = std::string(path) + ": Invalid value: " + std::string(value);
  if (!detail.empty()) out += ": " + std::string(detail);
  return out;
}

std::string ValidateKeyForParser(std::string_view key) {
  const std::vector<std::string> errs = LabelKeyErrors(key);
  if (errs.empty()) return "";
  return InvalidValue("<nil>", GoQuote(key), Join(errs, "; "));
}

bool ParseInt64(std::string_view s, int64_t* out) {
  if (!s.empty() && s[0] == '+') {
    s.remove_prefix(1);
    if (!s.empty() && s[0] == '-') return false;  // one sign at most
  }
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

Result<LabelSelector::Requirement> NewRequirement(std::string key, LabelSelector::Op op,
                                                  std::vector<std::string> values,
                                                  bool values_nil) {
  std::vector<std::string> errors;
  if (const std::vector<std::string> errs = LabelKeyErrors(key); !errs.empty()) {
    errors.push_back(InvalidValue("key", GoQuote(key), Join(errs, "; ")));
  }
  if (const std::string_view arity = ArityError(op, values.size()); !arity.empty()) {
    errors.push_back(InvalidValue("values", GoStringSlice(values, values_nil), arity));
  }
  const bool numeric = op == LabelSelector::Op::kGt || op == LabelSelector::Op::kLt;
  for (size_t i = 0; numeric && i < values.size(); ++i) {
    int64_t ignored = 0;
    if (!ParseInt64(values[i], &ignored)) {
      errors.push_back(InvalidValue("values[" + std::to_string(i) + "]", GoQuote(values[i]),
                                    "for 'Gt', 'Lt' operators, the value must be an integer"));
    }
  }
  for (size_t i = 0; i < values.size(); ++i) {
    if (const std::vector<std::string> errs = LabelValueErrors(values[i]); !errs.empty()) {
      errors.push_back(InvalidValue("values[" + std::to_string(i) + "][" + key + "]",
                                    GoQuote(values[i]), Join(errs, "; ")));
    }
  }
  if (!errors.empty()) return Status::BadRequest(AggregateMessage(errors));
  std::sort(values.begin(), values.end());
  return LabelSelector::Requirement{std::move(key), op, std::move(values)};
}

}  // namespace pk::selectors_internal
