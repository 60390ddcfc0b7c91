#include "cluster/cluster.h"

#include <doctest/doctest.h>

#include "tests/testing.h"

namespace pk::cluster {
namespace {

TEST_CASE("a directory too long for the unix sockets is refused before anything starts") {
  pk::testing::TempDir dir;
  ClusterOptions options;
  options.dir = dir.path() / std::string(100, 'd');
  options.bin_dir = dir.path();  // nothing is built there: the check comes first
  auto started = Cluster::Start(options);
  REQUIRE_FALSE(started.ok());
  CHECK(started.status().message().find("choose a shorter --data-dir") != std::string::npos);
  CHECK(started.status().message().find("cri.sock") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(options.dir));
}

TEST_CASE("a missing binary is named with how to build it") {
  pk::testing::TempDir dir;
  ClusterOptions options;
  options.dir = dir.path() / "c";
  options.bin_dir = dir.path() / "no-bin";
  auto started = Cluster::Start(options);
  REQUIRE_FALSE(started.ok());
  CHECK(started.status().message().find("is not built (run scripts/build)") != std::string::npos);
}

}  // namespace
}  // namespace pk::cluster
