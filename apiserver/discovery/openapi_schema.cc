// OpenAPI schemas from proto descriptors. Names, special types and the shape of references
// follow what the Kubernetes apiserver publishes, because clients look schemas up by name
// and by their x-kubernetes-group-version-kind (kubectl explain, apply's patch builder).
// Protobuf keeps no comments at run time: only top-level kinds and the standard fields get
// descriptions.
#include <google/protobuf/descriptor.h>

#include <map>

#include "apiserver/discovery/internal.h"

namespace pk::discovery::internal {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

// Our proto packages -> Kubernetes' Go packages as OpenAPI names spell them.
std::string PackageName(const std::string& package) {
  static const std::map<std::string, std::string> known = {
      {"k8s.meta.v1", "io.k8s.apimachinery.pkg.apis.meta.v1"},
      {"k8s.resource", "io.k8s.apimachinery.pkg.api.resource"},
      {"k8s.util", "io.k8s.apimachinery.pkg.util.intstr"},
      {"k8s.runtime", "io.k8s.apimachinery.pkg.runtime"},
  };
  auto it = known.find(package);
  if (it != known.end()) return it->second;
  if (package.starts_with("k8s.")) return "io.k8s.api." + package.substr(4);  // k8s.core.v1
  return package;
}

// Types with a JSON form of their own (proto/README.md), published under their own name.
const Json* NamedSpecial(const std::string& full_name) {
  static const std::map<std::string, Json> specials = {
      {"k8s.meta.v1.Time",
       {{"description", "Time is RFC 3339 to the second, in UTC (2026-01-02T03:04:05Z)."},
        {"type", "string"},
        {"format", "date-time"}}},
      {"k8s.meta.v1.MicroTime",
       {{"description", "MicroTime is RFC 3339 with microseconds (2026-01-02T03:04:05.123456Z)."},
        {"type", "string"},
        {"format", "date-time"}}},
      {"k8s.resource.Quantity",
       {{"description", "Quantity is a fixed-point number such as \"500m\", \"1Gi\" or \"1.5\"."},
        {"type", "string"}}},
      {"k8s.util.IntOrString",
       {{"description", "IntOrString is a JSON number or a JSON string."},
        {"type", "string"},
        {"format", "int-or-string"}}},
      {"k8s.runtime.RawExtension",
       {{"description", "RawExtension holds an arbitrary embedded JSON object."},
        {"type", "object"}}},
      {"k8s.meta.v1.FieldsV1",
       {{"description", "FieldsV1 stores a set of fields in a JSON trie."}, {"type", "object"}}},
  };
  auto it = specials.find(full_name);
  return it == specials.end() ? nullptr : &it->second;
}

// Kubernetes' v3 documents give Quantity and IntOrString their alternatives as oneOf (their
// OpenAPIV3OneOfTypes) instead of "type": kubectl explain then names the type ("<Quantity>",
// "<IntOrString>") instead of "<string>".
Json WithOneOf(const std::string& full_name, Json schema) {
  std::vector<const char*> types;
  if (full_name == "k8s.resource.Quantity") types = {"string", "number"};
  if (full_name == "k8s.util.IntOrString") types = {"integer", "string"};
  if (types.empty()) return schema;
  schema.erase("type");
  Json one_of = Json::array();
  for (const char* t : types) one_of.push_back(Json{{"type", t}});
  schema["oneOf"] = std::move(one_of);
  return schema;
}

// Types Kubernetes writes in place rather than by reference.
const Json* InlineSpecial(const Descriptor* type) {
  static const Json duration = {{"type", "string"}};
  static const Json string_list = {{"type", "array"}, {"items", {{"type", "string"}}}};
  if (type->full_name() == "k8s.meta.v1.Duration") return &duration;
  if (type->name() == "ExtraValue") return &string_list;  // a Go named []string
  return nullptr;
}

Json ScalarSchema(const FieldDescriptor* field) {
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return {{"type", "integer"}, {"format", "int32"}};
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64:
      return {{"type", "integer"}, {"format", "int64"}};
    case FieldDescriptor::CPPTYPE_FLOAT:
      return {{"type", "number"}, {"format", "float"}};
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return {{"type", "number"}, {"format", "double"}};
    case FieldDescriptor::CPPTYPE_BOOL:
      return {{"type", "boolean"}};
    default:
      break;
  }
  if (field->type() == FieldDescriptor::TYPE_BYTES) return {{"type", "string"}, {"format", "byte"}};
  return {{"type", "string"}};
}

// Descriptions of the fields every object has, in Kubernetes' words (shortened).
const char* StandardFieldDescription(const std::string& name) {
  static const std::map<std::string, const char*> texts = {
      {"apiVersion",
       "APIVersion defines the versioned schema of this representation of an object."},
      {"kind", "Kind is a string value representing the REST resource this object represents."},
      {"metadata", "Standard object's metadata."},
      {"spec", "Specification of the desired behavior of the object."},
      {"status", "Most recently observed status of the object. Read-only."},
  };
  auto it = texts.find(name);
  return it == texts.end() ? nullptr : it->second;
}

const char* KindDescription(const std::string& kind) {
  static const std::map<std::string, const char*> texts = {
      {"Pod", "Pod is a collection of containers that can run on a host."},
      {"Node", "Node is a worker node in Kubernetes."},
      {"Namespace", "Namespace provides a scope for Names."},
      {"Service", "Service is a named abstraction of software service (for example, mysql)."},
      {"ConfigMap", "ConfigMap holds configuration data for pods to consume."},
      {"Secret", "Secret holds secret data of a certain type."},
      {"Event", "Event is a report of an event somewhere in the cluster."},
      {"Deployment", "Deployment enables declarative updates for Pods and ReplicaSets."},
      {"ReplicaSet", "ReplicaSet ensures that a specified number of pod replicas are running."},
      {"DaemonSet", "DaemonSet represents the configuration of a daemon set."},
      {"StatefulSet", "StatefulSet represents a set of pods with consistent identities."},
      {"Job", "Job represents the configuration of a single job."},
      {"Lease", "Lease defines a lease concept."},
  };
  auto it = texts.find(kind);
  return it == texts.end() ? nullptr : it->second;
}

bool HasField(const Descriptor* type, const char* json_name) {
  for (int i = 0; i < type->field_count(); ++i) {
    if (type->field(i)->json_name() == json_name) return true;
  }
  return false;
}

}  // namespace

std::string SchemaName(const Descriptor* type) {
  const std::string& package = type->file()->package();
  std::string local = type->full_name().substr(package.empty() ? 0 : package.size() + 1);
  return PackageName(package) + "." + local;
}

SchemaGenerator::SchemaGenerator(bool v3) : v3_(v3) {}

Json SchemaGenerator::Ref(const std::string& name) const {
  return {{"$ref", (v3_ ? "#/components/schemas/" : "#/definitions/") + name}};
}

std::string SchemaGenerator::Add(const Descriptor* type) {
  std::string name = SchemaName(type);
  if (schemas_.contains(name)) return name;
  if (const Json* special = NamedSpecial(type->full_name())) {
    schemas_[name] = v3_ ? WithOneOf(type->full_name(), *special) : *special;
    return name;
  }
  schemas_[name] = Json::object();  // reserved first: recursive types stop here
  Json schema = MessageSchema(type);
  schemas_[name] = std::move(schema);
  return name;
}

// A field's value without the array/map wrapper: a scalar, an inline special or a $ref.
Json SchemaGenerator::ValueSchema(const FieldDescriptor* field) {
  const Descriptor* type = field->message_type();
  if (type == nullptr) return ScalarSchema(field);
  if (const Json* inline_schema = InlineSpecial(type)) return *inline_schema;
  return Ref(Add(type));
}

// Kubernetes v3 documents wrap a referenced property in allOf so that siblings such as
// description stay valid; Swagger 2.0 documents use the $ref directly.
Json SchemaGenerator::FieldSchema(const FieldDescriptor* field) {
  Json out;
  if (field->is_map()) {
    out = {{"type", "object"},
           {"additionalProperties", ValueSchema(field->message_type()->map_value())}};
  } else if (field->is_repeated()) {
    out = {{"type", "array"}, {"items", ValueSchema(field)}};
  } else {
    out = ValueSchema(field);
    if (v3_ && out.contains("$ref")) out = Json{{"allOf", Json::array({out})}};
  }
  return out;
}

Json SchemaGenerator::MessageSchema(const Descriptor* type) {
  auto kind = Scheme::Builtin().KindOf(type);
  Json schema = Json::object();
  const char* text = kind ? KindDescription(kind->kind) : nullptr;
  if (kind) schema["description"] = text ? text : kind->kind + " (" + kind->api_version() + ").";
  schema["type"] = "object";
  Json properties = Json::object();
  // Top-level kinds carry TypeMeta on the wire though the message has no such fields.
  if (kind && !HasField(type, "kind")) {
    properties["apiVersion"] = {{"description", StandardFieldDescription("apiVersion")},
                                {"type", "string"}};
    properties["kind"] = {{"description", StandardFieldDescription("kind")}, {"type", "string"}};
  }
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    Json property = FieldSchema(field);
    const char* standard = kind ? StandardFieldDescription(field->json_name()) : nullptr;
    if (standard != nullptr) property["description"] = standard;
    properties[field->json_name()] = std::move(property);
  }
  schema["properties"] = std::move(properties);
  if (kind) schema["x-kubernetes-group-version-kind"] = Json::array({GvkJson(*kind)});
  return schema;
}

std::string SchemaGenerator::AddList(const ResourceType& type) {
  std::string item = Add(type.prototype->GetDescriptor());
  std::string name = item + "List";
  if (schemas_.contains(name)) return name;
  std::string list_meta = Add(k8s::meta::v1::ListMeta::descriptor());
  Json meta = v3_ ? Json{{"allOf", Json::array({Ref(list_meta)})}} : Ref(list_meta);
  meta["description"] = "Standard list metadata.";
  GroupVersionKind list_kind{type.kind.group, type.kind.version, type.list_kind()};
  schemas_[name] = {
      {"description", type.list_kind() + " is a list of " + type.kind.kind + "."},
      {"type", "object"},
      {"properties",
       {{"apiVersion",
         {{"description", StandardFieldDescription("apiVersion")}, {"type", "string"}}},
        {"items", {{"type", "array"}, {"items", Ref(item)}}},
        {"kind", {{"description", StandardFieldDescription("kind")}, {"type", "string"}}},
        {"metadata", meta}}},
      {"required", Json::array({"items"})},
      {"x-kubernetes-group-version-kind", Json::array({GvkJson(list_kind)})}};
  return name;
}

std::string SchemaGenerator::AddPatch() {
  const std::string name = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch";
  schemas_[name] = {{"description",
                     "Patch is provided to give a concrete name and type to the Kubernetes PATCH "
                     "request body."},
                    {"type", "object"}};
  return name;
}

}  // namespace pk::discovery::internal
