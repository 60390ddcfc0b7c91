// Aggregated discovery (apidiscovery.k8s.io/v2 APIGroupDiscoveryList): every group, version
// and resource in one document, so kubectl needs two requests (/api, /apis) instead of one
// per group/version. Field order and omitempty follow k8s.io/api/apidiscovery/v2/types.go.
#include <algorithm>
#include <set>

#include "apiserver/discovery/internal.h"

namespace pk::discovery::internal {
namespace {

Json Strings(const std::vector<std::string>& values) {
  Json out = Json::array();
  for (const auto& v : values) out.push_back(v);
  return out;
}

Json SubresourceJson(const ServedSubresource& sub) {
  return Json{{"subresource", sub.name},
              {"responseKind", GvkJson(sub.kind)},
              {"verbs", Strings(sub.verbs)}};
}

// APIResourceDiscovery; responseKind is required by client-go (a resource without it is
// dropped).
Json ResourceJson(const ServedResource& served) {
  const ResourceType& t = *served.type;
  Json out{{"resource", t.resource},
           {"responseKind", GvkJson(t.kind)},
           {"scope", t.namespaced ? "Namespaced" : "Cluster"},
           {"singularResource", t.singular},
           {"verbs", Strings(served.verbs)}};
  if (!t.short_names.empty()) out["shortNames"] = Strings(t.short_names);
  if (!t.categories.empty()) out["categories"] = Strings(t.categories);
  if (!served.subresources.empty()) {
    std::vector<const ServedSubresource*> subs;
    for (const auto& s : served.subresources) subs.push_back(&s);
    std::stable_sort(subs.begin(), subs.end(), [](auto* a, auto* b) { return a->name < b->name; });
    Json list = Json::array();
    for (const auto* s : subs) list.push_back(SubresourceJson(*s));
    out["subresources"] = list;
  }
  return out;
}

Json VersionJson(const GroupVersion& gv) {
  std::vector<const ServedResource*> sorted = gv.resources;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](auto* a, auto* b) { return a->type->resource < b->type->resource; });
  Json resources = Json::array();
  for (const ServedResource* r : sorted) resources.push_back(ResourceJson(*r));
  return Json{{"version", gv.version}, {"resources", resources}, {"freshness", "Current"}};
}

// APIGroupDiscovery: ObjectMeta written as Go writes it (name omitted for the core group,
// creationTimestamp null), then the versions in preference order.
Json GroupJson(const std::vector<GroupVersion>& gvs, const std::string& group) {
  Json metadata = Json::object();
  if (!group.empty()) metadata["name"] = group;
  metadata["creationTimestamp"] = nullptr;
  Json versions = Json::array();
  for (const auto& gv : gvs) {
    if (gv.group == group) versions.push_back(VersionJson(gv));
  }
  return Json{{"metadata", metadata}, {"versions", versions}};
}

}  // namespace

Json AggregatedList(const std::vector<GroupVersion>& gvs, bool core) {
  Json items = Json::array();
  std::set<std::string> seen;
  for (const auto& gv : gvs) {
    if (gv.group.empty() != core || !seen.insert(gv.group).second) continue;
    items.push_back(GroupJson(gvs, gv.group));
  }
  return Json{{"kind", "APIGroupDiscoveryList"},
              {"apiVersion", "apidiscovery.k8s.io/v2"},
              {"metadata", Json::object()},
              {"items", items}};
}

}  // namespace pk::discovery::internal
