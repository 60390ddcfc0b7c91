#include "fake-cri/catalog.h"

#include <doctest/doctest.h>

#include <fstream>

#include "tests/testing.h"

namespace pk::fakecri {
namespace {

std::string Canonical(const char* image) {
  Result<ImageRef> ref = ParseImageRef(image);
  return ref.ok() ? ref->Canonical() : "error: " + ref.status().message();
}

TEST_CASE("references normalise like Docker's") {
  CHECK(Canonical("nginx") == "docker.io/library/nginx:latest");
  CHECK(Canonical("nginx:latest") == "docker.io/library/nginx:latest");
  CHECK(Canonical("docker.io/library/nginx:latest") == "docker.io/library/nginx:latest");
  CHECK(Canonical("library/nginx:1.25") == "docker.io/library/nginx:1.25");
  CHECK(Canonical("bitnami/redis") == "docker.io/bitnami/redis:latest");
  CHECK(Canonical("registry.k8s.io/pause:3.9") == "registry.k8s.io/pause:3.9");
  CHECK(Canonical("localhost:5000/app") == "localhost:5000/app:latest");
  std::string digest = "sha256:" + std::string(64, 'a');
  CHECK(Canonical(("nginx@" + digest).c_str()) == "docker.io/library/nginx@" + digest);
  CHECK(Canonical(("nginx:1.25@" + digest).c_str()) == "docker.io/library/nginx:1.25");
  for (std::string bad : {"", "NGINX", "nginx:", "nginx@sha256:zz", "/x", "a b"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseImageRef(bad).ok());
  }
}

TEST_CASE("the shipped catalog knows the common images, any tag of them") {
  Catalog catalog = Catalog::Shipped();
  REQUIRE(catalog.images().size() >= 6);
  const ImageInfo* nginx = catalog.Find(*ParseImageRef("nginx:1.99-made-up"));
  REQUIRE(nginx != nullptr);
  REQUIRE(nginx->serve.has_value());
  CHECK(nginx->serve->ports == std::vector<int>{80});
  CHECK(nginx->serve->exits_on_sigterm);
  CHECK(nginx->pull_time == std::chrono::milliseconds(500));
  CHECK(nginx->serve->stdout_lines.back() ==
        "/docker-entrypoint.sh: Configuration complete; ready for start up");
  const ImageInfo* pause = catalog.Find(*ParseImageRef("registry.k8s.io/pause:3.9"));
  REQUIRE(pause != nullptr);
  CHECK(pause->preloaded);
  const ImageInfo* busybox = catalog.Find(*ParseImageRef("docker.io/library/busybox:1.36"));
  REQUIRE(busybox != nullptr);
  CHECK_FALSE(busybox->serve.has_value());
  CHECK(busybox->cmd == std::vector<std::string>{"sh"});
  for (const char* image : {"alpine", "redis", "httpd"}) CHECK(catalog.Find(*ParseImageRef(image)));
  CHECK(catalog.Find(*ParseImageRef("nosuch")) == nullptr);
  CHECK(catalog.Find(*ParseImageRef("quay.io/nginx")) == nullptr);
}

TEST_CASE("a catalog file replaces the defaults; bad files say what is wrong") {
  testing::TempDir dir;
  auto path = (dir.path() / "images.yaml").string();
  std::ofstream(path) << "images:\n  - name: example.com/app\n    pull_time: 2s\n"
                         "    size: 10\n    serve: {ports: [8080], sigterm: ignore}\n";
  Result<Catalog> catalog = Catalog::Load(path);
  REQUIRE(catalog.ok());
  CHECK(catalog->images().size() == 1);
  const ImageInfo* app = catalog->Find(*ParseImageRef("example.com/app:v2"));
  REQUIRE(app != nullptr);
  CHECK(app->pull_time == std::chrono::seconds(2));
  CHECK_FALSE(app->serve->exits_on_sigterm);
  CHECK(catalog->Find(*ParseImageRef("nginx")) == nullptr);

  CHECK(Catalog::Load("").ok());
  CHECK(Catalog::Load((dir.path() / "missing.yaml").string())
            .status()
            .message()
            .find("cannot read") != std::string::npos);
  for (std::string text : {"{", "images: 3", "images:\n  - name: x\n    pull_time: soon\n",
                           "images:\n  - name: x\n    size: big\n", "images:\n  - name: X\n"}) {
    CAPTURE(text);
    Result<Catalog> bad = Catalog::Parse(text, "test.yaml");
    CHECK_FALSE(bad.ok());
    CHECK(bad.status().message().find("test.yaml") != std::string::npos);
  }
}

TEST_CASE("digests are stable and distinct") {
  CHECK(HexDigest("a").size() == 64);
  CHECK(HexDigest("a") == HexDigest("a"));
  CHECK(HexDigest("a") != HexDigest("b"));
}

}  // namespace
}  // namespace pk::fakecri
