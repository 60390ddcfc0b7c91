// discovery_dump DIR: writes every discovery and OpenAPI document of the builtin resources to
// DIR, one file per path ("/apis/apps/v1" -> DIR/apis/apps/v1.json, the aggregated /api and
// /apis as api.v2.json and apis.v2.json), so a throw-away HTTP server can show them to a real
// kubectl. A developer tool; nothing depends on it.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "apiserver/discovery/discovery.h"

namespace {

constexpr const char* kAggregated =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

bool Write(const std::filesystem::path& dir, const std::string& path, const std::string& suffix,
           const pk::discovery::Discovery& discovery, const char* accept) {
  auto doc = discovery.Serve(path, accept);
  if (!doc || doc->code != 200) {
    std::fprintf(stderr, "discovery_dump: %s gave no document\n", path.c_str());
    return false;
  }
  std::filesystem::path file = dir / (path.substr(1) + suffix);
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file) << doc->body;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: discovery_dump DIR\n");
    return 2;
  }
  std::filesystem::path dir = argv[1];
  pk::discovery::Discovery discovery(pk::discovery::BuiltinResources());
  bool ok = Write(dir, "/api", ".v2.json", discovery, kAggregated) &&
            Write(dir, "/apis", ".v2.json", discovery, kAggregated);
  for (const char* path : {"/api", "/apis", "/openapi/v2", "/openapi/v3"}) {
    ok = Write(dir, path, ".json", discovery, "application/json") && ok;
  }
  auto index = nlohmann::json::parse(discovery.Serve("/openapi/v3", "")->body);
  for (const auto& [gv, url] : index["paths"].items()) {
    ok = Write(dir, std::string("/").append(gv), ".json", discovery, "application/json") && ok;
    ok = Write(dir, "/openapi/v3/" + gv, ".json", discovery, "application/json") && ok;
    if (gv.starts_with("apis/")) {
      std::string group = gv.substr(0, gv.rfind('/'));
      ok = Write(dir, std::string("/").append(group), ".json", discovery, "application/json") && ok;
    }
  }
  return ok ? 0 : 1;
}
