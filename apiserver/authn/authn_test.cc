#include "apiserver/authn/authn.h"

#include <doctest/doctest.h>

#include <fstream>

#include "proto/authentication/v1/authentication.pb.h"
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

// A token authenticator for tokens "sa-*": "sa-bad" is its kind but invalid.
Result<std::optional<TokenUser>> FakeServiceAccounts(const std::string& token,
                                                     const std::vector<std::string>& audiences) {
  if (!token.starts_with("sa-")) return std::optional<TokenUser>();
  if (token == "sa-bad") return Status::Unauthorized("service account token has expired");
  TokenUser user{{"system:serviceaccount:ns:bot", "u1", {"system:serviceaccounts"}}, audiences};
  user.user.extra["authentication.kubernetes.io/pod-name"] = {"web"};
  return std::optional<TokenUser>(std::move(user));
}

TEST_CASE("token authenticators join the union; TokenReview and SelfSubjectReview answer") {
  AuthenticationOptions options;
  options.token_authenticators.push_back(FakeServiceAccounts);
  options.api_audiences = {"https://kubernetes.default.svc.cluster.local"};
  auto authentication = NewAuthentication(options);
  REQUIRE(authentication.ok());

  auto bot = authentication->authenticate(WithHeader("Bearer sa-good"));
  REQUIRE(bot.ok());
  CHECK(bot->name == "system:serviceaccount:ns:bot");
  CHECK(bot->groups == std::vector<std::string>{"system:serviceaccounts", "system:authenticated"});
  CHECK(authentication->authenticate(WithHeader("Bearer sa-bad")).status().code() == 401);
  CHECK(authentication->authenticate(WithHeader("Bearer other")).status().code() == 401);

  k8s::authentication::v1::TokenReview review;
  review.mutable_spec()->set_token("sa-good");
  REQUIRE(authentication->review(Request(), &review).ok());
  CHECK(review.status().authenticated());
  CHECK(review.status().user().username() == "system:serviceaccount:ns:bot");
  CHECK(review.status().user().extra().at("authentication.kubernetes.io/pod-name").items(0) ==
        "web");
  CHECK(review.status().audiences(0) == "https://kubernetes.default.svc.cluster.local");

  review.mutable_spec()->set_token("sa-bad");
  REQUIRE(authentication->review(Request(), &review).ok());
  CHECK_FALSE(review.status().authenticated());
  CHECK(review.status().error() == "service account token has expired");
  review.mutable_spec()->set_token("nothing");
  REQUIRE(authentication->review(Request(), &review).ok());
  CHECK(review.status().error() == "invalid bearer token");
  review.mutable_spec()->clear_token();
  CHECK(authentication->review(Request(), &review).message() ==
        "token is required for TokenReview in authentication");

  Request request;
  request.user = *bot;
  k8s::authentication::v1::SelfSubjectReview self;
  REQUIRE(authentication->review(request, &self).ok());
  CHECK(self.status().user_info().username() == "system:serviceaccount:ns:bot");
  CHECK(self.status().user_info().groups_size() == 2);
  CHECK(self.metadata().creation_timestamp().seconds() > 0);
}

}  // namespace
}  // namespace pk::apiserver::authn
