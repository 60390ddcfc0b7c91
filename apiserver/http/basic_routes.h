// The non-resource endpoints every client probes first: /healthz, /livez, /readyz, /version.
// Everything else is a 404 Status until the REST face serves it.
#pragma once

#include "apiserver/http/server.h"

namespace pk::http {

// The Kubernetes version picokube speaks (what kubectl's version-skew check reads).
inline constexpr const char* kKubernetesVersion = "v1.32.0";

Handler BasicRoutes();

// A Kubernetes Status response for a failed request.
Response ErrorResponse(const Status& status, unsigned http_version = 11);

}  // namespace pk::http
