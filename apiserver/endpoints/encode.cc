#include "apiserver/endpoints/encode.h"

#include "apimachinery/api_status.h"
#include "apimachinery/codec.h"
#include "apimachinery/object.h"
#include "apimachinery/time.h"
#include "apimachinery/yaml.h"
#include "apiserver/endpoints/encode_cache.h"
#include "apiserver/printers/printers.h"

namespace pk::apiserver {
namespace {

using google::protobuf::Message;

void AppendColumns(std::string* out, const printers::Printer& printer) {
  nlohmann::ordered_json columns = nlohmann::ordered_json::array();
  for (const auto& c : printer.Columns()) {
    columns.push_back({{"name", c.name},
                       {"type", c.type},
                       {"format", c.format},
                       {"description", c.description},
                       {"priority", c.priority}});
  }
  json::AppendValue(out, columns);
}

void AppendPartialMetadata(std::string* out, const Message& object) {
  *out += R"({"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":)";
  json::AppendEncoded(out, *GetObjectMeta(object));
  *out += '}';
}

void AppendRow(std::string* out, const printers::Printer& printer, const Message& object,
               int64_t now, Output::RowObject row_object) {
  *out += R"({"cells":)";
  nlohmann::ordered_json cells(printer.Cells(object, now));
  json::AppendValue(out, cells);
  if (row_object == Output::RowObject::kMetadata) {
    *out += R"(,"object":)";
    AppendPartialMetadata(out, object);
  } else if (row_object == Output::RowObject::kObject) {
    *out += R"(,"object":)";
    *out += Scheme::Builtin().Encode(object);
  }
  *out += '}';
}

void AppendListMeta(std::string* out, const storage::ListResult& list) {
  k8s::meta::v1::ListMeta meta;
  meta.set_resource_version(std::to_string(list.revision));
  meta.set_continue_(list.continue_token);
  if (list.remaining_item_count) meta.set_remaining_item_count(*list.remaining_item_count);
  json::AppendEncoded(out, meta);
}

std::string Table(const ResourceType& type, const std::vector<const Message*>& rows,
                  const storage::ListResult* list, bool columns, Output::RowObject row_object) {
  const printers::Printer& printer = printers::PrinterFor(type);
  std::string out = R"({"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":)";
  if (list != nullptr) {
    AppendListMeta(&out, *list);
  } else {
    out += "{}";
  }
  if (columns) {
    out += R"(,"columnDefinitions":)";
    AppendColumns(&out, printer);
  } else {
    out += R"(,"columnDefinitions":null)";
  }
  out += R"(,"rows":[)";
  int64_t now = NowTimestamp().seconds;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i > 0) out += ',';
    AppendRow(&out, printer, *rows[i], now, row_object);
  }
  out += "]}";
  return out;
}

}  // namespace

std::string EncodeObject(const ResourceType& type, const Message& object, const Output& output,
                         bool columns) {
  switch (output.shape) {
    case Output::Shape::kTable:
      return Table(type, {&object}, nullptr, columns, output.row_object);
    case Output::Shape::kPartialMetadata: {
      std::string out;
      AppendPartialMetadata(&out, object);
      return out;
    }
    case Output::Shape::kObject:
    case Output::Shape::kTyped:
      break;
  }
  return Scheme::Builtin().Encode(object);
}

namespace {

// A stored object (immutable, one per revision) as an object keeps its JSON in the cache.
std::string EncodeStored(const ResourceType& type, const storage::ObjectPtr& object,
                         const Output& output, bool columns = true) {
  if (output.shape != Output::Shape::kObject && output.shape != Output::Shape::kTyped) {
    return EncodeObject(type, *object, output, columns);
  }
  return EncodeCache::Json().Get(object, [&] { return Scheme::Builtin().Encode(*object); });
}

}  // namespace

std::string EncodeList(const ResourceType& type, const storage::ListResult& list,
                       const Output& output) {
  std::vector<const Message*> items;
  items.reserve(list.items.size());
  for (const auto& item : list.items) items.push_back(item.get());
  switch (output.shape) {
    case Output::Shape::kTable:
      return Table(type, items, &list, true, output.row_object);
    case Output::Shape::kPartialMetadata: {
      std::string out = R"({"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1",)";
      out += R"("metadata":)";
      AppendListMeta(&out, list);
      out += R"(,"items":[)";
      for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out += ',';
        AppendPartialMetadata(&out, *items[i]);
      }
      out += "]}";
      return out;
    }
    case Output::Shape::kObject:
    case Output::Shape::kTyped:
      break;
  }
  k8s::meta::v1::ListMeta meta;
  meta.set_resource_version(std::to_string(list.revision));
  meta.set_continue_(list.continue_token);
  if (list.remaining_item_count) meta.set_remaining_item_count(*list.remaining_item_count);
  return Scheme::Builtin().EncodeList(type, meta, items);
}

std::string EncodeWatchEvent(const ResourceType& type, const storage::Event& event,
                             const Output& output, bool columns) {
  std::string out = R"({"type":")";
  out += storage::EventTypeName(event.type);
  out += R"(","object":)";
  if (event.type == storage::Event::Type::kError) {
    out += Scheme::Builtin().Encode(ToApiStatus(event.error));
  } else if (event.type == storage::Event::Type::kBookmark) {
    // A bookmark is an empty object of the kind carrying only the revision.
    std::unique_ptr<Message> mark = type.New();
    MutableObjectMeta(mark.get())->set_resource_version(std::to_string(event.revision));
    out += Scheme::Builtin().Encode(*mark);
  } else {
    out += EncodeStored(type, event.object, output, columns);
  }
  out += "}\n";
  return out;
}

Response JsonResponse(int code, std::string body, const Output& output) {
  Response r;
  r.code = code;
  if (output.format == Output::Format::kYaml) {
    auto doc = json::Parse(body);
    if (doc.ok()) {
      r.content_type = "application/yaml";
      r.body = JsonToYaml(*doc);
      return r;
    }
  }
  r.body = output.pretty ? json::Indent(body) + "\n" : std::move(body);
  return r;
}

Response ObjectResponse(int code, const ResourceType& type, storage::ObjectPtr object,
                        const Output& output) {
  if (output.shape == Output::Shape::kTyped) {
    Response r;
    r.code = code;
    r.object = std::move(object);
    return r;
  }
  return JsonResponse(code, EncodeStored(type, object, output), output);
}

Response ListResponse(const ResourceType& type, storage::ListResult list, const Output& output) {
  if (output.shape == Output::Shape::kTyped) {
    Response r;
    r.list = std::move(list);
    return r;
  }
  return JsonResponse(200, EncodeList(type, list, output), output);
}

Response ErrorResponse(const Status& status) {
  Response r;
  r.error = status;
  r.code = status.code();
  r.body = Scheme::Builtin().Encode(ToApiStatus(status));
  if (status.details().retry_after_seconds > 0) {
    r.headers.emplace_back("Retry-After", std::to_string(status.details().retry_after_seconds));
  }
  return r;
}

std::string SuccessStatus(int code, const k8s::meta::v1::StatusDetails* details) {
  k8s::meta::v1::Status s;
  s.set_status("Success");
  s.set_code(code);
  if (details != nullptr) *s.mutable_details() = *details;
  return Scheme::Builtin().Encode(s);
}

}  // namespace pk::apiserver
