#include "apiserver/authn/authn.h"

#include <doctest/doctest.h>

#include <fstream>

#include "tests/testing.h"

namespace pk::apiserver::authn {
namespace {

Request WithHeader(const std::string& authorization) {
  Request r;
  if (!authorization.empty()) r.headers["authorization"] = authorization;
  return r;
}

TEST_CASE("the token file: kube-apiserver's CSV, with quoted groups") {
  auto tokens = ParseTokenFile(
      "# comment\n"
      "abc123,alice,1001,\"dev,ops\"\n"
      "def456,bob,1002\r\n"
      "\n"
      "\"q,uoted\",carol,1003,admins\n",
      "tokens.csv");
  REQUIRE_MESSAGE(tokens.ok(), tokens.status().message());
  CHECK(tokens->size() == 3);
  CHECK(tokens->at("abc123").name == "alice");
  CHECK(tokens->at("abc123").uid == "1001");
  CHECK(tokens->at("abc123").groups == std::vector<std::string>{"dev", "ops"});
  CHECK(tokens->at("def456").groups.empty());
  CHECK(tokens->at("q,uoted").name == "carol");

  auto short_line = ParseTokenFile("ok,alice,1\nonly,two\n", "t.csv");
  REQUIRE_FALSE(short_line.ok());
  CHECK(short_line.status().message().find("t.csv:2: want token,user,uid") == 0);
  auto twice = ParseTokenFile("x,alice,1\nx,bob,2\n", "t.csv");
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.status().message() == "t.csv:2: duplicate token (user bob)");
  CHECK_FALSE(ParseTokenFile("\"open,alice,1\n", "t.csv").ok());
}

TEST_CASE("tokens name users; wrong credentials are 401, missing ones anonymous") {
  pk::testing::TempDir dir;
  const auto file = dir.path() / "tokens.csv";
  std::ofstream(file) << "secret,alice,1001,dev\n";
  AuthenticationOptions options;
  options.token_auth_file = file.string();
  auto authenticate = NewAuthenticator(options);
  REQUIRE(authenticate.ok());

  auto alice = (*authenticate)(WithHeader("Bearer secret"));
  REQUIRE(alice.ok());
  CHECK(alice->name == "alice");
  CHECK(alice->groups == std::vector<std::string>{"dev", "system:authenticated"});
  CHECK((*authenticate)(WithHeader("bearer secret")).ok());  // the scheme is case-insensitive

  for (const char* wrong : {"Bearer nope", "Basic YWxpY2U6eA==", "Bearer "}) {
    auto r = (*authenticate)(WithHeader(wrong));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == 401);
    CHECK(r.status().message() == "Unauthorized");
  }

  auto anonymous = (*authenticate)(WithHeader(""));
  REQUIRE(anonymous.ok());
  CHECK(anonymous->name == "system:anonymous");
  CHECK(anonymous->groups == std::vector<std::string>{"system:unauthenticated"});

  options.anonymous = false;
  auto strict = NewAuthenticator(options);
  REQUIRE(strict.ok());
  CHECK((*strict)(WithHeader("")).status().code() == 401);

  options.token_auth_file = (dir.path() / "missing.csv").string();
  CHECK_FALSE(NewAuthenticator(options).ok());
}

}  // namespace
}  // namespace pk::apiserver::authn
