// Tests ported from k8s.io/apimachinery/pkg/labels/selector_test.go, plus Kubernetes' error
// wording and metav1.LabelSelectorAsSelector.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "apimachinery/selectors.h"
#include "apimachinery/selectors_internal.h"
#include "proto/meta/v1/meta.pb.h"

namespace pk {
namespace {

using Op = LabelSelector::Op;
using Labels = std::map<std::string, std::string>;

LabelSelector MustParse(std::string_view text) {
  Result<LabelSelector> selector = LabelSelector::Parse(text);
  INFO(std::string(text));
  REQUIRE(selector.ok());
  return *selector;
}

std::string ParseError(std::string_view text) {
  Result<LabelSelector> selector = LabelSelector::Parse(text);
  INFO(std::string(text));
  REQUIRE_FALSE(selector.ok());
  CHECK(selector.status().reason() == Reason::kBadRequest);
  return selector.status().message();
}

std::string WithoutSpaces(std::string s) {
  std::erase(s, ' ');
  return s;
}

TEST_CASE("LabelSelector::Parse good and bad strings") {
  for (const char* text :
       {"x=a,y=b,z=c", "", "x!=a,y=b", "x=", "x= ", "x=,z= ", "x= ,z= ", "!x", "x>1", "x>1,z<5"}) {
    CHECK(MustParse(text).String() == WithoutSpaces(text));
  }
  for (const char* text : {"x=a||y=b", "x==a==b", "!x=a", "x<a"}) ParseError(text);
  CHECK(MustParse("x=a,a=x").String() == MustParse("a=x,x=a").String());
}

void ExpectMatch(std::string_view selector, const Labels& labels, bool match) {
  INFO(std::string(selector));
  CHECK(MustParse(selector).Matches(labels) == match);
}

TEST_CASE("LabelSelector::Matches") {
  ExpectMatch("", {{"x", "y"}}, true);
  ExpectMatch("x=y", {{"x", "y"}}, true);
  ExpectMatch("x=y,z=w", {{"x", "y"}, {"z", "w"}}, true);
  ExpectMatch("x!=y,z!=w", {{"x", "z"}, {"z", "a"}}, true);
  ExpectMatch("notin=in", {{"notin", "in"}}, true);  // in and notin as key and value
  ExpectMatch("x", {{"x", "z"}}, true);
  ExpectMatch("!x", {{"y", "z"}}, true);
  ExpectMatch("x>1", {{"x", "2"}}, true);
  ExpectMatch("x<1", {{"x", "0"}}, true);
  ExpectMatch("x=z", {}, false);
  ExpectMatch("x=y", {{"x", "z"}}, false);
  ExpectMatch("x=y,z=w", {{"x", "w"}, {"z", "w"}}, false);
  ExpectMatch("x!=y,z!=w", {{"x", "z"}, {"z", "w"}}, false);
  ExpectMatch("x", {{"y", "z"}}, false);
  ExpectMatch("!x", {{"x", "z"}}, false);
  ExpectMatch("x>1", {{"x", "0"}}, false);
  ExpectMatch("x<1", {{"x", "2"}}, false);
  ExpectMatch("x>1", {{"x", "v2"}}, false);
  ExpectMatch("x>1", {}, false);
  ExpectMatch("x in (a,b)", {{"x", "b"}}, true);
  ExpectMatch("x in (a,b)", {}, false);
  ExpectMatch("x notin (a,b)", {}, true);
  ExpectMatch("x notin (a,b)", {{"x", "a"}}, false);
  ExpectMatch("x in ()", {{"x", ""}}, true);
  const Labels labelset = {{"foo", "bar"}, {"baz", "blah"}};
  ExpectMatch("foo=bar", labelset, true);
  ExpectMatch("baz=blah", labelset, true);
  ExpectMatch("foo=bar,baz=blah", labelset, true);
  ExpectMatch("foo=blah", labelset, false);
  ExpectMatch("baz=bar", labelset, false);
  ExpectMatch("foo=bar,foobar=bar,baz=blah", labelset, false);
}

TEST_CASE("Everything and Nothing") {
  const LabelSelector everything;
  CHECK(everything.Empty());
  CHECK(everything.Matches(Labels{{"x", "y"}}));
  CHECK(everything.String().empty());
  const LabelSelector nothing = LabelSelector::Nothing();
  CHECK_FALSE(nothing.Empty());
  CHECK_FALSE(nothing.Matches(Labels{}));
  CHECK_FALSE(nothing.Matches(Labels{{"x", "y"}}));
  CHECK(nothing.String().empty());
}

struct Expected {
  std::string key;
  Op op;
  std::vector<std::string> values;
};

void ExpectRequirements(std::string_view text, const std::vector<Expected>& expected) {
  INFO(std::string(text));
  const LabelSelector selector = MustParse(text);
  REQUIRE(selector.requirements().size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    CHECK(selector.requirements()[i].key == expected[i].key);
    CHECK(selector.requirements()[i].op == expected[i].op);
    CHECK(selector.requirements()[i].values == expected[i].values);
  }
}

TEST_CASE("LabelSelector::Parse set-based syntax (Go's TestSetSelectorParser)") {
  ExpectRequirements("", {});
  ExpectRequirements("\rx", {{"x", Op::kExists, {}}});
  ExpectRequirements("this-is-a-dns.domain.com/key-with-dash",
                     {{"this-is-a-dns.domain.com/key-with-dash", Op::kExists, {}}});
  ExpectRequirements("this-is-another-dns.domain.com/key-with-dash in (so,what)",
                     {{"this-is-another-dns.domain.com/key-with-dash", Op::kIn, {"so", "what"}}});
  ExpectRequirements("0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
                     {{"0.1.2.domain/99", Op::kNotIn, {"10.10.100.1", "tick.tack.clock"}}});
  ExpectRequirements("foo  in\t (abc)", {{"foo", Op::kIn, {"abc"}}});
  ExpectRequirements("x notin\n (abc)", {{"x", Op::kNotIn, {"abc"}}});
  ExpectRequirements("x  notin\t\t\t(abc,def)", {{"x", Op::kNotIn, {"abc", "def"}}});
  ExpectRequirements("x in (abc,def)", {{"x", Op::kIn, {"abc", "def"}}});
  ExpectRequirements("x in (abc,)", {{"x", Op::kIn, {"", "abc"}}});
  ExpectRequirements("x in ()", {{"x", Op::kIn, {""}}});
  ExpectRequirements("x notin (abc,,def),bar,z in (),w", {{"bar", Op::kExists, {}},
                                                          {"w", Op::kExists, {}},
                                                          {"x", Op::kNotIn, {"", "abc", "def"}},
                                                          {"z", Op::kIn, {""}}});
  ExpectRequirements("x,y in (a)", {{"x", Op::kExists, {}}, {"y", Op::kIn, {"a"}}});
  ExpectRequirements("x=a", {{"x", Op::kEquals, {"a"}}});
  ExpectRequirements("x==a", {{"x", Op::kEquals, {"a"}}});
  ExpectRequirements("x>1", {{"x", Op::kGt, {"1"}}});
  ExpectRequirements("x<7", {{"x", Op::kLt, {"7"}}});
  ExpectRequirements("x=a,y!=b", {{"x", Op::kEquals, {"a"}}, {"y", Op::kNotEquals, {"b"}}});
  ExpectRequirements(
      "x=a,y!=b,z in (h,i,j)",
      {{"x", Op::kEquals, {"a"}}, {"y", Op::kNotEquals, {"b"}}, {"z", Op::kIn, {"h", "i", "j"}}});
  ExpectRequirements("x notin ( )", {{"x", Op::kNotIn, {""}}});
  ExpectRequirements("x notin (, a)", {{"x", Op::kNotIn, {"", "a"}}});
  ExpectRequirements("a ", {{"a", Op::kExists, {}}});
  ExpectRequirements("a in (x,y,notin, z,in)", {{"a", Op::kIn, {"in", "notin", "x", "y", "z"}}});
  ExpectRequirements("x in (b,a,b)", {{"x", Op::kIn, {"a", "b"}}});
  for (const char* bad : {"x=a||y=b", "x,y,", ",x,y", "x nott in (y)", "a in (xyz),",
                          "a in (xyz)b notin ()", "a in (xyz abc)", "a notin(", "a (", "("}) {
    ParseError(bad);
  }
}

TEST_CASE("LabelSelector::Parse errors carry Kubernetes' wording") {
  const std::string key_regex =
      "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
      "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
      "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
  const std::string value_regex =
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
      "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
      "'my_value',  or '12345', regex used for validation is "
      "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
  const std::string subdomain_regex =
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
      "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
      "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
  CHECK(ParseError("a:") ==
        "unable to parse requirement: <nil>: Invalid value: \"a:\": name part " + key_regex);
  CHECK(ParseError("env IN (a)") ==
        "unable to parse requirement: found 'IN', expected: in, notin, =, ==, !=, gt, lt");
  CHECK(ParseError("a (") ==
        "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt");
  CHECK(ParseError("x,,y") == "found ',', expected: identifier after ','");
  CHECK(ParseError(",x") == "found ',', expected: !, identifier, or 'end of string'");
  CHECK(ParseError("(") == "found '(', expected: !, identifier, or 'end of string'");
  CHECK(ParseError("x=a b") == "found 'b', expected: ',' or 'end of string'");
  CHECK(ParseError("x==a==b") == "found '==', expected: ',' or 'end of string'");
  CHECK(ParseError("!x=a") == "found '=', expected: ',' or 'end of string'");
  CHECK(ParseError("x in (xyz abc)") ==
        "unable to parse requirement: found 'abc', expected: ',' or ')'");
  CHECK(ParseError("x in a") == "unable to parse requirement: found 'a' expected: '('");
  CHECK(ParseError("a notin(") ==
        "unable to parse requirement: found '', expected: ',', ')' or identifier");
  CHECK(ParseError("x in (a,b") == "unable to parse requirement: found '', expected: ',' or ')'");
  CHECK(ParseError("x=(") == "unable to parse requirement: found '(', expected: identifier");
  CHECK(ParseError("!=") == "found '!=', expected: !, identifier, or 'end of string'");
  CHECK(ParseError("!,") == "unable to parse requirement: found ',', expected: identifier");
  CHECK(ParseError("x<a") ==
        "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' "
        "operators, the value must be an integer");
  CHECK(ParseError("x=a;b") ==
        "unable to parse requirement: values[0][x]: Invalid value: \"a;b\": " + value_regex);
  CHECK(ParseError("x=" + std::string(64, 'a')) ==
        "unable to parse requirement: values[0][x]: Invalid value: \"" + std::string(64, 'a') +
            "\": must be no more than 63 bytes");
  CHECK(ParseError("Example.com/x") ==
        "unable to parse requirement: <nil>: Invalid value: \"Example.com/x\": prefix part " +
            subdomain_regex);
  CHECK(ParseError("/x") ==
        "unable to parse requirement: <nil>: Invalid value: \"/x\": prefix part must be "
        "non-empty");
  CHECK(ParseError("x/") ==
        "unable to parse requirement: <nil>: Invalid value: \"x/\": name part must be non-empty; "
        "name part " +
            key_regex);
  CHECK(ParseError("a/b/c") ==
        "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a valid label key " +
            key_regex +
            " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
  CHECK(ParseError(std::string(64, 'k')) ==
        "unable to parse requirement: <nil>: Invalid value: \"" + std::string(64, 'k') +
            "\": name part must be no more than 63 bytes");
}

TEST_CASE("NewRequirement validation (Go's TestRequirementConstructor)") {
  using selectors_internal::NewRequirement;
  CHECK_FALSE(NewRequirement("x", Op::kIn, {}, true).ok());
  CHECK_FALSE(NewRequirement("x", Op::kNotIn, {}).ok());
  CHECK(NewRequirement("x", Op::kIn, {"foo"}).ok());
  CHECK(NewRequirement("x", Op::kNotIn, {"foo"}).ok());
  CHECK(NewRequirement("x", Op::kExists, {}).ok());
  CHECK(NewRequirement("x", Op::kDoesNotExist, {}).ok());
  CHECK(NewRequirement("1foo", Op::kIn, {"bar"}).ok());
  CHECK(NewRequirement("1234", Op::kIn, {"bar"}).ok());
  CHECK(NewRequirement("y", Op::kGt, {"1"}).ok());
  CHECK(NewRequirement("z", Op::kLt, {"6"}).ok());
  // Integers, but not label values: a label value starts with an alphanumeric character.
  CHECK_FALSE(NewRequirement("z", Op::kLt, {"-6"}).ok());
  CHECK_FALSE(NewRequirement("z", Op::kGt, {"+6"}).ok());
  CHECK_FALSE(NewRequirement("foo", Op::kGt, {"bar"}).ok());
  CHECK_FALSE(NewRequirement("barz", Op::kLt, {"blah"}).ok());
  CHECK_FALSE(NewRequirement(std::string(254, 'a'), Op::kExists, {}).ok());
  CHECK(NewRequirement("x", Op::kIn, {}, true).status().message() ==
        "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be "
        "empty");
  CHECK(NewRequirement("x", Op::kExists, {"a", "b"}).status().message() ==
        "values: Invalid value: []string{\"a\", \"b\"}: values set must be empty for exists and "
        "does not exist");
  CHECK(NewRequirement("x", Op::kEquals, {}).status().message() ==
        "values: Invalid value: []string{}: exact-match compatibility requires one single value");
  CHECK(NewRequirement("x", Op::kGt, {"1", "2"}).status().message() ==
        "values: Invalid value: []string{\"1\", \"2\"}: for 'Gt', 'Lt' operators, exactly one "
        "value is required");
  CHECK(NewRequirement("a b", Op::kIn, {}).status().message() ==
        "[key: Invalid value: \"a b\": name part must consist of alphanumeric characters, '-', "
        "'_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or "
        "'my.name',  or '123-abc', regex used for validation is "
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'), values: Invalid value: []string{}: for "
        "'in', 'notin' operators, values set can't be empty]");
}

LabelSelector::Requirement Req(std::string key, Op op, std::vector<std::string> values) {
  Result<LabelSelector::Requirement> r =
      selectors_internal::NewRequirement(std::move(key), op, std::move(values));
  REQUIRE(r.ok());
  return *r;
}

TEST_CASE("LabelSelector::String (Go's TestToString)") {
  CHECK(MustParse("x in (abc,def),y notin (jkl),z").String() == "x in (abc,def),y notin (jkl),z");
  CHECK(MustParse("x notin (def,abc),y!=jkl,!z").String() == "x notin (abc,def),y!=jkl,!z");
  CHECK(MustParse("z notin (), y in (mno,jkl),x notin (abc)").String() ==
        "x notin (abc),y in (jkl,mno),z notin ()");
  // Kubernetes would print "y==jkl"; picokube keeps no separate "==" operator.
  CHECK(MustParse("x=abc,y==jkl,z!=a,z").String() == "x=abc,y=jkl,z!=a,z");
  CHECK(MustParse("x>2,y<8,z").String() == "x>2,y<8,z");
  CHECK(MustParse("  b = 1 , a in ( x , y ) ").String() == "a in (x,y),b=1");
  CHECK(Req("x", Op::kIn, {"def", "abc"}).values == std::vector<std::string>{"abc", "def"});
}

TEST_CASE("LabelSelector::RequiresExactMatch") {
  CHECK(MustParse("a=b,c=d").RequiresExactMatch("c") == "d");
  CHECK(MustParse("a==b").RequiresExactMatch("a") == "b");
  CHECK(MustParse("a in (b)").RequiresExactMatch("a") == "b");
  CHECK_FALSE(MustParse("a in (b,c)").RequiresExactMatch("a"));
  CHECK_FALSE(MustParse("a!=b").RequiresExactMatch("a"));
  CHECK_FALSE(MustParse("a=b").RequiresExactMatch("x"));
  CHECK_FALSE(LabelSelector().RequiresExactMatch("a"));
}

TEST_CASE("LabelSelector::MatchesMap works with protobuf maps") {
  k8s::meta::v1::ObjectMeta meta;
  (*meta.mutable_labels())["app"] = "web";
  CHECK(MustParse("app=web").MatchesMap(meta.labels()));
  CHECK_FALSE(MustParse("app=db").MatchesMap(meta.labels()));
  CHECK(MustParse("!tier").MatchesMap(meta.labels()));
}

k8s::meta::v1::LabelSelectorRequirement* AddExpression(k8s::meta::v1::LabelSelector* s,
                                                       std::string key, std::string op,
                                                       std::vector<std::string> values) {
  auto* expr = s->add_match_expressions();
  expr->set_key(std::move(key));
  expr->set_operator_(std::move(op));
  for (std::string& v : values) expr->add_values(std::move(v));
  return expr;
}

TEST_CASE("LabelSelector::FromProto (metav1.LabelSelectorAsSelector)") {
  k8s::meta::v1::LabelSelector proto;
  SUBCASE("empty is everything") {
    Result<LabelSelector> s = LabelSelector::FromProto(proto);
    REQUIRE(s.ok());
    CHECK(s->Empty());
    CHECK(s->Matches(Labels{{"a", "b"}}));
  }
  SUBCASE("matchLabels and matchExpressions") {
    (*proto.mutable_match_labels())["tier"] = "fe";
    (*proto.mutable_match_labels())["app"] = "web";
    AddExpression(&proto, "env", "In", {"prod", "dev"});
    AddExpression(&proto, "zone", "NotIn", {"a"});
    AddExpression(&proto, "canary", "DoesNotExist", {});
    AddExpression(&proto, "owner", "Exists", {});
    Result<LabelSelector> s = LabelSelector::FromProto(proto);
    REQUIRE(s.ok());
    CHECK(s->String() == "app=web,!canary,env in (dev,prod),owner,tier=fe,zone notin (a)");
    CHECK(s->RequiresExactMatch("app") == "web");
    CHECK(s->Matches(Labels{{"app", "web"}, {"tier", "fe"}, {"env", "dev"}, {"owner", "x"}}));
    CHECK_FALSE(s->Matches(Labels{{"app", "web"}, {"tier", "fe"}, {"env", "dev"}}));
    CHECK_FALSE(s->Matches(
        Labels{{"app", "web"}, {"tier", "fe"}, {"env", "dev"}, {"owner", "x"}, {"zone", "a"}}));
  }
  SUBCASE("errors") {
    SUBCASE("unknown operator") {
      AddExpression(&proto, "a", "Foo", {});
      CHECK(LabelSelector::FromProto(proto).status().message() ==
            "\"Foo\" is not a valid label selector operator");
    }
    SUBCASE("Gt is not a LabelSelector operator") {
      AddExpression(&proto, "a", "Gt", {"1"});
      CHECK(LabelSelector::FromProto(proto).status().message() ==
            "\"Gt\" is not a valid label selector operator");
    }
    SUBCASE("In without values") {
      AddExpression(&proto, "a", "In", {});
      CHECK(LabelSelector::FromProto(proto).status().message() ==
            "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't "
            "be empty");
    }
    SUBCASE("Exists with values") {
      AddExpression(&proto, "a", "Exists", {"x"});
      CHECK(LabelSelector::FromProto(proto).status().message() ==
            "values: Invalid value: []string{\"x\"}: values set must be empty for exists and does "
            "not exist");
    }
    SUBCASE("bad matchLabels value") {
      (*proto.mutable_match_labels())["app"] = "bad value";
      const Status status = LabelSelector::FromProto(proto).status();
      CHECK(status.reason() == Reason::kBadRequest);
      CHECK(status.message().starts_with(
          "values[0][app]: Invalid value: \"bad value\": a valid label must be an empty string"));
    }
  }
}

}  // namespace
}  // namespace pk
