// One request's audit.k8s.io/v1 Event: its fields in the order Go encodes the Event struct,
// with the omitempty fields left out when empty.
#include <algorithm>

#include "apimachinery/codec_value.h"
#include "apimachinery/k8s_protobuf.h"
#include "apimachinery/time.h"
#include "apimachinery/yaml.h"
#include "apiserver/audit/audit.h"

namespace pk::apiserver::audit {
namespace {

using Json = nlohmann::ordered_json;

Json UserJson(const UserInfo& user) {
  Json out = Json::object();
  if (!user.name.empty()) out["username"] = user.name;
  if (!user.uid.empty()) out["uid"] = user.uid;
  if (!user.groups.empty()) out["groups"] = user.groups;
  return out;
}

void AppendOnce(std::vector<std::string>* ips, std::string ip) {
  auto trim = [](std::string s) {
    size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  };
  ip = trim(std::move(ip));
  if (ip.empty() || std::find(ips->begin(), ips->end(), ip) != ips->end()) return;
  ips->push_back(std::move(ip));
}

Json ParseBody(const std::string& body) {
  if (body.empty()) return nullptr;
  Json parsed = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? Json(nullptr) : parsed;
}

Json Typed(const google::protobuf::Message* message) {
  if (message == nullptr) return nullptr;
  auto value = json::ToJsonValue(*message);
  return value.ok() ? std::move(value).value() : Json(nullptr);
}

std::string MediaType(std::string type) {
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  return type;
}

// The JSON of a body as the audit log shows it whatever its wire format (kubectl's typed
// commands send Kubernetes protobuf), or null when there is none or it does not decode.
Json BodyJson(const std::string& body, const std::string& content_type) {
  if (body.empty()) return nullptr;
  std::string media = MediaType(content_type);
  if (media == kKubernetesProtobufContentType) {
    GroupVersionKind kind;
    auto message = DecodeKubernetesProtobuf(body, &kind);
    if (!message.ok()) return nullptr;
    Json object = Json::object();
    object["kind"] = kind.kind;
    object["apiVersion"] = kind.api_version();
    Json fields = Typed(message->get());
    if (!fields.is_object()) return nullptr;
    for (auto it = fields.begin(); it != fields.end(); ++it) {
      if (it.key() != "kind" && it.key() != "apiVersion") object[it.key()] = it.value();
    }
    return object;
  }
  if (media == "application/yaml") {
    auto docs = YamlToJsonDocuments(body);
    return docs.ok() && docs->size() == 1 ? (*docs)[0] : Json(nullptr);
  }
  return ParseBody(body);
}

// omitManagedFields: metadata.managedFields of the object, or of each item of a list.
void DropManagedFields(Json* object) {
  if (!object->is_object()) return;
  if (auto m = object->find("metadata"); m != object->end() && m->is_object()) {
    m->erase("managedFields");
  }
  if (auto items = object->find("items"); items != object->end() && items->is_array()) {
    for (Json& item : *items) DropManagedFields(&item);
  }
}

bool IsJson(const std::string& content_type) {
  return content_type.starts_with("application/json");
}

}  // namespace

std::vector<std::string> SourceIPs(const Request& request) {
  std::vector<std::string> ips;
  std::string forwarded = request.Header("x-forwarded-for");
  size_t start = 0;
  while (start < forwarded.size()) {
    size_t comma = forwarded.find(',', start);
    if (comma == std::string::npos) comma = forwarded.size();
    AppendOnce(&ips, forwarded.substr(start, comma - start));
    start = comma + 1;
  }
  AppendOnce(&ips, request.Header("x-real-ip"));
  AppendOnce(&ips, request.peer_address);
  return ips;
}

Json ObjectRef(const RequestInfo& info) {
  if (!info.is_resource_request) return nullptr;
  Json ref = Json::object();
  if (!info.resource.empty()) ref["resource"] = info.resource;
  if (!info.ns.empty()) ref["namespace"] = info.ns;
  if (!info.name.empty()) ref["name"] = info.name;
  if (!info.api_group.empty()) ref["apiGroup"] = info.api_group;
  if (!info.api_version.empty()) ref["apiVersion"] = info.api_version;
  if (!info.subresource.empty()) ref["subresource"] = info.subresource;
  return ref;
}

std::string MicroTime(std::chrono::system_clock::time_point t) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  return FormatRfc3339Micro(Timestamp{us / 1000000, static_cast<int32_t>((us % 1000000) * 1000)});
}

Event::Event(const Request& request, RequestAuditConfig config, LogBackend* sink)
    : config_(std::move(config)),
      sink_(sink),
      audit_id_(request.audit_id),
      request_uri_(request.request_uri.empty() ? request.path : request.request_uri),
      verb_(request.info.verb),
      user_agent_(request.Header("user-agent")),
      user_(UserJson(request.user)),
      object_ref_(ObjectRef(request.info)),
      received_(request.received) {
  std::vector<std::string> ips = SourceIPs(request);
  if (!ips.empty()) source_ips_ = ips;
}

void Event::Send(Stage stage) {
  const auto& omit = config_.omit_stages;
  if (std::find(omit.begin(), omit.end(), stage) != omit.end()) return;
  auto at = stage == Stage::kRequestReceived ? received_ : std::chrono::system_clock::now();
  sink_->Process(Encode(stage, at));
}

void Event::SetResponse(const Response& response) {
  Json status = Json::object();
  status["metadata"] = Json::object();
  if (!response.error.ok()) {
    // The Status the client got (LogResponseObject copies its bounded fields).
    Json body = IsJson(response.content_type) ? ParseBody(response.body) : Json(nullptr);
    bool is_status = body.is_object() && body.value("kind", "") == "Status";
    status["status"] = "Failure";
    status["message"] = is_status ? body.value("message", "") : response.error.message();
    std::string reason(ReasonName(response.error.reason()));
    if (is_status) reason = body.value("reason", reason);
    if (!reason.empty()) status["reason"] = reason;
    if (is_status && body.contains("details")) status["details"] = body["details"];
  }
  status["code"] = response.code;
  response_status_ = std::move(status);
}

void Event::SetRequestObject(const Request& request) {
  if (config_.level < Level::kMetadata) return;
  Json object = request.typed ? Typed(request.object.get())
                              : BodyJson(request.body, request.Header("content-type"));
  if (!object.is_object()) return;
  if (object_ref_.is_object() && object.contains("metadata") && object["metadata"].is_object()) {
    const Json& meta = object["metadata"];
    for (const char* key : {"namespace", "name", "uid", "resourceVersion"}) {
      if (!object_ref_.contains(key) && meta.contains(key) && meta[key].is_string() &&
          !meta[key].get<std::string>().empty()) {
        object_ref_[key] = meta[key];
      }
    }
    // Back in Go's field order: resource namespace name uid apiGroup apiVersion
    // resourceVersion subresource.
    Json ordered = Json::object();
    for (const char* key : {"resource", "namespace", "name", "uid", "apiGroup", "apiVersion",
                            "resourceVersion", "subresource"}) {
      if (object_ref_.contains(key)) ordered[key] = object_ref_[key];
    }
    object_ref_ = std::move(ordered);
  }
  if (config_.level < Level::kRequest) return;
  if (config_.omit_managed_fields) DropManagedFields(&object);
  request_object_ = std::move(object);
}

void Event::SetResponseObject(const Response& response) {
  if (config_.level < Level::kRequestResponse) return;
  // A typed list (the gRPC face) is not encoded here: the codec encodes single objects, and
  // a list's items would each be copied once more only for the log. Its responseStatus
  // still records the outcome.
  Json object = response.object ? Typed(response.object.get())
                                : BodyJson(response.body, response.content_type);
  if (!object.is_object()) return;
  if (config_.omit_managed_fields) DropManagedFields(&object);
  response_object_ = std::move(object);
}

void Event::SetImpersonatedUser(const UserInfo& user) { impersonated_user_ = UserJson(user); }

void Event::SetAnnotations(const std::map<std::string, std::string>& annotations) {
  if (annotations.empty()) return;
  annotations_ = Json::object();
  for (const auto& [key, value] : annotations) annotations_[key] = value;
}

std::string Event::Encode(Stage stage, std::chrono::system_clock::time_point at) const {
  Json e = Json::object();
  e["kind"] = "Event";
  e["apiVersion"] = "audit.k8s.io/v1";
  e["level"] = LevelName(config_.level);
  e["auditID"] = audit_id_;
  e["stage"] = StageName(stage);
  e["requestURI"] = request_uri_;
  e["verb"] = verb_;
  e["user"] = user_;
  if (!impersonated_user_.is_null()) e["impersonatedUser"] = impersonated_user_;
  if (!source_ips_.is_null()) e["sourceIPs"] = source_ips_;
  if (!user_agent_.empty()) e["userAgent"] = user_agent_;
  if (!object_ref_.is_null()) e["objectRef"] = object_ref_;
  if (stage != Stage::kRequestReceived) {
    if (!response_status_.is_null()) e["responseStatus"] = response_status_;
    if (!request_object_.is_null()) e["requestObject"] = request_object_;
    if (!response_object_.is_null()) e["responseObject"] = response_object_;
  }
  e["requestReceivedTimestamp"] = MicroTime(received_);
  e["stageTimestamp"] = MicroTime(at);
  if (!annotations_.is_null() && stage != Stage::kRequestReceived) e["annotations"] = annotations_;
  return e.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace pk::apiserver::audit
