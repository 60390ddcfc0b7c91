// The scheme: which API types exist, under which kind, resource and message. The one place
// that maps group/version/kind <-> group/version/resource <-> protobuf message.
#pragma once

#include <google/protobuf/message.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "apimachinery/codec.h"
#include "apimachinery/gvk.h"
#include "apimachinery/status.h"
#include "proto/meta/v1/meta.pb.h"

namespace pk {

// A resource served by the API, as discovery describes it.
struct ResourceType {
  GroupVersionKind kind;                 // {"apps", "v1", "Deployment"}
  std::string resource;                  // "deployments"
  std::string singular;                  // "deployment"
  std::vector<std::string> short_names;  // {"deploy"}
  std::vector<std::string> categories;   // {"all"}
  bool namespaced = true;
  const google::protobuf::Message* prototype = nullptr;  // default instance of the message

  GroupVersionResource gvr() const { return {kind.group, kind.version, resource}; }
  GroupResource group_resource() const { return {kind.group, resource}; }
  std::string list_kind() const { return kind.kind + "List"; }
  std::unique_ptr<google::protobuf::Message> New() const {
    return std::unique_ptr<google::protobuf::Message>(prototype->New());
  }
};

class Scheme {
 public:
  // Every resource and kind of proto/. Built on first use; immutable and thread-safe after.
  static const Scheme& Builtin();

  const std::vector<ResourceType>& resources() const { return resources_; }
  // By group and plural resource name ("apps", "deployments").
  const ResourceType* FindResource(std::string_view group, std::string_view resource) const;
  // By plural, singular or short name in any group ("po", "pod", "pods"), as kubectl resolves.
  const ResourceType* FindResourceByAnyName(std::string_view name) const;
  const ResourceType* FindByKind(const GroupVersionKind& kind) const;
  const ResourceType* FindByMessage(const google::protobuf::Descriptor* type) const;
  // The kind of any registered message, resources and others (Status, Table, Scale...).
  std::optional<GroupVersionKind> KindOf(const google::protobuf::Descriptor* type) const;
  // The message of any registered kind (resources and the others); null when unknown.
  const google::protobuf::Message* PrototypeOf(const GroupVersionKind& kind) const;

  // JSON of a top-level object, "kind" and "apiVersion" first. Unregistered types get none.
  std::string Encode(const google::protobuf::Message& object) const;
  // {"kind":"PodList","apiVersion":"v1","metadata":{...},"items":[...]}; items carry no
  // kind/apiVersion, as the apiserver writes typed lists.
  std::string EncodeList(const ResourceType& type, const k8s::meta::v1::ListMeta& meta,
                         const std::vector<const google::protobuf::Message*>& items) const;
  // Decodes a document meant to be of `expected` kind. A missing kind or apiVersion takes the
  // expected one; a different one is BadRequest in Kubernetes' wording.
  Result<std::unique_ptr<google::protobuf::Message>> Decode(std::string_view json,
                                                            const GroupVersionKind& expected,
                                                            json::DecodeReport* report) const;
  // The document Encode writes, as Parse would read it back, built without the text (patches
  // work on documents).
  Result<nlohmann::ordered_json> EncodeValue(const google::protobuf::Message& object) const;
  // Decode of a document already parsed: the same checks of kind and apiVersion.
  Result<std::unique_ptr<google::protobuf::Message>> DecodeValue(const nlohmann::ordered_json& doc,
                                                                 const GroupVersionKind& expected,
                                                                 json::DecodeReport* report) const;
  // Decodes a document of whatever registered kind it names (manifests, `kubectl apply`).
  Result<std::unique_ptr<google::protobuf::Message>> DecodeAny(std::string_view json,
                                                               json::DecodeReport* report) const;

 private:
  Scheme();
  // Checks the kind and apiVersion a decode found against the expected kind.
  Status CheckKind(const GroupVersionKind& expected, const json::DecodeReport& found) const;
  void AddResource(ResourceType type);
  void AddKind(const GroupVersionKind& kind, const google::protobuf::Descriptor* type);
  void BuildIndexes();

  std::vector<ResourceType> resources_;
  std::map<GroupResource, const ResourceType*> by_resource_;
  std::map<GroupVersionKind, const ResourceType*> by_kind_;
  std::map<const google::protobuf::Descriptor*, const ResourceType*> by_message_;
  // Plural, singular and short names; the first resource registered under a name wins.
  std::map<std::string, const ResourceType*> by_any_name_;
  std::map<GroupVersionKind, const google::protobuf::Descriptor*> kinds_;
  std::map<const google::protobuf::Descriptor*, GroupVersionKind> kind_of_;
};

}  // namespace pk
