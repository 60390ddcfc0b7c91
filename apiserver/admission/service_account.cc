#include "apiserver/admission/service_account.h"

#include <fmt/format.h>

#include <chrono>
#include <random>
#include <thread>

#include "proto/core/v1/config.pb.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::admission {
namespace {

using google::protobuf::DynamicCastToGenerated;
using k8s::core::v1::Container;
using k8s::core::v1::Pod;
using k8s::core::v1::ServiceAccount;

constexpr char kDefaultServiceAccount[] = "default";
constexpr char kVolumePrefix[] = "kube-api-access-";
constexpr char kMountPath[] = "/var/run/secrets/kubernetes.io/serviceaccount";
constexpr char kMirrorAnnotation[] = "kubernetes.io/config.mirror";
constexpr char kRootCaConfigMap[] = "kube-root-ca.crt";
constexpr int64_t kTokenExpirationSeconds = 3607;  // the kubelet refreshes it each hour
constexpr int32_t kProjectedDefaultMode = 0644;

// SimpleNameGenerator: the prefix and 5 characters of Kubernetes' alphabet (no vowels, no
// confusable digits). (registry/names.h has it too, but the registry depends on admission.)
std::string GenerateName(std::string_view prefix) {
  static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  thread_local std::minstd_rand random(std::random_device{}());
  std::string name(prefix);
  for (int i = 0; i < 5; ++i) name += kAlphabet[random() % kAlphabet.size()];
  return name;
}

// TokenVolumeSource(): the projection of a service account's API credentials.
void FillTokenVolume(k8s::core::v1::ProjectedVolumeSource* projected) {
  projected->set_default_mode(kProjectedDefaultMode);
  auto* token = projected->add_sources()->mutable_service_account_token();
  token->set_path("token");
  token->set_expiration_seconds(kTokenExpirationSeconds);
  auto* ca = projected->add_sources()->mutable_config_map();
  ca->set_name(kRootCaConfigMap);
  auto* item = ca->add_items();
  item->set_key("ca.crt");
  item->set_path("ca.crt");
  auto* file = projected->add_sources()->mutable_downward_api()->add_items();
  file->set_path("namespace");
  file->mutable_field_ref()->set_api_version("v1");
  file->mutable_field_ref()->set_field_path("metadata.namespace");
}

// Mounts `volume` at the token path in each container without a mount there; true when any
// container got it.
bool MountIn(google::protobuf::RepeatedPtrField<Container>* containers, const std::string& volume) {
  bool mounted = false;
  for (Container& c : *containers) {
    bool taken = false;
    for (const auto& m : c.volume_mounts()) taken = taken || m.mount_path() == kMountPath;
    if (taken) continue;
    auto* mount = c.add_volume_mounts();
    mount->set_name(volume);
    mount->set_read_only(true);
    mount->set_mount_path(kMountPath);
    mounted = true;
  }
  return mounted;
}

// mountServiceAccountToken: reuses a kube-api-access-* volume the pod already has.
void MountToken(Pod* pod) {
  auto* spec = pod->mutable_spec();
  std::string volume;
  for (const auto& v : spec->volumes()) {
    if (v.name().starts_with(kVolumePrefix)) {
      volume = v.name();
      break;
    }
  }
  const bool has_volume = !volume.empty();
  if (!has_volume) volume = GenerateName(kVolumePrefix);
  bool needed = MountIn(spec->mutable_init_containers(), volume);
  needed = MountIn(spec->mutable_containers(), volume) || needed;
  if (has_volume || !needed) return;
  auto* v = spec->add_volumes();
  v->set_name(volume);
  FillTokenVolume(v->mutable_projected());
}

bool ShouldAutomount(const ServiceAccount& sa, const Pod& pod) {
  if (pod.spec().has_automount_service_account_token()) {
    return pod.spec().automount_service_account_token();
  }
  if (sa.has_automount_service_account_token()) return sa.automount_service_account_token();
  return true;
}

bool IsMirror(const Pod& pod) { return pod.metadata().annotations().count(kMirrorAnnotation); }

class ServiceAccountPlugin : public Plugin {
 public:
  explicit ServiceAccountPlugin(storage::Store* store) : store_(store) {}
  std::string_view Name() const override { return "ServiceAccount"; }

  Status Admit(Attributes& a) override {
    if (Ignored(a) || a.operation != Operation::kCreate) return Status();
    Pod* pod = DynamicCastToGenerated<Pod>(a.object);
    if (pod == nullptr) return Status();
    if (IsMirror(*pod)) return Validate(a);
    auto* spec = pod->mutable_spec();
    if (spec->service_account_name().empty())
      spec->set_service_account_name(kDefaultServiceAccount);
    auto sa = Lookup(a, spec->service_account_name());
    if (!sa.ok()) return sa.take_status();
    if (ShouldAutomount(*sa, *pod)) MountToken(pod);
    if (spec->image_pull_secrets().empty()) {
      for (const auto& secret : sa->image_pull_secrets()) {
        spec->add_image_pull_secrets()->set_name(secret.name());
      }
    }
    return Validate(a);
  }

  Status Validate(const Attributes& a) override {
    if (Ignored(a) || a.operation != Operation::kCreate) return Status();
    const Pod* pod = DynamicCastToGenerated<Pod>(a.object);
    if (pod == nullptr) return Status();
    if (IsMirror(*pod)) return ValidateMirror(a, *pod);
    if (pod->spec().service_account_name().empty()) {
      return Forbidden(a, fmt::format("no service account specified for pod {}/{}", a.ns,
                                      pod->metadata().name()));
    }
    auto sa = Lookup(a, pod->spec().service_account_name());
    return sa.ok() ? Status() : sa.take_status();
  }

 private:
  static bool Ignored(const Attributes& a) {
    return !a.subresource.empty() || a.type->kind.group != "" || a.type->resource != "pods";
  }

  static Status ValidateMirror(const Attributes& a, const Pod& pod) {
    if (!pod.spec().service_account_name().empty()) {
      return Forbidden(a, "a mirror pod may not reference service accounts");
    }
    for (const auto& v : pod.spec().volumes()) {
      if (v.has_secret()) return Forbidden(a, "a mirror pod may not reference secrets");
      for (const auto& source : v.projected().sources()) {
        if (source.has_secret()) return Forbidden(a, "a mirror pod may not reference secrets");
        if (source.has_service_account_token()) {
          return Forbidden(a, "a mirror pod may not use ServiceAccountToken volume projections");
        }
      }
    }
    return Status();
  }

  // getServiceAccount: a miss of "default" is looked up again ten times, 100-200ms apart,
  // since the serviceaccount controller makes it right after its namespace appears.
  Result<ServiceAccount> Lookup(const Attributes& a, const std::string& name) const {
    const int attempts = name == kDefaultServiceAccount ? 10 : 1;
    thread_local std::minstd_rand random(std::random_device{}());
    const auto interval = std::chrono::milliseconds(100 + random() % 100);
    for (int i = 0; i < attempts; ++i) {
      if (i > 0) std::this_thread::sleep_for(interval);
      auto sa = store_->Get(storage::ObjectKey("serviceaccounts", a.ns, name));
      if (sa.ok()) return static_cast<const ServiceAccount&>(**sa);
      if (sa.status().reason() != Reason::kNotFound) return Refused(a, name, sa.status().message());
    }
    return Refused(a, name, fmt::format("serviceaccount \"{}\" not found", name));
  }

  static Status Refused(const Attributes& a, const std::string& name, const std::string& why) {
    return Forbidden(a, fmt::format("error looking up service account {}/{}: {}", a.ns, name, why));
  }

  storage::Store* store_;
};

}  // namespace

std::unique_ptr<Plugin> NewServiceAccount(storage::Store* store) {
  return std::make_unique<ServiceAccountPlugin>(store);
}

}  // namespace pk::admission
