// Legacy discovery: APIVersions (/api), APIGroupList (/apis), APIGroup (/apis/G) and
// APIResourceList (/api/v1, /apis/G/V), in the field order of k8s.io/apimachinery's
// meta/v1 types, which is what the apiserver writes.
#include <algorithm>
#include <set>

#include "apiserver/discovery/internal.h"

namespace pk::discovery::internal {
namespace {

Json GroupVersionForDiscovery(const GroupVersion& gv) {
  return Json{{"groupVersion", gv.api_version()}, {"version", gv.version}};
}

Json Strings(const std::vector<std::string>& values) {
  Json out = Json::array();
  for (const auto& v : values) out.push_back(v);
  return out;
}

// APIResource of a resource; optional fields are omitted when empty, as Go's omitempty does.
Json ResourceEntry(const ServedResource& served) {
  const ResourceType& t = *served.type;
  Json entry{{"name", t.resource},
             {"singularName", t.singular},
             {"namespaced", t.namespaced},
             {"kind", t.kind.kind},
             {"verbs", Strings(served.verbs)}};
  if (!t.short_names.empty()) entry["shortNames"] = Strings(t.short_names);
  if (!t.categories.empty()) entry["categories"] = Strings(t.categories);
  return entry;
}

// "pods/status"; group and version only when the subresource's kind lives elsewhere
// (deployments/scale answers autoscaling/v1 Scale). singularName is "" as Kubernetes writes.
Json SubresourceEntry(const ServedResource& served, const ServedSubresource& sub) {
  const ResourceType& t = *served.type;
  Json entry{
      {"name", t.resource + "/" + sub.name}, {"singularName", ""}, {"namespaced", t.namespaced}};
  if (sub.kind.group != t.kind.group || sub.kind.version != t.kind.version) {
    entry["group"] = sub.kind.group;
    entry["version"] = sub.kind.version;
  }
  entry["kind"] = sub.kind.kind;
  entry["verbs"] = Strings(sub.verbs);
  return entry;
}

}  // namespace

std::vector<GroupVersion> GroupVersions(const std::vector<ServedResource>& resources) {
  std::vector<GroupVersion> out;
  for (const ServedResource& r : resources) {
    const GroupVersionKind& k = r.type->kind;
    auto it = std::find_if(out.begin(), out.end(), [&](const GroupVersion& gv) {
      return gv.group == k.group && gv.version == k.version;
    });
    if (it == out.end()) it = out.insert(out.end(), GroupVersion{k.group, k.version, {}});
    it->resources.push_back(&r);
  }
  return out;
}

Json GvkJson(const GroupVersionKind& kind) {
  return Json{{"group", kind.group}, {"version", kind.version}, {"kind", kind.kind}};
}

// serverAddressByClientCIDRs has no omitempty in Go: an empty list rather than none.
Json ApiVersions(const std::string& server_address) {
  Json cidrs = Json::array();
  if (!server_address.empty()) {
    cidrs.push_back(Json{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}});
  }
  return Json{{"kind", "APIVersions"},
              {"versions", Json::array({"v1"})},
              {"serverAddressByClientCIDRs", cidrs}};
}

Json ApiGroup(const std::vector<GroupVersion>& gvs, const std::string& group, bool top) {
  Json versions = Json::array();
  for (const auto& gv : gvs) {
    if (gv.group == group) versions.push_back(GroupVersionForDiscovery(gv));
  }
  Json out = Json::object();
  if (top) {
    out["kind"] = "APIGroup";
    out["apiVersion"] = "v1";
  }
  out["name"] = group;
  out["versions"] = versions;
  out["preferredVersion"] = versions.empty() ? Json::object() : versions[0];
  return out;
}

Json ApiGroupList(const std::vector<GroupVersion>& gvs) {
  Json groups = Json::array();
  std::set<std::string> seen;
  for (const auto& gv : gvs) {
    if (gv.group.empty() || !seen.insert(gv.group).second) continue;
    groups.push_back(ApiGroup(gvs, gv.group, false));
  }
  return Json{{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

// Entries sorted by name, as the apiserver lists them ("pods", "pods/binding", ...).
Json ApiResourceList(const GroupVersion& gv) {
  std::vector<std::pair<std::string, Json>> entries;
  for (const ServedResource* r : gv.resources) {
    entries.emplace_back(r->type->resource, ResourceEntry(*r));
    for (const auto& sub : r->subresources) {
      entries.emplace_back(r->type->resource + "/" + sub.name, SubresourceEntry(*r, sub));
    }
  }
  std::stable_sort(entries.begin(), entries.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  Json resources = Json::array();
  for (auto& e : entries) resources.push_back(std::move(e.second));
  return Json{{"kind", "APIResourceList"},
              {"apiVersion", "v1"},
              {"groupVersion", gv.api_version()},
              {"resources", resources}};
}

}  // namespace pk::discovery::internal
