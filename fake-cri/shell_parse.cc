// Lexer and recursive-descent parser of the safe shell subset, compiling straight to ops.
// Anything outside the subset stops the parse with a message naming the construct, so a
// user sees at once why a container exited 127.
#include <cctype>
#include <initializer_list>

#include "fake-cri/shell_program.h"

namespace pk::fakecri {

bool Word::Plain(std::string* text) const {
  if (segments.size() != 1) return false;
  const Segment& s = segments[0];
  if (s.kind != Segment::Kind::kLiteral || s.quoted) return false;
  *text = s.text;
  return true;
}

namespace {

enum class Tok { kWord, kSeparator, kAnd, kOr, kEnd };

struct Token {
  Tok kind = Tok::kEnd;
  Word word;
};

bool IsNameChar(char c, bool first) {
  return c == '_' || std::isalpha(static_cast<unsigned char>(c)) ||
         (!first && std::isdigit(static_cast<unsigned char>(c)));
}

class Lexer {
 public:
  explicit Lexer(const std::string& s) : s_(s) {}

  // False with `error` set on unsupported syntax.
  bool Next(Token& t, std::string& error);

 private:
  bool LexWord(Word& w, std::string& error);
  bool LexDouble(Word& w, std::string& error);
  bool LexDollar(Word& w, bool quoted, std::string& error);
  void AddLiteral(Word& w, char c, bool quoted);

  const std::string& s_;
  size_t i_ = 0;
};

bool Lexer::Next(Token& t, std::string& error) {
  // Blanks and line continuations separate words.
  while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_.compare(i_, 2, "\\\n") == 0)) {
    i_ += s_[i_] == '\\' ? 2 : 1;
  }
  if (i_ < s_.size() && s_[i_] == '#') {
    while (i_ < s_.size() && s_[i_] != '\n') ++i_;
  }
  t = Token{};
  if (i_ >= s_.size()) return true;
  char c = s_[i_];
  char d = i_ + 1 < s_.size() ? s_[i_ + 1] : '\0';
  if (c == ';' && d == ';') return error = "case clauses (;;)", false;
  if (c == ';' || c == '\n') return ++i_, t.kind = Tok::kSeparator, true;
  if (c == '&' && d == '&') return i_ += 2, t.kind = Tok::kAnd, true;
  if (c == '|' && d == '|') return i_ += 2, t.kind = Tok::kOr, true;
  if (c == '&') return error = "background jobs (&)", false;
  if (c == '|') return error = "pipes (|)", false;
  if (c == '<' || c == '>') return error = "redirections (< >)", false;
  if (c == '(' || c == ')') return error = "subshells ( )", false;
  t.kind = Tok::kWord;
  return LexWord(t.word, error);
}

void Lexer::AddLiteral(Word& w, char c, bool quoted) {
  if (w.segments.empty() || w.segments.back().kind != Segment::Kind::kLiteral ||
      w.segments.back().quoted != quoted) {
    w.segments.push_back(Literal("", quoted));
  }
  w.segments.back().text += c;
}

bool Lexer::LexWord(Word& w, std::string& error) {
  while (i_ < s_.size()) {
    char c = s_[i_];
    if (std::string_view(" \t\n;&|<>()").find(c) != std::string_view::npos) break;
    if (c == '`') return error = "command substitution (`...`)", false;
    if (c == '\'') {
      size_t end = s_.find('\'', i_ + 1);
      if (end == std::string::npos) return error = "unterminated quote", false;
      w.segments.push_back(Literal(s_.substr(i_ + 1, end - i_ - 1), true));
      i_ = end + 1;
    } else if (c == '"') {
      if (!LexDouble(w, error)) return false;
    } else if (c == '\\' && i_ + 1 < s_.size()) {
      if (s_[i_ + 1] != '\n') AddLiteral(w, s_[i_ + 1], true);
      i_ += 2;
    } else if (c == '$') {
      if (!LexDollar(w, false, error)) return false;
    } else {
      AddLiteral(w, c, false);
      ++i_;
    }
  }
  if (w.segments.empty()) w.segments.push_back(Literal("", true));  // ""
  return true;
}

bool Lexer::LexDouble(Word& w, std::string& error) {
  ++i_;
  w.segments.push_back(Literal("", true));  // "" is a word of its own
  while (i_ < s_.size() && s_[i_] != '"') {
    char c = s_[i_];
    if (c == '`') return error = "command substitution (`...`)", false;
    if (c == '\\' && i_ + 1 < s_.size() &&
        std::string_view("$`\"\\\n").find(s_[i_ + 1]) != std::string_view::npos) {
      if (s_[i_ + 1] != '\n') AddLiteral(w, s_[i_ + 1], true);
      i_ += 2;
    } else if (c == '$') {
      if (!LexDollar(w, true, error)) return false;
    } else {
      AddLiteral(w, c, true);
      ++i_;
    }
  }
  if (i_ >= s_.size()) return error = "unterminated quote", false;
  ++i_;
  return true;
}

bool Lexer::LexDollar(Word& w, bool quoted, std::string& error) {
  size_t j = i_ + 1;
  char c = j < s_.size() ? s_[j] : '\0';
  if (c == '(') {
    error = j + 1 < s_.size() && s_[j + 1] == '(' ? "arithmetic $((...))"
                                                  : "command substitution $(...)";
    return false;
  }
  Segment v = Literal("", quoted);
  v.kind = Segment::Kind::kVariable;
  if (c == '{') {
    size_t end = s_.find('}', j);
    if (end == std::string::npos) return error = "unterminated ${", false;
    std::string body = s_.substr(j + 1, end - j - 1);
    size_t n = 0;
    while (n < body.size() && IsNameChar(body[n], n == 0)) ++n;
    if (n == 0) return error = "${" + body + "}", false;
    v.text = body.substr(0, n);
    if (n < body.size()) {
      if (body.compare(n, 2, ":-") != 0) return error = "${" + body + "}", false;
      v.has_fallback = true;
      v.fallback = body.substr(n + 2);
    }
    i_ = end + 1;
  } else if (IsNameChar(c, true)) {
    size_t n = j;
    while (n < s_.size() && IsNameChar(s_[n], n == j)) ++n;
    v.text = s_.substr(j, n - j);
    i_ = n;
  } else if (c != '\0' && std::string_view("?$#@*0123456789").find(c) != std::string_view::npos) {
    v.text = std::string(1, c);
    i_ = j + 1;
  } else {
    AddLiteral(w, '$', quoted);
    ++i_;
    return true;
  }
  w.segments.push_back(std::move(v));
  return true;
}

class Parser {
 public:
  Parser(const std::string& script, Shell::Program& p) : lex_(script), p_(p) {}

  void Parse() {
    Advance();
    ParseList({});
    if (Ok() && cur_.kind != Tok::kEnd) Fail("syntax error: unexpected " + Describe());
  }

 private:
  bool Ok() const { return p_.error.empty(); }
  void Fail(const std::string& what) {
    if (Ok()) p_.error = what;
    cur_ = Token{};
  }
  void Advance() {
    std::string error;
    if (!lex_.Next(cur_, error)) Fail(error);
  }
  bool Keyword(const char* kw) const {
    std::string text;
    return cur_.kind == Tok::kWord && cur_.word.Plain(&text) && text == kw;
  }
  std::string Describe() const {
    std::string text;
    if (cur_.kind == Tok::kWord && cur_.word.Plain(&text)) return text;
    return cur_.kind == Tok::kEnd ? "end of script" : "operator";
  }
  void Expect(const char* kw) {
    if (!Keyword(kw)) return Fail(std::string("syntax error: expected ") + kw);
    Advance();
  }
  void SkipSeparators() {
    while (Ok() && cur_.kind == Tok::kSeparator) Advance();
  }
  size_t Emit(Op::Kind kind, size_t arg = 0) {
    p_.ops.push_back(Op{kind, arg, 0});
    return p_.ops.size() - 1;
  }

  void ParseList(std::initializer_list<const char*> stops);
  void ParseAndOr();
  void ParseCommand();
  void ParseWhile(bool until);
  void ParseFor();
  void ParseIf();

  Lexer lex_;
  Shell::Program& p_;
  Token cur_;
};

void Parser::ParseList(std::initializer_list<const char*> stops) {
  while (Ok()) {
    SkipSeparators();
    if (cur_.kind == Tok::kEnd) return;
    for (const char* stop : stops) {
      if (Keyword(stop)) return;
    }
    ParseAndOr();
    if (Ok() && cur_.kind != Tok::kSeparator && cur_.kind != Tok::kEnd) {
      return Fail("syntax error: unexpected " + Describe());
    }
  }
}

void Parser::ParseAndOr() {
  ParseCommand();
  while (Ok() && (cur_.kind == Tok::kAnd || cur_.kind == Tok::kOr)) {
    // Left-associative: a skipped operand keeps $?, so `a && b || c` runs c when a fails.
    size_t jump = Emit(cur_.kind == Tok::kAnd ? Op::Kind::kJumpIfFail : Op::Kind::kJumpIfOk);
    Advance();
    while (Ok() && cur_.kind == Tok::kSeparator) Advance();  // a newline may follow && / ||
    ParseCommand();
    p_.ops[jump].target = p_.ops.size();
  }
}

void Parser::ParseCommand() {
  if (Keyword("while") || Keyword("until")) return ParseWhile(Keyword("until"));
  if (Keyword("for")) return ParseFor();
  if (Keyword("if")) return ParseIf();
  for (const char* kw : {"case", "function", "select", "{", "}", "!", "[["}) {
    if (Keyword(kw)) return Fail(std::string("'") + kw + "'");
  }
  for (const char* kw : {"do", "done", "then", "else", "elif", "fi", "in"}) {
    if (Keyword(kw)) return Fail(std::string("syntax error: unexpected ") + kw);
  }
  std::vector<Word> words;
  while (Ok() && cur_.kind == Tok::kWord) {
    words.push_back(std::move(cur_.word));
    Advance();
  }
  if (words.empty()) return Fail("syntax error: unexpected " + Describe());
  p_.commands.push_back(std::move(words));
  Emit(Op::Kind::kCommand, p_.commands.size() - 1);
}

void Parser::ParseWhile(bool until) {
  Advance();
  size_t condition = p_.ops.size();
  ParseList({"do"});
  Expect("do");
  size_t exit = Emit(until ? Op::Kind::kJumpIfOk : Op::Kind::kJumpIfFail);
  ParseList({"done"});
  Expect("done");
  p_.ops[Emit(Op::Kind::kJump)].target = condition;
  p_.ops[exit].target = p_.ops.size();
  Emit(Op::Kind::kStatusZero);
}

void Parser::ParseFor() {
  Advance();
  std::string var;
  if (cur_.kind != Tok::kWord || !cur_.word.Plain(&var) || var.empty() ||
      !IsNameChar(var[0], true)) {
    return Fail("syntax error: bad for loop variable");
  }
  ForLoop loop{var, {}};
  Advance();
  if (Keyword("in")) {
    Advance();
    while (Ok() && cur_.kind == Tok::kWord) {
      loop.items.push_back(std::move(cur_.word));
      Advance();
    }
  }
  SkipSeparators();
  Expect("do");
  p_.loops.push_back(std::move(loop));
  size_t index = p_.loops.size() - 1;
  Emit(Op::Kind::kForInit, index);
  size_t next = Emit(Op::Kind::kForNext, index);
  ParseList({"done"});
  Expect("done");
  p_.ops[Emit(Op::Kind::kJump)].target = next;
  p_.ops[next].target = p_.ops.size();
}

void Parser::ParseIf() {
  std::vector<size_t> ends;
  do {
    Advance();  // `if` or `elif`
    ParseList({"then"});
    Expect("then");
    size_t skip = Emit(Op::Kind::kJumpIfFail);
    ParseList({"elif", "else", "fi"});
    ends.push_back(Emit(Op::Kind::kJump));
    p_.ops[skip].target = p_.ops.size();
  } while (Ok() && Keyword("elif"));
  if (Keyword("else")) {
    Advance();
    ParseList({"fi"});
  } else {
    Emit(Op::Kind::kStatusZero);  // no branch taken: `if` answers 0
  }
  Expect("fi");
  for (size_t end : ends) p_.ops[end].target = p_.ops.size();
}

}  // namespace

std::shared_ptr<const Shell::Program> ParseScript(const std::string& script) {
  auto program = std::make_shared<Shell::Program>();
  Parser(script, *program).Parse();
  if (!program->error.empty()) {
    program->ops.clear();
    program->commands.clear();
    program->loops.clear();
  }
  return program;
}

std::shared_ptr<const Shell::Program> LiteralCommand(const std::vector<std::string>& argv) {
  auto program = std::make_shared<Shell::Program>();
  std::vector<Word> words;
  for (const std::string& arg : argv) {
    words.push_back(Word{{Literal(arg, true)}});
  }
  program->commands.push_back(std::move(words));
  program->ops.push_back(Op{Op::Kind::kCommand, 0, 0});
  return program;
}

}  // namespace pk::fakecri
