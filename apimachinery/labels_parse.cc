// The label selector query syntax, ported from k8s.io/apimachinery/pkg/labels/selector.go:
// the same lexer, the same recursive-descent parser and the same error messages.
#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "apimachinery/selectors.h"
#include "apimachinery/selectors_internal.h"

namespace pk {
namespace {

using Op = LabelSelector::Op;

enum class Token {
  kError,
  kEndOfString,
  kClosedPar,
  kComma,
  kDoesNotExist,
  kDoubleEquals,
  kEquals,
  kGreaterThan,
  kIdentifier,
  kIn,
  kLessThan,
  kNotEquals,
  kNotIn,
  kOpenPar,
};

// Go's string2token: the literal tokens.
std::optional<Token> LiteralToken(std::string_view s) {
  static const std::pair<std::string_view, Token> kTokens[] = {
      {")", Token::kClosedPar},     {",", Token::kComma},    {"!", Token::kDoesNotExist},
      {"==", Token::kDoubleEquals}, {"=", Token::kEquals},   {">", Token::kGreaterThan},
      {"in", Token::kIn},           {"<", Token::kLessThan}, {"!=", Token::kNotEquals},
      {"notin", Token::kNotIn},     {"(", Token::kOpenPar},
  };
  for (const auto& [literal, token] : kTokens) {
    if (s == literal) return token;
  }
  return std::nullopt;
}

bool IsWhitespace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool IsSpecialSymbol(char c) {
  return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}

struct ScannedItem {
  Token token;
  std::string literal;
};

// Go's Lexer. read() yields 0 at the end (and for a NUL byte, which Go treats the same way).
class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  ScannedItem Lex() {
    char c = Read();
    while (IsWhitespace(c)) c = Read();
    if (c == 0) return {Token::kEndOfString, ""};
    Unread();
    return IsSpecialSymbol(c) ? ScanSpecialSymbol() : ScanIdOrKeyword();
  }

 private:
  char Read() { return pos_ < s_.size() ? s_[pos_++] : 0; }
  void Unread() { --pos_; }

  ScannedItem ScanIdOrKeyword() {
    std::string buffer;
    for (char c = Read(); c != 0; c = Read()) {
      if (IsSpecialSymbol(c) || IsWhitespace(c)) {
        Unread();
        break;
      }
      buffer.push_back(c);
    }
    if (std::optional<Token> token = LiteralToken(buffer)) return {*token, buffer};
    return {Token::kIdentifier, buffer};
  }

  // The longest run of special symbols that is still a token: "!=" rather than "!".
  ScannedItem ScanSpecialSymbol() {
    std::optional<ScannedItem> last;
    std::string buffer;
    for (char c = Read(); c != 0; c = Read()) {
      if (!IsSpecialSymbol(c)) {
        Unread();
        break;
      }
      buffer.push_back(c);
      if (std::optional<Token> token = LiteralToken(buffer)) {
        last = ScannedItem{*token, buffer};
      } else if (last) {
        Unread();
        break;
      }
    }
    if (!last) return {Token::kError, "error expected: keyword found '" + buffer + "'"};
    return *last;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

// Where the parser is: in a values context "in" and "notin" are plain identifiers.
enum class Context { kKeyAndOperator, kValues };

class Parser {
 public:
  explicit Parser(std::string_view s) {
    Lexer lexer(s);
    do {
      items_.push_back(lexer.Lex());
    } while (items_.back().token != Token::kEndOfString);
  }

  Result<std::vector<LabelSelector::Requirement>> Parse() {
    std::vector<LabelSelector::Requirement> requirements;
    while (true) {
      auto [token, literal] = Lookahead(Context::kValues);
      if (token == Token::kEndOfString) return requirements;
      if (token != Token::kIdentifier && token != Token::kDoesNotExist) {
        return Error("found '" + literal + "', expected: !, identifier, or 'end of string'");
      }
      Result<LabelSelector::Requirement> r = ParseRequirement();
      if (!r.ok()) return Error("unable to parse requirement: " + r.status().message());
      requirements.push_back(std::move(r).value());
      auto [next, next_literal] = Consume(Context::kValues);
      if (next == Token::kEndOfString) return requirements;
      if (next != Token::kComma) {
        return Error("found '" + next_literal + "', expected: ',' or 'end of string'");
      }
      auto [after, after_literal] = Lookahead(Context::kValues);
      if (after != Token::kIdentifier && after != Token::kDoesNotExist) {
        return Error("found '" + after_literal + "', expected: identifier after ','");
      }
    }
  }

 private:
  static Status Error(std::string message) { return Status::BadRequest(std::move(message)); }

  static std::pair<Token, std::string> InContext(const ScannedItem& item, Context context) {
    Token token = item.token;
    if (context == Context::kValues && (token == Token::kIn || token == Token::kNotIn)) {
      token = Token::kIdentifier;
    }
    return {token, item.literal};
  }
  std::pair<Token, std::string> Lookahead(Context context) const {
    return InContext(items_[position_], context);
  }
  std::pair<Token, std::string> Consume(Context context) {
    return InContext(items_[position_++], context);
  }

  Result<LabelSelector::Requirement> ParseRequirement() {
    auto [token, key] = Consume(Context::kValues);
    std::optional<Op> op;
    if (token == Token::kDoesNotExist) {
      op = Op::kDoesNotExist;
      std::tie(token, key) = Consume(Context::kValues);
    }
    if (token != Token::kIdentifier) return Error("found '" + key + "', expected: identifier");
    if (std::string err = selectors_internal::ValidateKeyForParser(key); !err.empty()) {
      return Error(std::move(err));
    }
    const Token next = Lookahead(Context::kValues).first;
    if (!op && (next == Token::kEndOfString || next == Token::kComma)) op = Op::kExists;
    // "!key" ends the requirement whatever follows; the caller then rejects "!x=a" at "=".
    if (op) return selectors_internal::NewRequirement(std::move(key), *op, {});
    Result<Op> parsed = ParseOperator();
    if (!parsed.ok()) return parsed.take_status();
    Result<std::set<std::string>> values =
        (*parsed == Op::kIn || *parsed == Op::kNotIn) ? ParseValues() : ParseExactValue();
    if (!values.ok()) return values.take_status();
    return selectors_internal::NewRequirement(
        std::move(key), *parsed, std::vector<std::string>(values->begin(), values->end()));
  }

  Result<Op> ParseOperator() {
    auto [token, literal] = Consume(Context::kKeyAndOperator);
    switch (token) {
      case Token::kIn:
        return Op::kIn;
      case Token::kEquals:
        return Op::kEquals;
      case Token::kDoubleEquals:
        return Op::kEquals;  // no separate "==" kept (see String)
      case Token::kGreaterThan:
        return Op::kGt;
      case Token::kLessThan:
        return Op::kLt;
      case Token::kNotIn:
        return Op::kNotIn;
      case Token::kNotEquals:
        return Op::kNotEquals;
      default:
        return Error("found '" + literal + "', expected: in, notin, =, ==, !=, gt, lt");
    }
  }

  // "(x,y,z)"; "()" is the set holding "".
  Result<std::set<std::string>> ParseValues() {
    auto [token, literal] = Consume(Context::kValues);
    if (token != Token::kOpenPar) return Error("found '" + literal + "' expected: '('");
    std::tie(token, literal) = Lookahead(Context::kValues);
    if (token == Token::kClosedPar) {
      Consume(Context::kValues);
      return std::set<std::string>{""};
    }
    if (token != Token::kIdentifier && token != Token::kComma) {
      return Error("found '" + literal + "', expected: ',', ')' or identifier");
    }
    Result<std::set<std::string>> values = ParseIdentifiersList();
    if (!values.ok()) return values;
    if (Consume(Context::kValues).first != Token::kClosedPar) {
      return Error("found '" + literal + "', expected: ')'");
    }
    return values;
  }

  // A list of comma separated, possibly empty, identifiers.
  Result<std::set<std::string>> ParseIdentifiersList() {
    std::set<std::string> values;
    while (true) {
      auto [token, literal] = Consume(Context::kValues);
      if (token == Token::kIdentifier) {
        values.insert(literal);
        auto [next, next_literal] = Lookahead(Context::kValues);
        if (next == Token::kComma) continue;
        if (next == Token::kClosedPar) return values;
        return Error("found '" + next_literal + "', expected: ',' or ')'");
      }
      if (token != Token::kComma)
        return Error("found '" + literal + "', expected: ',', or identifier");
      if (values.empty()) values.insert("");  // "(,"
      const Token next = Lookahead(Context::kValues).first;
      if (next == Token::kClosedPar) {  // ",)"
        values.insert("");
        return values;
      }
      if (next == Token::kComma) {  // ",,"
        Consume(Context::kValues);
        values.insert("");
      }
    }
  }

  Result<std::set<std::string>> ParseExactValue() {
    const Token next = Lookahead(Context::kValues).first;
    if (next == Token::kEndOfString || next == Token::kComma) return std::set<std::string>{""};
    auto [token, literal] = Consume(Context::kValues);
    if (token == Token::kIdentifier) return std::set<std::string>{literal};
    return Error("found '" + literal + "', expected: identifier");
  }

  std::vector<ScannedItem> items_;
  size_t position_ = 0;
};

}  // namespace

Result<LabelSelector> LabelSelector::Parse(std::string_view text) {
  Result<std::vector<Requirement>> requirements = Parser(text).Parse();
  if (!requirements.ok()) return requirements.take_status();
  LabelSelector selector;
  selector.requirements_ = std::move(requirements).value();
  std::stable_sort(selector.requirements_.begin(), selector.requirements_.end(),
                   [](const Requirement& a, const Requirement& b) { return a.key < b.key; });
  return selector;
}

}  // namespace pk
