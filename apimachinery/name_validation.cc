// The format checks of validation.h, sharing label_validation.cc's wording helpers.
#include <algorithm>

#include "apimachinery/selectors_internal.h"
#include "apimachinery/validation.h"

namespace pk::validation {
namespace {

using selectors_internal::MaxLenError;
using selectors_internal::RegexError;

constexpr size_t kDns1123LabelMaxLength = 63;
constexpr std::string_view kDns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
constexpr std::string_view kDns1123LabelErrMsg =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character";
constexpr size_t kDns1035LabelMaxLength = 63;
constexpr std::string_view kDns1035LabelFmt = "[a-z]([-a-z0-9]*[a-z0-9])?";
constexpr std::string_view kDns1035LabelErrMsg =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character";
constexpr size_t kConfigMapKeyMaxLength = 253;
constexpr std::string_view kConfigMapKeyFmt = "[-._a-zA-Z0-9]+";
constexpr std::string_view kConfigMapKeyErrMsg =
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }

// [a-z0-9]([-a-z0-9]*[a-z0-9])? when `first_alpha` is false, [a-z]... when it is.
bool MatchesLabel(std::string_view s, bool first_alpha) {
  if (s.empty() || !IsLowerAlnum(s.front()) || !IsLowerAlnum(s.back())) return false;
  if (first_alpha && !(s.front() >= 'a' && s.front() <= 'z')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return IsLowerAlnum(c) || c == '-'; });
}

// apimachinery's maskTrailingDash: generateName prefixes may end in '-'.
std::string MaskTrailingDash(std::string_view name) {
  std::string out(name);
  if (out.size() > 1 && out.back() == '-') out.back() = 'a';
  return out;
}

}  // namespace

Errors IsDNS1123Subdomain(std::string_view value) {
  return selectors_internal::Dns1123SubdomainErrors(value);
}

Errors IsDNS1123Label(std::string_view value) {
  Errors errs;
  if (value.size() > kDns1123LabelMaxLength) errs.push_back(MaxLenError(kDns1123LabelMaxLength));
  if (!MatchesLabel(value, false)) {
    if (IsDNS1123Subdomain(value).empty()) {
      // A valid subdomain of valid length that is not a label: it has dots.
      errs.push_back("must not contain dots");
    } else {
      errs.push_back(RegexError(kDns1123LabelErrMsg, kDns1123LabelFmt, {"my-name", "123-abc"}));
    }
  }
  return errs;
}

Errors IsDNS1035Label(std::string_view value) {
  Errors errs;
  if (value.size() > kDns1035LabelMaxLength) errs.push_back(MaxLenError(kDns1035LabelMaxLength));
  if (!MatchesLabel(value, true)) {
    errs.push_back(RegexError(kDns1035LabelErrMsg, kDns1035LabelFmt, {"my-name", "abc-123"}));
  }
  return errs;
}

Errors IsQualifiedName(std::string_view value) { return selectors_internal::LabelKeyErrors(value); }

Errors IsValidLabelValue(std::string_view value) {
  return selectors_internal::LabelValueErrors(value);
}

Errors IsConfigMapKey(std::string_view value) {
  Errors errs;
  if (value.size() > kConfigMapKeyMaxLength) errs.push_back(MaxLenError(kConfigMapKeyMaxLength));
  const bool chars_ok = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
    return IsAlnum(c) || c == '-' || c == '.' || c == '_';
  });
  if (!chars_ok) {
    errs.push_back(
        RegexError(kConfigMapKeyErrMsg, kConfigMapKeyFmt, {"key.name", "KEY_NAME", "key-name"}));
  }
  // hasChDirPrefix: keys become file names in volumes.
  if (value == ".") {
    errs.push_back("must not be '.'");
  } else if (value == "..") {
    errs.push_back("must not be '..'");
  } else if (value.substr(0, 2) == "..") {
    errs.push_back("must not start with '..'");
  }
  return errs;
}

std::string GoQuote(std::string_view s) { return selectors_internal::GoQuote(s); }
std::string GoStringSlice(const std::vector<std::string>& values) {
  return selectors_internal::GoStringSlice(values, values.empty());
}

std::string InclusiveRangeError(int64_t lo, int64_t hi) {
  return "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", inclusive";
}

Errors IsValidPortNum(int64_t port) {
  if (port >= 1 && port <= 65535) return {};
  return {InclusiveRangeError(1, 65535)};
}

Errors IsValidPortName(std::string_view port) {
  Errors errs;
  if (port.size() > 15) errs.push_back(MaxLenError(15));
  const bool charset_ok = !port.empty() && std::all_of(port.begin(), port.end(), [](char c) {
    return IsLowerAlnum(c) || c == '-';
  });
  if (!charset_ok) {
    errs.push_back("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  }
  if (std::none_of(port.begin(), port.end(), [](char c) { return c >= 'a' && c <= 'z'; })) {
    errs.push_back("must contain at least one letter (a-z)");
  }
  if (port.find("--") != std::string_view::npos) {
    errs.push_back("must not contain consecutive hyphens");
  }
  if (!port.empty() && (port.front() == '-' || port.back() == '-')) {
    errs.push_back("must not begin or end with a hyphen");
  }
  return errs;
}

Errors IsValidPathSegmentName(std::string_view name) {
  if (name == "." || name == "..") return {"may not be '" + std::string(name) + "'"};
  Errors errs;
  for (std::string_view bad : {"/", "%"}) {
    if (name.find(bad) != std::string_view::npos) {
      errs.push_back("may not contain '" + std::string(bad) + "'");
    }
  }
  return errs;
}

Errors NameIsDNSSubdomain(std::string_view name, bool prefix) {
  return IsDNS1123Subdomain(prefix ? MaskTrailingDash(name) : std::string(name));
}

Errors NameIsDNSLabel(std::string_view name, bool prefix) {
  return IsDNS1123Label(prefix ? MaskTrailingDash(name) : std::string(name));
}

Errors NameIsDNS1035Label(std::string_view name, bool prefix) {
  return IsDNS1035Label(prefix ? MaskTrailingDash(name) : std::string(name));
}

Errors ValidatePathSegmentName(std::string_view name, bool prefix) {
  if (!prefix) return IsValidPathSegmentName(name);
  // IsValidPathSegmentPrefix: a prefix may be "." or "..", only the contents are checked.
  Errors errs;
  for (std::string_view bad : {"/", "%"}) {
    if (name.find(bad) != std::string_view::npos) {
      errs.push_back("may not contain '" + std::string(bad) + "'");
    }
  }
  return errs;
}

}  // namespace pk::validation
