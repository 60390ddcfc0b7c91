#include "apiserver/discovery/discovery.h"

#include <fmt/format.h>

#include <cstdint>
#include <map>

#include "apimachinery/api_status.h"
#include "apiserver/discovery/internal.h"

namespace pk::discovery {
namespace {

using internal::Json;

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kAggregatedV2 =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// One media range of an Accept header: "type/subtype" and its parameters (q excluded).
struct MediaRange {
  std::string type;
  std::map<std::string, std::string> params;
  bool refused = false;  // q=0
};

std::vector<MediaRange> ParseAccept(std::string_view accept) {
  std::vector<MediaRange> out;
  while (!accept.empty()) {
    size_t comma = accept.find(',');
    std::string_view item = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? "" : accept.substr(comma + 1);
    MediaRange range;
    size_t semi = item.find(';');
    range.type = std::string(Trim(item.substr(0, semi)));
    while (semi != std::string_view::npos) {
      item = item.substr(semi + 1);
      semi = item.find(';');
      std::string_view param = item.substr(0, semi);
      size_t eq = param.find('=');
      if (eq == std::string_view::npos) continue;
      std::string key(Trim(param.substr(0, eq)));
      std::string value(Trim(param.substr(eq + 1)));
      if (key == "q") {
        range.refused = value == "0" || value == "0.0" || value == "0.00" || value == "0.000";
      } else {
        range.params[key] = value;
      }
    }
    if (!range.type.empty() && !range.refused) out.push_back(std::move(range));
  }
  return out;
}

// Only v2 is served: a client asking for v2beta1 alone gets the legacy documents.
bool AcceptsAggregatedV2(std::string_view accept) {
  for (const MediaRange& r : ParseAccept(accept)) {
    if (r.type != kJson) continue;
    auto param = [&](const char* key) {
      auto it = r.params.find(key);
      return it == r.params.end() ? std::string() : it->second;
    };
    if (param("g") == "apidiscovery.k8s.io" && param("v") == "v2" &&
        param("as") == "APIGroupDiscoveryList") {
      return true;
    }
  }
  return false;
}

// Plain JSON acceptable: an absent Accept, a wildcard or application/json without a `g=`.
bool AcceptsPlainJson(std::string_view accept) {
  auto ranges = ParseAccept(accept);
  if (Trim(accept).empty()) return true;
  for (const MediaRange& r : ranges) {
    if (r.type == "*/*" || r.type == "application/*") return true;
    if (r.type == kJson && r.params.count("g") == 0) return true;
  }
  return false;
}

Document JsonDocument(const Json& value, std::string_view content_type = kJson) {
  return Document{200, std::string(content_type), value.dump()};
}

// The apiserver's answer for a path nothing serves carries an empty "details":{}; an empty
// StatusDetails is otherwise left out.
Document StatusDocument(Reason reason, std::string message) {
  Status status(reason, std::move(message));
  k8s::meta::v1::Status api = ToApiStatus(status);
  api.mutable_details();
  return Document{status.code(), std::string(kJson), Scheme::Builtin().Encode(api)};
}

// FNV-1a: stable across builds and platforms, which std::hash is not; clients cache the
// per-group OpenAPI documents by this hash.
std::string ContentHash(std::string_view text) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return fmt::format("{:016X}", h);
}

size_t Segments(std::string_view path) {
  size_t n = 0;
  for (char c : path) n += c == '/';
  return n;
}

// Paths that belong to discovery even when nothing is served there (so they answer 404 and
// are not mistaken for resource paths): /api/X, /apis/X, /apis/X/Y, /openapi/...
bool IsDiscoveryPath(std::string_view path) {
  if (path.starts_with("/openapi/")) return true;
  if (path.starts_with("/api/")) return Segments(path) <= 2;
  if (path.starts_with("/apis/")) return Segments(path) <= 3;
  return false;
}

}  // namespace

struct Discovery::Impl {
  // Constant after construction: path -> plain JSON answer.
  std::map<std::string, Document, std::less<>> documents;
  Document aggregated_api;   // /api with aggregated discovery v2
  Document aggregated_apis;  // /apis with aggregated discovery v2

  void AddLegacy(const std::vector<internal::GroupVersion>& gvs, const Options& options);
  void AddOpenApi(const std::vector<internal::GroupVersion>& gvs);
};

void Discovery::Impl::AddLegacy(const std::vector<internal::GroupVersion>& gvs,
                                const Options& options) {
  documents["/api"] = JsonDocument(internal::ApiVersions(options.server_address));
  documents["/apis"] = JsonDocument(internal::ApiGroupList(gvs));
  for (const auto& gv : gvs) {
    documents[gv.url()] = JsonDocument(internal::ApiResourceList(gv));
    if (!gv.group.empty()) {
      documents["/apis/" + gv.group] = JsonDocument(internal::ApiGroup(gvs, gv.group, true));
    }
  }
  aggregated_api = JsonDocument(internal::AggregatedList(gvs, true), kAggregatedV2);
  aggregated_apis = JsonDocument(internal::AggregatedList(gvs, false), kAggregatedV2);
}

void Discovery::Impl::AddOpenApi(const std::vector<internal::GroupVersion>& gvs) {
  std::map<std::string, std::string> urls;
  for (const auto& gv : gvs) {
    std::string path = "/openapi/v3/" + gv.path();
    Document doc = JsonDocument(internal::OpenApiV3(gv));
    urls[gv.path()] = path + "?hash=" + ContentHash(doc.body);
    documents[path] = std::move(doc);
  }
  documents["/openapi/v3"] = JsonDocument(internal::OpenApiV3Index(urls));
  documents["/openapi/v2"] = JsonDocument(internal::OpenApiV2(gvs));
}

Discovery::Discovery(std::vector<ServedResource> resources, Options options)
    : impl_(std::make_unique<Impl>()) {
  // The builders keep pointers into `resources` only while they run.
  auto gvs = internal::GroupVersions(resources);
  impl_->AddLegacy(gvs, options);
  impl_->AddOpenApi(gvs);
}

Discovery::~Discovery() = default;

std::optional<Document> Discovery::Serve(std::string_view path, std::string_view accept) const {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (path == "/api" && AcceptsAggregatedV2(accept)) return impl_->aggregated_api;
  if (path == "/apis" && AcceptsAggregatedV2(accept)) return impl_->aggregated_apis;
  if (path == "/openapi/v2" && !AcceptsPlainJson(accept)) {
    return StatusDocument(Reason::kNotAcceptable,
                          "only the following media types are accepted: application/json");
  }
  auto it = impl_->documents.find(path);
  if (it != impl_->documents.end()) return it->second;
  if (IsDiscoveryPath(path)) {
    return StatusDocument(Reason::kNotFound, "the server could not find the requested resource");
  }
  return std::nullopt;
}

}  // namespace pk::discovery
