#include "apimachinery/scheme.h"

#include <fmt/format.h>
#include <google/protobuf/descriptor.h>

#include <cstdlib>

#include "apimachinery/codec_value.h"
#include "apimachinery/log.h"

namespace pk {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::MessageFactory;

// One row per served resource: group, version, kind, plural, short names, categories, scope.
struct Row {
  const char* group;
  const char* kind;
  const char* message;  // full protobuf name
  const char* resource;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  bool namespaced;
};

const std::vector<Row>& Rows() {
  static const std::vector<Row> rows = {
      {"", "Pod", "k8s.core.v1.Pod", "pods", {"po"}, {"all"}, true},
      {"", "Node", "k8s.core.v1.Node", "nodes", {"no"}, {}, false},
      {"", "Namespace", "k8s.core.v1.Namespace", "namespaces", {"ns"}, {}, false},
      {"", "Event", "k8s.core.v1.Event", "events", {"ev"}, {}, true},
      {"", "Binding", "k8s.core.v1.Binding", "bindings", {}, {}, true},
      {"", "ConfigMap", "k8s.core.v1.ConfigMap", "configmaps", {"cm"}, {}, true},
      {"", "Secret", "k8s.core.v1.Secret", "secrets", {}, {}, true},
      {"", "Service", "k8s.core.v1.Service", "services", {"svc"}, {"all"}, true},
      {"", "Endpoints", "k8s.core.v1.Endpoints", "endpoints", {"ep"}, {}, true},
      {"", "ServiceAccount", "k8s.core.v1.ServiceAccount", "serviceaccounts", {"sa"}, {}, true},
      {"", "LimitRange", "k8s.core.v1.LimitRange", "limitranges", {"limits"}, {}, true},
      {"", "ResourceQuota", "k8s.core.v1.ResourceQuota", "resourcequotas", {"quota"}, {}, true},
      {"",
       "PersistentVolumeClaim",
       "k8s.core.v1.PersistentVolumeClaim",
       "persistentvolumeclaims",
       {"pvc"},
       {},
       true},
      {"apps", "Deployment", "k8s.apps.v1.Deployment", "deployments", {"deploy"}, {"all"}, true},
      {"apps", "ReplicaSet", "k8s.apps.v1.ReplicaSet", "replicasets", {"rs"}, {"all"}, true},
      {"apps", "DaemonSet", "k8s.apps.v1.DaemonSet", "daemonsets", {"ds"}, {"all"}, true},
      {"apps", "StatefulSet", "k8s.apps.v1.StatefulSet", "statefulsets", {"sts"}, {"all"}, true},
      {"apps",
       "ControllerRevision",
       "k8s.apps.v1.ControllerRevision",
       "controllerrevisions",
       {},
       {},
       true},
      {"batch", "Job", "k8s.batch.v1.Job", "jobs", {}, {"all"}, true},
      {"coordination.k8s.io", "Lease", "k8s.coordination.v1.Lease", "leases", {}, {}, true},
      {"rbac.authorization.k8s.io", "Role", "k8s.rbac.v1.Role", "roles", {}, {}, true},
      {"rbac.authorization.k8s.io",
       "ClusterRole",
       "k8s.rbac.v1.ClusterRole",
       "clusterroles",
       {},
       {},
       false},
      {"rbac.authorization.k8s.io",
       "RoleBinding",
       "k8s.rbac.v1.RoleBinding",
       "rolebindings",
       {},
       {},
       true},
      {"rbac.authorization.k8s.io",
       "ClusterRoleBinding",
       "k8s.rbac.v1.ClusterRoleBinding",
       "clusterrolebindings",
       {},
       {},
       false},
      {"scheduling.k8s.io",
       "PriorityClass",
       "k8s.scheduling.v1.PriorityClass",
       "priorityclasses",
       {"pc"},
       {},
       false},
      {"admissionregistration.k8s.io",
       "MutatingWebhookConfiguration",
       "k8s.admissionregistration.v1.MutatingWebhookConfiguration",
       "mutatingwebhookconfigurations",
       {},
       {"api-extensions"},
       false},
      {"admissionregistration.k8s.io",
       "ValidatingWebhookConfiguration",
       "k8s.admissionregistration.v1.ValidatingWebhookConfiguration",
       "validatingwebhookconfigurations",
       {},
       {"api-extensions"},
       false},
      {"authorization.k8s.io",
       "SelfSubjectAccessReview",
       "k8s.authorization.v1.SelfSubjectAccessReview",
       "selfsubjectaccessreviews",
       {},
       {},
       false},
      {"authorization.k8s.io",
       "SubjectAccessReview",
       "k8s.authorization.v1.SubjectAccessReview",
       "subjectaccessreviews",
       {},
       {},
       false},
      {"authorization.k8s.io",
       "SelfSubjectRulesReview",
       "k8s.authorization.v1.SelfSubjectRulesReview",
       "selfsubjectrulesreviews",
       {},
       {},
       false},
      {"authorization.k8s.io",
       "LocalSubjectAccessReview",
       "k8s.authorization.v1.LocalSubjectAccessReview",
       "localsubjectaccessreviews",
       {},
       {},
       true},
      {"authentication.k8s.io",
       "TokenReview",
       "k8s.authentication.v1.TokenReview",
       "tokenreviews",
       {},
       {},
       false},
      {"authentication.k8s.io",
       "SelfSubjectReview",
       "k8s.authentication.v1.SelfSubjectReview",
       "selfsubjectreviews",
       {},
       {},
       false},
  };
  return rows;
}

// Kinds that are not resources of their own but travel with kind and apiVersion.
struct KindRow {
  GroupVersionKind kind;
  const char* message;
};

const std::vector<KindRow>& KindRows() {
  static const std::vector<KindRow> rows = {
      {{"", "v1", "Status"}, "k8s.meta.v1.Status"},
      {{"", "v1", "DeleteOptions"}, "k8s.meta.v1.DeleteOptions"},
      {{"meta.k8s.io", "v1", "Table"}, "k8s.meta.v1.Table"},
      {{"meta.k8s.io", "v1", "PartialObjectMetadata"}, "k8s.meta.v1.PartialObjectMetadata"},
      {{"autoscaling", "v1", "Scale"}, "k8s.autoscaling.v1.Scale"},
      {{"authentication.k8s.io", "v1", "TokenRequest"}, "k8s.authentication.v1.TokenRequest"},
  };
  return rows;
}

const Descriptor* MustFind(const char* name) {
  const Descriptor* d = DescriptorPool::generated_pool()->FindMessageTypeByName(name);
  if (d == nullptr) {
    // A programming error: the table names a message proto/ does not define.
    pk::Logf("picokube scheme: no protobuf message %s\n", name);
    std::abort();
  }
  return d;
}

// "Deployment" -> "deployment", "PriorityClass" -> "priorityclass".
std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

const Scheme& Scheme::Builtin() {
  static const Scheme* scheme = new Scheme();
  return *scheme;
}

Scheme::Scheme() {
  for (const Row& row : Rows()) {
    const Descriptor* d = MustFind(row.message);
    ResourceType t;
    t.kind = {row.group, "v1", row.kind};
    t.resource = row.resource;
    t.singular = Lower(row.kind);
    t.short_names = row.short_names;
    t.categories = row.categories;
    t.namespaced = row.namespaced;
    t.prototype = MessageFactory::generated_factory()->GetPrototype(d);
    AddResource(std::move(t));
  }
  for (const KindRow& row : KindRows()) AddKind(row.kind, MustFind(row.message));
  // DeleteOptions also arrives as meta.k8s.io/v1 (client-go sends either).
  AddKind({"meta.k8s.io", "v1", "DeleteOptions"}, MustFind("k8s.meta.v1.DeleteOptions"));
  BuildIndexes();  // resources_ no longer changes, so pointers into it stay valid
}

void Scheme::AddResource(ResourceType type) {
  AddKind(type.kind, type.prototype->GetDescriptor());
  resources_.push_back(std::move(type));
}

void Scheme::BuildIndexes() {
  for (const ResourceType& t : resources_) {
    by_resource_.emplace(GroupResource{t.kind.group, t.resource}, &t);
    by_kind_.emplace(t.kind, &t);
    by_message_.emplace(t.prototype->GetDescriptor(), &t);
    for (const std::string* name : {&t.resource, &t.singular}) by_any_name_.emplace(*name, &t);
    for (const std::string& name : t.short_names) by_any_name_.emplace(name, &t);
  }
}

void Scheme::AddKind(const GroupVersionKind& kind, const Descriptor* type) {
  kinds_.emplace(kind, type);
  kind_of_.emplace(type, kind);  // the first registration is the one we write
}

namespace {
template <class Map, class Key>
const ResourceType* Lookup(const Map& map, const Key& key) {
  auto it = map.find(key);
  return it == map.end() ? nullptr : it->second;
}
}  // namespace

const ResourceType* Scheme::FindResource(std::string_view group, std::string_view resource) const {
  return Lookup(by_resource_, GroupResource{std::string(group), std::string(resource)});
}

const ResourceType* Scheme::FindResourceByAnyName(std::string_view name) const {
  return Lookup(by_any_name_, std::string(name));
}

const ResourceType* Scheme::FindByKind(const GroupVersionKind& kind) const {
  return Lookup(by_kind_, kind);
}

const ResourceType* Scheme::FindByMessage(const Descriptor* type) const {
  return Lookup(by_message_, type);
}

std::optional<GroupVersionKind> Scheme::KindOf(const Descriptor* type) const {
  auto it = kind_of_.find(type);
  if (it == kind_of_.end()) return std::nullopt;
  return it->second;
}

std::string Scheme::Encode(const google::protobuf::Message& object) const {
  auto kind = KindOf(object.GetDescriptor());
  return json::Encode(object, kind ? &*kind : nullptr);
}

std::string Scheme::EncodeList(const ResourceType& type, const k8s::meta::v1::ListMeta& meta,
                               const std::vector<const google::protobuf::Message*>& items) const {
  std::string out = "{\"kind\":";
  json::AppendString(&out, type.list_kind());
  out += ",\"apiVersion\":";
  json::AppendString(&out, type.kind.api_version());
  out += ",\"metadata\":";
  json::AppendEncoded(&out, meta);
  out += ",\"items\":[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out.push_back(',');
    json::AppendEncoded(&out, *items[i]);
  }
  out += "]}";
  return out;
}

Result<nlohmann::ordered_json> Scheme::EncodeValue(const google::protobuf::Message& object) const {
  auto value = json::ToJsonValue(object);
  if (!value.ok()) return value.take_status();
  auto kind = KindOf(object.GetDescriptor());
  if (!kind || !value->is_object()) return value;
  nlohmann::ordered_json doc = nlohmann::ordered_json::object();
  auto& fields = doc.get_ref<nlohmann::ordered_json::object_t&>();
  fields.reserve(value->size() + 2);
  fields.emplace_back("kind", kind->kind);
  fields.emplace_back("apiVersion", kind->api_version());
  for (auto& field : value->get_ref<nlohmann::ordered_json::object_t&>()) {
    fields.emplace_back(field.first, std::move(field.second));
  }
  return doc;
}

Result<std::unique_ptr<google::protobuf::Message>> Scheme::Decode(
    std::string_view json, const GroupVersionKind& expected, json::DecodeReport* report) const {
  auto doc = json::Parse(json);
  if (!doc.ok()) return doc.take_status();
  return DecodeValue(*doc, expected, report);
}

Result<std::unique_ptr<google::protobuf::Message>> Scheme::DecodeValue(
    const nlohmann::ordered_json& doc, const GroupVersionKind& expected,
    json::DecodeReport* report) const {
  auto it = kinds_.find(expected);
  if (it == kinds_.end()) {
    return Status::InternalError(fmt::format("no kind {} is registered", expected.kind));
  }
  json::DecodeReport local;
  json::DecodeReport* r = report ? report : &local;
  std::unique_ptr<google::protobuf::Message> object(
      MessageFactory::generated_factory()->GetPrototype(it->second)->New());
  PK_RETURN_IF_ERROR(json::DecodeValue(doc, object.get(), r));
  PK_RETURN_IF_ERROR(CheckKind(expected, *r));
  return object;
}

Status Scheme::CheckKind(const GroupVersionKind& expected, const json::DecodeReport& r) const {
  if (!r.api_version.empty() && r.api_version != expected.api_version()) {
    // Versions of the same group, or the meta.k8s.io alias of DeleteOptions, are fine.
    GroupVersionKind named;
    SplitApiVersion(r.api_version, &named.group, &named.version);
    named.kind = r.kind.empty() ? expected.kind : r.kind;
    auto alias = kinds_.find(named);
    if (alias == kinds_.end() || alias->second != kinds_.at(expected)) {
      return Status::BadRequest(
          fmt::format("the API version in the data ({}) does not match the expected API "
                      "version ({})",
                      r.api_version, expected.api_version()));
    }
  }
  if (!r.kind.empty() && r.kind != expected.kind) {
    return Status::BadRequest(fmt::format(
        "the kind in the data ({}) does not match the expected kind ({})", r.kind, expected.kind));
  }
  return Status();
}

const google::protobuf::Message* Scheme::PrototypeOf(const GroupVersionKind& kind) const {
  auto it = kinds_.find(kind);
  if (it == kinds_.end()) return nullptr;
  return MessageFactory::generated_factory()->GetPrototype(it->second);
}

Result<std::unique_ptr<google::protobuf::Message>> Scheme::DecodeAny(
    std::string_view json, json::DecodeReport* report) const {
  auto doc = json::Parse(json);
  if (!doc.ok()) return doc.take_status();
  const auto kind = doc->find("kind");
  const auto api_version = doc->find("apiVersion");
  if (!doc->is_object() || kind == doc->end() || api_version == doc->end() || !kind->is_string() ||
      !api_version->is_string()) {
    return Status::BadRequest(fmt::format("Object 'Kind' is missing in '{}'",
                                          json.substr(0, std::min<size_t>(json.size(), 200))));
  }
  GroupVersionKind gvk;
  SplitApiVersion(api_version->get<std::string>(), &gvk.group, &gvk.version);
  gvk.kind = kind->get<std::string>();
  auto it = kinds_.find(gvk);
  if (it == kinds_.end()) {
    return Status::BadRequest(fmt::format("no kind \"{}\" is registered for version \"{}\"",
                                          gvk.kind, gvk.api_version()));
  }
  std::unique_ptr<google::protobuf::Message> object(
      MessageFactory::generated_factory()->GetPrototype(it->second)->New());
  PK_RETURN_IF_ERROR(json::DecodeValue(*doc, object.get(), report));
  return object;
}

}  // namespace pk
