// Content negotiation: which representation a client asked for in its Accept header, as
// Kubernetes' negotiation does for `kubectl get` (Tables), client-go metadata informers
// (PartialObjectMetadata) and everything else (the object itself as JSON or YAML).
#pragma once

#include <string_view>

#include "apimachinery/status.h"

namespace pk::apiserver {

struct Output {
  // kTyped: no encoding at all -- the answer goes back as objects (the gRPC face).
  enum class Shape { kObject, kTable, kPartialMetadata, kTyped };
  enum class Format { kJson, kYaml };
  Shape shape = Shape::kObject;
  Format format = Format::kJson;
  bool pretty = false;
};

// Picks the first acceptable media type in the client's order. Nothing acceptable is 406
// NotAcceptable naming what the server offers.
Result<Output> Negotiate(std::string_view accept);

}  // namespace pk::apiserver
