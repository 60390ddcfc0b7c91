// Internals shared by the label selector sources (labels.cc, labels_parse.cc,
// label_validation.cc): Kubernetes' label key/value validation and requirement construction,
// with the exact error wording of k8s.io/apimachinery. Not for use outside apimachinery/.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "apimachinery/selectors.h"
#include "apimachinery/status.h"

namespace pk::selectors_internal {

// content.IsLabelKey (validation.IsQualifiedName): why `key` is not a label key, or nothing.
std::vector<std::string> LabelKeyErrors(std::string_view key);
// content.IsLabelValue: why `value` is not a label value, or nothing.
std::vector<std::string> LabelValueErrors(std::string_view value);

// validation.MaxLenError: "must be no more than <n> bytes".
std::string MaxLenError(size_t length);
// validation.RegexError: `msg (e.g. 'a',  or 'b', regex used for validation is 're')`.
std::string RegexError(std::string_view msg, std::string_view re,
                       const std::vector<std::string_view>& examples);
// validation.IsDNS1123Subdomain: why `value` is not a lowercase RFC 1123 subdomain, or nothing.
std::vector<std::string> Dns1123SubdomainErrors(std::string_view value);

// Go's %q of a string (strconv.Quote).
std::string GoQuote(std::string_view s);
// Go's %#v of a []string: `[]string{"a", "b"}`, `[]string{}` or `[]string(nil)` when nil.
std::string GoStringSlice(const std::vector<std::string>& values, bool nil);

// field.Invalid(path, value, detail).Error(): "<path>: Invalid value: <value>: <detail>", where
// `value` is already formatted (GoQuote, GoStringSlice).
std::string InvalidValue(std::string_view path, std::string_view value, std::string_view detail);

// labels.validateLabelKey with a nil path, as the parser calls it:
// `<nil>: Invalid value: "k": <errors joined by "; ">`; empty when the key is valid.
std::string ValidateKeyForParser(std::string_view key);

// labels.NewRequirement: validates key, operator arity and values; the error message is the
// aggregate of every problem (one message, or "[a, b]"). `values_nil` says the values came
// from a nil Go slice (only visible in error messages). Values are sorted on success.
Result<LabelSelector::Requirement> NewRequirement(std::string key, LabelSelector::Op op,
                                                  std::vector<std::string> values,
                                                  bool values_nil = false);

// strconv.ParseInt(s, 10, 64).
bool ParseInt64(std::string_view s, int64_t* out);

}  // namespace pk::selectors_internal
