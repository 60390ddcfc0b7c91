// The verbs and subresources Kubernetes serves for the scheme's resources, as its discovery
// documents list them.
#include <map>

#include "apiserver/discovery/discovery.h"

namespace pk::discovery {
namespace {

using Verbs = std::vector<std::string>;

const Verbs& AllVerbs() {
  static const Verbs verbs = {"create", "delete", "deletecollection", "get",
                              "list",   "patch",  "update",           "watch"};
  return verbs;
}

// Resources whose verbs differ from AllVerbs().
const std::map<GroupResource, Verbs>& SpecialVerbs() {
  static const std::map<GroupResource, Verbs> verbs = {
      {{"", "namespaces"}, {"create", "delete", "get", "list", "patch", "update", "watch"}},
      {{"", "bindings"}, {"create"}},
      {{"authorization.k8s.io", "selfsubjectaccessreviews"}, {"create"}},
      {{"authorization.k8s.io", "subjectaccessreviews"}, {"create"}},
      {{"authorization.k8s.io", "selfsubjectrulesreviews"}, {"create"}},
      {{"authorization.k8s.io", "localsubjectaccessreviews"}, {"create"}},
      {{"authentication.k8s.io", "tokenreviews"}, {"create"}},
      {{"authentication.k8s.io", "selfsubjectreviews"}, {"create"}},
  };
  return verbs;
}

struct SubresourceRow {
  const char* name;
  GroupVersionKind kind;  // an empty kind means the resource's own kind
  Verbs verbs;
};

const Verbs kStatusVerbs = {"get", "patch", "update"};

SubresourceRow Status() { return {"status", {}, kStatusVerbs}; }
SubresourceRow Scale() { return {"scale", {"autoscaling", "v1", "Scale"}, kStatusVerbs}; }

const std::map<GroupResource, std::vector<SubresourceRow>>& Subresources() {
  static const std::map<GroupResource, std::vector<SubresourceRow>> rows = {
      {{"", "pods"},
       {{"binding", {"", "v1", "Binding"}, {"create"}},
        {"exec", {"", "v1", "PodExecOptions"}, {"create", "get"}},
        {"log", {}, {"get"}},
        Status()}},
      {{"", "nodes"}, {Status()}},
      {{"", "namespaces"}, {{"finalize", {}, {"update"}}, Status()}},
      {{"", "services"}, {Status()}},
      {{"", "serviceaccounts"},
       {{"token", {"authentication.k8s.io", "v1", "TokenRequest"}, {"create"}}}},
      {{"", "resourcequotas"}, {Status()}},
      {{"", "persistentvolumeclaims"}, {Status()}},
      {{"apps", "deployments"}, {Scale(), Status()}},
      {{"apps", "replicasets"}, {Scale(), Status()}},
      {{"apps", "statefulsets"}, {Scale(), Status()}},
      {{"apps", "daemonsets"}, {Status()}},
      {{"batch", "jobs"}, {Status()}},
  };
  return rows;
}

}  // namespace

std::vector<ServedResource> BuiltinResources(const Scheme& scheme) {
  std::vector<ServedResource> out;
  for (const ResourceType& type : scheme.resources()) {
    ServedResource served;
    served.type = &type;
    auto verbs = SpecialVerbs().find(type.group_resource());
    served.verbs = verbs == SpecialVerbs().end() ? AllVerbs() : verbs->second;
    auto subs = Subresources().find(type.group_resource());
    if (subs != Subresources().end()) {
      for (const SubresourceRow& row : subs->second) {
        GroupVersionKind kind = row.kind.kind.empty() ? type.kind : row.kind;
        served.subresources.push_back({row.name, kind, row.verbs});
      }
    }
    out.push_back(std::move(served));
  }
  return out;
}

}  // namespace pk::discovery
