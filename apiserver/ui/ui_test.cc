#include "apiserver/ui/ui.h"

#include <doctest/doctest.h>

#include "tests/testing.h"

namespace pk::apiserver::ui {
namespace {

std::optional<Response> Get(const std::string& path, const std::string& method = "GET") {
  Request r;
  r.method = method;
  r.path = path;
  return Serve(r);
}

std::string HeaderOf(const Response& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "";
}

TEST_CASE("the embedded page is index.html byte for byte") {
  // The source tree's file, found from the fixtures folder (tests/fixtures/../..).
  std::string source = testing::ReadFile(testing::FixturePath("../../apiserver/ui/index.html"));
  CHECK(kIndexHtml.size() == source.size());
  CHECK(kIndexHtml == source);
}

TEST_CASE("GET /ui/ serves the page as HTML") {
  for (const char* path : {"/ui/", "/ui/index.html"}) {
    auto r = Get(path);
    REQUIRE(r);
    CHECK(r->code == 200);
    CHECK(r->content_type == "text/html; charset=utf-8");
    CHECK(r->body == kIndexHtml);
    CHECK(r->body.find("<title>picokube cluster</title>") != std::string::npos);
    CHECK(HeaderOf(*r, "Content-Security-Policy").find("connect-src 'self'") !=
          std::string::npos);
    CHECK(HeaderOf(*r, "X-Content-Type-Options") == "nosniff");
  }
  auto head = Get("/ui/", "HEAD");
  REQUIRE(head);
  CHECK(head->code == 200);
}

TEST_CASE("/ui redirects to /ui/") {
  auto r = Get("/ui");
  REQUIRE(r);
  CHECK(r->code == 301);
  CHECK(HeaderOf(*r, "Location") == "/ui/");
}

TEST_CASE("other paths and methods are not the page's") {
  CHECK_FALSE(Get("/ui/app.js"));
  CHECK_FALSE(Get("/uix"));
  CHECK_FALSE(Get("/"));
  CHECK_FALSE(Get("/ui/", "POST"));
  CHECK_FALSE(Get("/ui", "DELETE"));
}

}  // namespace
}  // namespace pk::apiserver::ui
