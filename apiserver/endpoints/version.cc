#include "apiserver/endpoints/version.h"

namespace pk::apiserver {

std::string VersionJson() {
  return std::string(R"({"major":"1","minor":"32","gitVersion":")") + kKubernetesVersion +
         R"(","gitCommit":"picokube","gitTreeState":"clean",)"
         R"("buildDate":"1970-01-01T00:00:00Z","goVersion":"none","compiler":"picokube",)"
         R"("platform":"linux/amd64"})";
}

}  // namespace pk::apiserver
