// ValidateObjectMeta: apimachinery's ValidateObjectMetaAccessor with each resource's name rule
// (k8s.io/apimachinery/pkg/api/validation/objectmeta.go).
#include <algorithm>

#include "apimachinery/validation.h"
#include "apiserver/registry/strategies/internal.h"

namespace pk::registry {
namespace {

using NameRule = validation::Errors (*)(std::string_view, bool);

constexpr int64_t kTotalAnnotationSizeLimit = 256 * 1024;

// The review resources of authorization.k8s.io are never stored and carry no name.
bool HasNoMetadataRules(const ResourceType& type) {
  return type.kind.group == "authorization.k8s.io";
}

// Each resource's ValidateNameFunc: namespaces are DNS labels, services DNS-1035 labels, events
// and RBAC objects only need to be path segments, the rest DNS subdomains.
NameRule NameRuleFor(const ResourceType& type) {
  if (type.kind.group.empty() && type.resource == "namespaces") return validation::NameIsDNSLabel;
  if (type.kind.group.empty() && type.resource == "services") {
    return validation::NameIsDNS1035Label;
  }
  if (type.kind.group.empty() && type.resource == "events") {
    return validation::ValidatePathSegmentName;
  }
  if (type.kind.group == "rbac.authorization.k8s.io") return validation::ValidatePathSegmentName;
  return validation::NameIsDNSSubdomain;
}

void ValidateName(NameRule rule, const k8s::meta::v1::ObjectMeta& meta, Causes* causes) {
  if (!meta.generate_name().empty()) {
    AddInvalid(causes, "metadata.generateName", BadValue::String(meta.generate_name()),
               rule(meta.generate_name(), true));
  }
  if (meta.name().empty()) {
    causes->push_back(Required("metadata.name", "name or generateName is required"));
  } else {
    AddInvalid(causes, "metadata.name", BadValue::String(meta.name()), rule(meta.name(), false));
  }
}

void ValidateNamespace(bool namespaced, const k8s::meta::v1::ObjectMeta& meta, Causes* causes) {
  if (!namespaced) {
    if (!meta.namespace_().empty()) {
      causes->push_back(Forbidden("metadata.namespace", "not allowed on this type"));
    }
    return;
  }
  if (meta.namespace_().empty()) {
    causes->push_back(Required("metadata.namespace"));
  } else {
    AddInvalid(causes, "metadata.namespace", BadValue::String(meta.namespace_()),
               validation::NameIsDNSLabel(meta.namespace_(), false));
  }
}

// validateOwnerReference: the fields are checked at ownerReferences.<field>, without an index,
// as Kubernetes does.
void ValidateOwnerReferences(const k8s::meta::v1::ObjectMeta& meta, Causes* causes) {
  const std::string path = "metadata.ownerReferences";
  std::string first_controller;
  for (const auto& ref : meta.owner_references()) {
    const std::string& av = ref.api_version();
    const bool no_version = av.empty() || av.back() == '/';
    if (no_version) {
      causes->push_back(
          Invalid(path + ".apiVersion", BadValue::String(av), "version must not be empty"));
    }
    if (ref.kind().empty()) {
      causes->push_back(Invalid(path + ".kind", BadValue::String(""), "kind must not be empty"));
    }
    if (ref.name().empty()) {
      causes->push_back(Invalid(path + ".name", BadValue::String(""), "name must not be empty"));
    }
    if (ref.uid().empty()) {
      causes->push_back(Invalid(path + ".uid", BadValue::String(""), "uid must not be empty"));
    }
    if (!ref.has_controller() || !ref.controller()) continue;
    const std::string current = ref.kind() + "/" + ref.name();
    if (first_controller.empty()) {
      first_controller = current;
    } else {
      causes->push_back(Invalid(path, BadValue::Raw("[]v1.OwnerReference{...}"),
                                "Only one reference can have Controller set to true. Found "
                                "\"true\" in references for " +
                                    first_controller + " and " + current));
    }
  }
}

void ValidateFinalizers(const k8s::meta::v1::ObjectMeta& meta, Causes* causes) {
  bool orphan = false, foreground = false;
  for (const std::string& f : meta.finalizers()) {
    AddInvalid(causes, "metadata.finalizers", BadValue::String(f), validation::IsQualifiedName(f));
    orphan = orphan || f == "orphan";
    foreground = foreground || f == "foregroundDeletion";
  }
  if (orphan && foreground) {
    std::vector<std::string> all(meta.finalizers().begin(), meta.finalizers().end());
    causes->push_back(Invalid("metadata.finalizers", BadValue::Raw(validation::GoStringSlice(all)),
                              "finalizer orphan and foregroundDeletion cannot be both set"));
  }
}

}  // namespace

Causes ValidateLabels(const StringMap& labels, std::string_view path) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : labels) keys.push_back(k);
  std::sort(keys.begin(), keys.end());  // Go's map order is random; ours is stable
  Causes causes;
  for (const std::string& k : keys) {
    AddInvalid(&causes, path, BadValue::String(k), validation::IsQualifiedName(k));
    const std::string& v = labels.at(k);
    AddInvalid(&causes, path, BadValue::String(v), validation::IsValidLabelValue(v));
  }
  return causes;
}

Causes ValidateAnnotations(const StringMap& annotations, std::string_view path) {
  std::vector<std::string> keys;
  int64_t total = 0;
  for (const auto& [k, v] : annotations) {
    keys.push_back(k);
    total += static_cast<int64_t>(k.size() + v.size());
  }
  std::sort(keys.begin(), keys.end());
  Causes causes;
  for (const std::string& k : keys) {
    // Annotation keys are qualified names in any case.
    std::string lower = k;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    AddInvalid(&causes, path, BadValue::String(k), validation::IsQualifiedName(lower));
  }
  if (total > kTotalAnnotationSizeLimit) causes.push_back(TooLong(path, kTotalAnnotationSizeLimit));
  return causes;
}

Causes ValidateObjectMeta(const ResourceType& type, const k8s::meta::v1::ObjectMeta& meta) {
  Causes causes;
  if (HasNoMetadataRules(type)) return causes;
  ValidateName(NameRuleFor(type), meta, &causes);
  ValidateNamespace(type.namespaced, meta, &causes);
  ValidateNonnegative(&causes, "metadata.generation", meta.generation());
  Append(&causes, ValidateLabels(meta.labels(), "metadata.labels"));
  Append(&causes, ValidateAnnotations(meta.annotations(), "metadata.annotations"));
  ValidateOwnerReferences(meta, &causes);
  ValidateFinalizers(meta, &causes);
  return causes;
}

}  // namespace pk::registry
