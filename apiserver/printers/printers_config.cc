// ConfigMaps, Secrets, ServiceAccounts, ResourceQuotas and PersistentVolumeClaims (core/v1).
#include <algorithm>

#include "apiserver/printers/printers_internal.h"
#include "proto/core/v1/config.pb.h"
#include "proto/core/v1/policy.pb.h"
#include "proto/core/v1/volume.pb.h"

namespace pk::printers {

namespace {

using k8s::core::v1::ConfigMap;
using k8s::core::v1::PersistentVolumeClaim;
using k8s::core::v1::ResourceQuota;
using k8s::core::v1::Secret;
using k8s::core::v1::ServiceAccount;

Row ConfigMapRow(const ConfigMap& cm, int64_t now) {
  return {cm.metadata().name(), static_cast<int64_t>(cm.data_size() + cm.binary_data_size()),
          Age(cm.metadata(), now)};
}

Row SecretRow(const Secret& s, int64_t now) {
  return {s.metadata().name(), s.type(), static_cast<int64_t>(s.data_size()),
          Age(s.metadata(), now)};
}

Row ServiceAccountRow(const ServiceAccount& sa, int64_t now) {
  return {sa.metadata().name(), static_cast<int64_t>(sa.secrets_size()), Age(sa.metadata(), now)};
}

// "requests.cpu: 100m/1, pods: 1/10" for the non-limits resources and "limits.cpu: 0/2" for
// the limits.* ones, in resource-name order.
Row ResourceQuotaRow(const ResourceQuota& quota, int64_t now) {
  std::vector<std::string> names;
  for (const auto& [name, hard] : quota.status().hard()) names.push_back(name);
  std::sort(names.begin(), names.end());
  std::vector<std::string> requests;
  std::vector<std::string> limits;
  for (const std::string& name : names) {
    std::string entry = name + ": " + QuantityAt(quota.status().used(), name) + "/" +
                        QuantityAt(quota.status().hard(), name);
    const bool is_limit = name.starts_with("limits.");  // pieces[0] == "limits" with a dot
    (is_limit ? limits : requests).push_back(std::move(entry));
  }
  return {quota.metadata().name(), Join(requests, ", "), Join(limits, ", "),
          Age(quota.metadata(), now)};
}

// helper.GetAccessModesAsString: RWO, ROX, RWX, RWOP in that order, each once.
std::string AccessModes(const google::protobuf::RepeatedPtrField<std::string>& modes) {
  static const std::pair<const char*, const char*> kShort[] = {{"ReadWriteOnce", "RWO"},
                                                               {"ReadOnlyMany", "ROX"},
                                                               {"ReadWriteMany", "RWX"},
                                                               {"ReadWriteOncePod", "RWOP"}};
  std::vector<std::string> out;
  for (const auto& [mode, abbreviation] : kShort) {
    if (std::find(modes.begin(), modes.end(), mode) != modes.end()) out.push_back(abbreviation);
  }
  return Join(out, ",");
}

// helper.GetPersistentVolumeClaimClass: the beta annotation wins over storageClassName.
std::string ClaimClass(const PersistentVolumeClaim& pvc) {
  const auto& annotations = pvc.metadata().annotations();
  auto it = annotations.find("volume.beta.kubernetes.io/storage-class");
  if (it != annotations.end()) return it->second;
  return pvc.spec().storage_class_name();
}

Row PersistentVolumeClaimRow(const PersistentVolumeClaim& pvc, int64_t now) {
  const auto& spec = pvc.spec();
  std::string phase =
      pvc.metadata().has_deletion_timestamp() ? "Terminating" : pvc.status().phase();
  // Capacity and access modes come from the bound volume, so only once there is one.
  std::string capacity;
  std::string access_modes;
  if (!spec.volume_name().empty()) {
    access_modes = AccessModes(pvc.status().access_modes());
    capacity = QuantityAt(pvc.status().capacity(), "storage");
  }
  return {pvc.metadata().name(),
          phase,
          spec.volume_name(),
          capacity,
          access_modes,
          ClaimClass(pvc),
          spec.has_volume_attributes_class_name() ? spec.volume_attributes_class_name() : "<unset>",
          Age(pvc.metadata(), now),
          spec.has_volume_mode() ? spec.volume_mode() : "<unset>"};
}

std::vector<Column> ConfigMapColumns() {
  return {NameColumn(),
          {"Data", "string", "",
           "Data contains the configuration data. Each key must consist of alphanumeric "
           "characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the "
           "BinaryData field. The keys stored in Data must not overlap with the keys in the "
           "BinaryData field, this is enforced during validation process.",
           0},
          AgeColumn()};
}

std::vector<Column> SecretColumns() {
  return {NameColumn(),
          {"Type", "string", "",
           "Used to facilitate programmatic handling of secret data. More info: "
           "https://kubernetes.io/docs/concepts/configuration/secret/#secret-types",
           0},
          {"Data", "string", "",
           "Data contains the secret data. Each key must consist of alphanumeric characters, "
           "'-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, "
           "representing the arbitrary (possibly non-string) data value here. Described in "
           "https://tools.ietf.org/html/rfc4648#section-4",
           0},
          AgeColumn()};
}

std::vector<Column> ServiceAccountColumns() {
  return {NameColumn(),
          {"Secrets", "string", "",
           "Secrets is a list of the secrets in the same namespace that pods running using this "
           "ServiceAccount are allowed to use. Pods are only limited to this list if this "
           "service account has a \"kubernetes.io/enforce-mountable-secrets\" annotation set to "
           "\"true\". The \"kubernetes.io/enforce-mountable-secrets\" annotation is deprecated "
           "since v1.32. Prefer separate namespaces to isolate access to mounted secrets. This "
           "field should not be used to find auto-generated service account token secrets for "
           "use outside of pods. Instead, tokens can be requested directly using the "
           "TokenRequest API, or service account token secrets can be manually created. More "
           "info: https://kubernetes.io/docs/concepts/configuration/secret",
           0},
          AgeColumn()};
}

std::vector<Column> ResourceQuotaColumns() {
  return {NameColumn(),
          {"Request", "string", "",
           "Request represents a minimum amount of cpu/memory that a container may consume.", 0},
          {"Limit", "string", "",
           "Limits control the maximum amount of cpu/memory that a container may use "
           "independent of contention on the node.",
           0},
          AgeColumn()};
}

std::vector<Column> PersistentVolumeClaimColumns() {
  return {
      NameColumn(),
      {"Status", "string", "", "phase represents the current phase of PersistentVolumeClaim.", 0},
      {"Volume", "string", "",
       "volumeName is the binding reference to the PersistentVolume backing this claim.", 0},
      {"Capacity", "string", "",
       "capacity represents the actual resources of the underlying volume.", 0},
      {"Access Modes", "string", "",
       "accessModes contains the actual access modes the volume backing the PVC has. More "
       "info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1",
       0},
      {"StorageClass", "string", "", "StorageClass of the pvc", 0},
      {"VolumeAttributesClass", "string", "", "VolumeAttributesClass of the pvc", 0},
      AgeColumn(),
      {"VolumeMode", "string", "",
       "volumeMode defines what type of volume is required by the claim. Value of Filesystem "
       "is implied when not included in claim spec.",
       1},
  };
}

}  // namespace

void AddConfigPrinters(PrinterMap* map) {
  AddPrinter<ConfigMap>(map, ConfigMapColumns(), ConfigMapRow);
  AddPrinter<Secret>(map, SecretColumns(), SecretRow);
  AddPrinter<ServiceAccount>(map, ServiceAccountColumns(), ServiceAccountRow);
  AddPrinter<ResourceQuota>(map, ResourceQuotaColumns(), ResourceQuotaRow);
  AddPrinter<PersistentVolumeClaim>(map, PersistentVolumeClaimColumns(), PersistentVolumeClaimRow);
}

}  // namespace pk::printers
