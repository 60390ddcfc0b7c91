// Names of API types and resources: group/version/kind and group/version/resource.
#pragma once

#include <compare>
#include <string>

namespace pk {

struct GroupResource {
  std::string group;     // "" for the core group, "apps", ...
  std::string resource;  // plural, lower case: "pods", "deployments"
  // "pods" or "deployments.apps", as Kubernetes prints a qualified resource.
  std::string String() const { return group.empty() ? resource : resource + "." + group; }
  auto operator<=>(const GroupResource&) const = default;
};

struct GroupVersionResource {
  std::string group;
  std::string version;
  std::string resource;
  GroupResource group_resource() const { return {group, resource}; }
  auto operator<=>(const GroupVersionResource&) const = default;
};

struct GroupVersionKind {
  std::string group;
  std::string version;
  std::string kind;
  // The JSON apiVersion: "v1" for the core group, else "apps/v1".
  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  auto operator<=>(const GroupVersionKind&) const = default;
};

// Splits an apiVersion ("v1", "apps/v1") into group and version.
inline void SplitApiVersion(const std::string& api_version, std::string* group,
                            std::string* version) {
  auto slash = api_version.find('/');
  if (slash == std::string::npos) {
    group->clear();
    *version = api_version;
  } else {
    *group = api_version.substr(0, slash);
    *version = api_version.substr(slash + 1);
  }
}

}  // namespace pk
