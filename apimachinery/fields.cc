// Field selectors, ported from k8s.io/apimachinery/pkg/fields/selector.go: terms split on
// unescaped commas, sorted, each split at its first "!=", "==" or "=" with `\` escapes in values.
#include <algorithm>
#include <utility>

#include "apimachinery/selectors.h"

namespace pk {
namespace {

// splitTerms: commas preceded by a backslash are data, kept with the backslash.
std::vector<std::string> SplitTerms(std::string_view selector) {
  std::vector<std::string> terms;
  if (selector.empty()) return terms;
  size_t start = 0;
  bool in_slash = false;
  for (size_t i = 0; i < selector.size(); ++i) {
    const char c = selector[i];
    if (in_slash) {
      in_slash = false;
    } else if (c == '\\') {
      in_slash = true;
    } else if (c == ',') {
      terms.emplace_back(selector.substr(start, i - start));
      start = i + 1;
    }
  }
  terms.emplace_back(selector.substr(start));
  return terms;
}

struct Term {
  std::string_view lhs;
  FieldSelector::Op op;
  std::string_view rhs;
};

// splitTerm: the first operator occurrence splits the term; the field itself has no escapes.
std::optional<Term> SplitTerm(std::string_view term) {
  for (size_t i = 0; i < term.size(); ++i) {
    const std::string_view rest = term.substr(i);
    if (rest.starts_with("!="))
      return Term{term.substr(0, i), FieldSelector::Op::kNotEquals, rest.substr(2)};
    if (rest.starts_with("=="))
      return Term{term.substr(0, i), FieldSelector::Op::kEquals, rest.substr(2)};
    if (rest.starts_with("="))
      return Term{term.substr(0, i), FieldSelector::Op::kEquals, rest.substr(1)};
  }
  return std::nullopt;
}

// The length of the UTF-8 sequence starting with `lead` (1 for anything malformed).
size_t Utf8Length(unsigned char lead) {
  if (lead >= 0xf0 && lead < 0xf8) return 4;
  if (lead >= 0xe0) return lead < 0xf0 ? 3 : 1;
  if (lead >= 0xc0) return 2;
  return 1;
}

Status InvalidEscape(std::string_view sequence) {
  return Status::BadRequest("invalid field selector: invalid escape sequence: " +
                            std::string(sequence));
}

// UnescapeValue: `\\`, `\,` and `\=` are the only escapes; a bare `,` or `=` is an error (Go
// prints the rune as its number: "unescaped character in value: 61").
Result<std::string> UnescapeValue(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == ',' || c == '=') {
      return Status::BadRequest("invalid field selector: unescaped character in value: " +
                                std::to_string(static_cast<int>(c)));
    }
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (++i == s.size()) return InvalidEscape("\\");
    const char next = s[i];
    if (next != '\\' && next != ',' && next != '=') {
      std::string sequence = "\\";
      sequence += s.substr(i, Utf8Length(static_cast<unsigned char>(next)));
      return InvalidEscape(sequence);
    }
    out.push_back(next);
  }
  return out;
}

// EscapeValue: the inverse of UnescapeValue.
std::string EscapeValue(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == ',' || c == '=') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

}  // namespace

Result<FieldSelector> FieldSelector::Parse(std::string_view text) {
  std::vector<std::string> parts = SplitTerms(text);
  std::sort(parts.begin(), parts.end());
  FieldSelector selector;
  for (const std::string& part : parts) {
    if (part.empty()) continue;
    const std::optional<Term> term = SplitTerm(part);
    if (!term) {
      return Status::BadRequest("invalid selector: '" + std::string(text) +
                                "'; can't understand '" + part + "'");
    }
    Result<std::string> value = UnescapeValue(term->rhs);
    if (!value.ok()) return value.take_status();
    selector.requirements_.push_back({std::string(term->lhs), term->op, std::move(value).value()});
  }
  return selector;
}

bool FieldSelector::Matches(const ValueLookup& fields) const {
  return std::all_of(requirements_.begin(), requirements_.end(), [&fields](const Requirement& r) {
    const std::string_view value = fields(r.field).value_or("");
    return (r.op == Op::kEquals) == (value == r.value);
  });
}

std::optional<std::string> FieldSelector::RequiresExactMatch(std::string_view field) const {
  for (const Requirement& r : requirements_) {
    if (r.field == field && r.op == Op::kEquals) return r.value;
  }
  return std::nullopt;
}

std::string FieldSelector::String() const {
  std::string out;
  for (size_t i = 0; i < requirements_.size(); ++i) {
    const Requirement& r = requirements_[i];
    if (i > 0) out += ",";
    out += r.field + (r.op == Op::kEquals ? "=" : "!=") + EscapeValue(r.value);
  }
  return out;
}

}  // namespace pk
