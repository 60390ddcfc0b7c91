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
  // What each Table row carries (?includeObject=): its PartialObjectMetadata (the default),
  // the whole object (kubectl asks for it to --sort-by a field), or nothing.
  enum class RowObject { kMetadata, kObject, kNone };
  RowObject row_object = RowObject::kMetadata;
};

// ?includeObject= of a Table request: Metadata, Object, None or empty (Metadata); anything
// else is BadRequest in Kubernetes' words.
Result<Output::RowObject> ParseIncludeObject(std::string_view value);

// Picks the first acceptable media type in the client's order. Nothing acceptable is 406
// NotAcceptable naming what the server offers.
Result<Output> Negotiate(std::string_view accept);

}  // namespace pk::apiserver
