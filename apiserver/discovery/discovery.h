// Discovery and OpenAPI: what the server tells clients about the resources it serves.
// /api, /apis, /api/v1, /apis/GROUP/VERSION (legacy discovery), aggregated discovery v2 (on
// /api and /apis with the apidiscovery Accept), /openapi/v2, /openapi/v3 (index and
// per-group documents with schemas generated from the proto descriptors).
//
// Immutable after construction; thread-safe. Documents are built once.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "apimachinery/gvk.h"
#include "apimachinery/scheme.h"

namespace pk::discovery {

struct ServedSubresource {
  std::string name;                // "status", "scale", "binding", "log", "exec", "finalize"
  GroupVersionKind kind;           // of the subresource's objects (autoscaling/v1 Scale for scale)
  std::vector<std::string> verbs;  // "get", "patch", "update", "create"
};

struct ServedResource {
  const ResourceType* type = nullptr;
  std::vector<std::string>
      verbs;  // sorted: create delete deletecollection get list patch update watch
  std::vector<ServedSubresource> subresources;
};

// A document to answer with.
struct Document {
  int code = 200;
  std::string content_type;  // "application/json", or the apidiscovery v2 type
  std::string body;
};

// What Kubernetes serves for the scheme's resources: the verbs of each resource (create-only
// for the access reviews, no deletecollection for namespaces) and the subresources
// (pods/status, pods/binding, pods/log, pods/exec, */status, */scale, namespaces/finalize).
// Resources are in the scheme's order. The apiserver may trim the list to what it routes.
std::vector<ServedResource> BuiltinResources(const Scheme& scheme = Scheme::Builtin());

struct Options {
  // "host:port" advertised in /api's serverAddressByClientCIDRs; empty gives an empty list.
  std::string server_address;
};

class Discovery {
 public:
  // Builds every document up front (about 40 ms, mostly the OpenAPI ones).
  explicit Discovery(std::vector<ServedResource> resources, Options options = {});
  ~Discovery();
  // The answer for a GET of `path` (no query) with the request's Accept header, or nullopt
  // when the path is not a discovery or OpenAPI path. Discovery paths: /api, /api/v1, /apis,
  // /apis/G, /apis/G/V (an unknown group or version is a 404 Status document; deeper paths
  // are resource paths and give nullopt), /openapi/v2, /openapi/v3 and /openapi/v3/<gv path>.
  // /api and /apis answer aggregated discovery v2 when the Accept list allows it.
  // /openapi/v2 is JSON only: a protobuf-only Accept gets 406 (client-go then falls back to
  // its compiled-in types).
  std::optional<Document> Serve(std::string_view path, std::string_view accept) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pk::discovery
