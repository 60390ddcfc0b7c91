// Tests ported from k8s.io/apimachinery/pkg/fields/selector_test.go.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "apimachinery/selectors.h"

namespace pk {
namespace {

using Fields = std::map<std::string, std::string>;
using Op = FieldSelector::Op;

FieldSelector MustParse(std::string_view text) {
  Result<FieldSelector> selector = FieldSelector::Parse(text);
  INFO(std::string(text));
  REQUIRE(selector.ok());
  return *selector;
}

std::string ParseError(std::string_view text) {
  Result<FieldSelector> selector = FieldSelector::Parse(text);
  INFO(std::string(text));
  REQUIRE_FALSE(selector.ok());
  CHECK(selector.status().reason() == Reason::kBadRequest);
  return selector.status().message();
}

bool Matches(std::string_view selector, const Fields& fields) {
  return MustParse(selector).Matches(
      [&fields](std::string_view field) -> std::optional<std::string_view> {
        auto it = fields.find(std::string(field));
        if (it == fields.end()) return std::nullopt;
        return std::string_view(it->second);
      });
}

TEST_CASE("FieldSelector::Parse good strings round-trip through String") {
  for (const char* text : {"x=a,y=b,z=c", "", "x!=a,y=b", R"(x=a||y\=b)", R"(x=a\=\=b)"}) {
    CHECK(MustParse(text).String() == text);
  }
  CHECK(MustParse("x=a,a=x").String() == MustParse("a=x,x=a").String());
  CHECK(MustParse("x==a").String() == "x=a");
  CHECK(MustParse("x=a,").String() == "x=a");
  CHECK(MustParse(",x=a").String() == "x=a");
  CHECK(MustParse("함=수,목=록").String() == "목=록,함=수");
  CHECK(MustParse("").Empty());
  CHECK_FALSE(MustParse("a=b").Empty());
}

TEST_CASE("FieldSelector::Parse rejects what Kubernetes rejects, with its wording") {
  CHECK(ParseError("x=a||y=b") == "invalid field selector: unescaped character in value: 61");
  CHECK(ParseError("x==a==b") == "invalid field selector: unescaped character in value: 61");
  CHECK(ParseError("x=a,b") == "invalid selector: 'x=a,b'; can't understand 'b'");
  CHECK(ParseError("x in (a)") == "invalid selector: 'x in (a)'; can't understand 'x in (a)'");
  CHECK(ParseError("x in (a,b,c)") == "invalid selector: 'x in (a,b,c)'; can't understand 'b'");
  CHECK(ParseError("x") == "invalid selector: 'x'; can't understand 'x'");
  CHECK(ParseError(R"(k=\)") == R"(invalid field selector: invalid escape sequence: \)");
  CHECK(ParseError(R"(k=\\\)") == R"(invalid field selector: invalid escape sequence: \)");
  CHECK(ParseError(R"(k=\a)") == R"(invalid field selector: invalid escape sequence: \a)");
  CHECK(ParseError("k=\\수") == "invalid field selector: invalid escape sequence: \\수");
}

TEST_CASE("FieldSelector escapes (Go's TestSplitTerms, TestSplitTerm, TestEscapeValue)") {
  // An escaped comma does not split terms. Terms are sorted: "k2=v2" sorts before "k=...".
  const FieldSelector escaped_comma = MustParse(R"(k=\,,k2=v2)");
  REQUIRE(escaped_comma.requirements().size() == 2);
  CHECK(escaped_comma.requirements()[0].field == "k2");
  CHECK(escaped_comma.requirements()[0].value == "v2");
  CHECK(escaped_comma.requirements()[1].field == "k");
  CHECK(escaped_comma.requirements()[1].value == ",");
  CHECK(MustParse(R"(k=\\,k2=v2)").RequiresExactMatch("k") == R"(\)");
  CHECK(MustParse(R"(k=\\\,,k2=v2)").RequiresExactMatch("k") == R"(\,)");
  CHECK(MustParse(R"(k=\=)").requirements()[0].value == "=");
  CHECK(MustParse(R"(b==value)").requirements()[0].value == "value");
  const FieldSelector not_equal = MustParse("c!=value");
  CHECK(not_equal.requirements()[0].field == "c");
  CHECK(not_equal.requirements()[0].op == Op::kNotEquals);
  // Values are escaped again on output.
  for (const char* text : {R"(k=\=)", R"(k=\,)", R"(k=\\)", R"(k=\\\=\\\,\\)", "k="}) {
    CHECK(MustParse(text).String() == text);
  }
}

TEST_CASE("FieldSelector::Matches") {
  CHECK(Matches("", {{"x", "y"}}));
  CHECK(Matches("x=y", {{"x", "y"}}));
  CHECK(Matches("x=y,z=w", {{"x", "y"}, {"z", "w"}}));
  CHECK(Matches("x!=y,z!=w", {{"x", "z"}, {"z", "a"}}));
  CHECK(Matches("notin=in", {{"notin", "in"}}));
  CHECK_FALSE(Matches("x=y", {{"x", "z"}}));
  CHECK_FALSE(Matches("x=y,z=w", {{"x", "w"}, {"z", "w"}}));
  CHECK_FALSE(Matches("x!=y,z!=w", {{"x", "z"}, {"z", "w"}}));
  const Fields fieldset = {{"foo", "bar"}, {"baz", "blah"}, {"complex", R"(=value\,\)"}};
  CHECK(Matches("foo=bar", fieldset));
  CHECK(Matches("baz=blah", fieldset));
  CHECK(Matches("foo=bar,baz=blah", fieldset));
  CHECK(Matches(R"(foo=bar,baz=blah,complex=\=value\\\,\\)", fieldset));
  CHECK_FALSE(Matches("foo=blah", fieldset));
  CHECK_FALSE(Matches("baz=bar", fieldset));
  CHECK_FALSE(Matches("foo=bar,foobar=bar,baz=blah", fieldset));
  // An absent field matches as "".
  CHECK(Matches("spec.nodeName=", {}));
  CHECK_FALSE(Matches("spec.nodeName!=", {}));
  CHECK(Matches("spec.nodeName!=node-1", {}));
}

TEST_CASE("FieldSelector::RequiresExactMatch") {
  CHECK_FALSE(MustParse("").RequiresExactMatch("test"));
  CHECK_FALSE(MustParse("a=b").RequiresExactMatch("test"));
  CHECK(MustParse("test=b").RequiresExactMatch("test") == "b");
  CHECK(MustParse("test=").RequiresExactMatch("test") == "");
  CHECK_FALSE(MustParse("test!=b").RequiresExactMatch("test"));
  CHECK_FALSE(MustParse("test!=").RequiresExactMatch("test"));
  CHECK(MustParse("a=,test=b").RequiresExactMatch("test") == "b");
  CHECK(MustParse("metadata.name==x").RequiresExactMatch("metadata.name") == "x");
}

}  // namespace
}  // namespace pk
