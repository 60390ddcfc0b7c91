// Secret and ConfigMap strategies (pkg/apis/core/v1 conversion and defaults,
// pkg/apis/core/validation ValidateSecret/ValidateConfigMap and their updates), v1.32.
#include <set>

#include "apimachinery/maps.h"
#include "apimachinery/validation.h"
#include "apiserver/registry/strategies/internal.h"
#include "proto/core/v1/config.pb.h"

namespace pk::registry {
namespace {

using k8s::core::v1::ConfigMap;
using k8s::core::v1::Secret;

constexpr int64_t kMaxSecretSize = 1024 * 1024;

template <class MapT>
std::vector<std::string> SortedKeys(const MapT& map) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : map) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  return keys;
}

// Checks the keys of one data map, adding the sizes of its values to `total`.
template <class MapT, class OtherT>
void ValidateDataKeys(const MapT& map, const OtherT& other, const std::string& path,
                      const std::string& other_name, int64_t* total, Causes* causes) {
  for (const std::string& key : SortedKeys(map)) {
    AddInvalid(causes, Key(path, key), BadValue::String(key), validation::IsConfigMapKey(key));
    if (other.find(key) != other.end()) {
      causes->push_back(Invalid(Key(path, key), BadValue::String(key),
                                "duplicate of key present in " + other_name));
    }
    *total += static_cast<int64_t>(map.at(key).size());
  }
}

// The keys a typed secret must have.
void ValidateSecretType(const Secret& secret, Causes* causes) {
  const auto& data = secret.data();
  const auto has = [&data](const char* key) { return data.find(key) != data.end(); };
  const std::string& type = secret.type();
  if (type == "kubernetes.io/service-account-token") {
    const auto& annotations = secret.metadata().annotations();
    if (annotations.find("kubernetes.io/service-account.name") == annotations.end()) {
      causes->push_back(Required("metadata.annotations[kubernetes.io/service-account.name]"));
    }
  } else if (type == "kubernetes.io/dockercfg") {
    if (!has(".dockercfg")) causes->push_back(Required("data[.dockercfg]"));
  } else if (type == "kubernetes.io/dockerconfigjson") {
    if (!has(".dockerconfigjson")) causes->push_back(Required("data[.dockerconfigjson]"));
  } else if (type == "kubernetes.io/basic-auth") {
    if (!has("username") && !has("password")) {
      causes->push_back(Required("data[username]"));
      causes->push_back(Required("data[password]"));
    }
  } else if (type == "kubernetes.io/ssh-auth") {
    if (!has("ssh-privatekey") || data.at("ssh-privatekey").empty()) {
      causes->push_back(Required("data[ssh-privatekey]"));
    }
  } else if (type == "kubernetes.io/tls") {
    if (!has("tls.crt")) causes->push_back(Required("data[tls.crt]"));
    if (!has("tls.key")) causes->push_back(Required("data[tls.key]"));
  }
}

constexpr std::string_view kImmutableWhenSet = "field is immutable when `immutable` is set";

class SecretStrategyImpl : public Strategy {
 public:
  // stringData is write-only: merged over data (the v1 -> internal conversion), then dropped.
  void Default(Message* object) const override {
    Secret& secret = As<Secret>(object);
    for (const auto& [key, value] : secret.string_data()) (*secret.mutable_data())[key] = value;
    secret.clear_string_data();
    if (secret.type().empty()) secret.set_type("Opaque");
  }

  Causes Validate(const Message& object) const override {
    const Secret& secret = As<Secret>(object);
    Causes causes;
    int64_t total = 0;
    const google::protobuf::Map<std::string, std::string> none;
    ValidateDataKeys(secret.data(), none, "data", "", &total, &causes);
    if (total > kMaxSecretSize) causes.push_back(TooLong("data", kMaxSecretSize));
    ValidateSecretType(secret, &causes);
    return causes;
  }

  Causes ValidateUpdate(const Message& object, const Message& old) const override {
    const Secret& now = As<Secret>(object);
    const Secret& before = As<Secret>(old);
    Causes causes;
    if (now.type() != before.type()) {
      causes.push_back(Immutable("type", BadValue::String(now.type())));
    }
    if (before.has_immutable() && before.immutable()) {
      if (!now.has_immutable() || !now.immutable()) {
        causes.push_back(Forbidden("immutable", kImmutableWhenSet));
      }
      if (!SameMap(now.data(), before.data()))
        causes.push_back(Forbidden("data", kImmutableWhenSet));
    }
    return causes;
  }

  // SecretToSelectableFields.
  std::vector<std::string> FieldSelectors() const override { return {"type"}; }
};

class ConfigMapStrategyImpl : public Strategy {
 public:
  Causes Validate(const Message& object) const override {
    const ConfigMap& cm = As<ConfigMap>(object);
    Causes causes;
    int64_t total = 0;
    ValidateDataKeys(cm.data(), cm.binary_data(), "data", "binaryData", &total, &causes);
    ValidateDataKeys(cm.binary_data(), cm.data(), "binaryData", "data", &total, &causes);
    // The empty path: the error is about the whole object.
    if (total > kMaxSecretSize) causes.push_back(TooLong("", kMaxSecretSize));
    return causes;
  }

  Causes ValidateUpdate(const Message& object, const Message& old) const override {
    const ConfigMap& now = As<ConfigMap>(object);
    const ConfigMap& before = As<ConfigMap>(old);
    Causes causes;
    if (!before.has_immutable() || !before.immutable()) return causes;
    if (!now.has_immutable() || !now.immutable()) {
      causes.push_back(Forbidden("immutable", kImmutableWhenSet));
    }
    if (!SameMap(now.data(), before.data())) causes.push_back(Forbidden("data", kImmutableWhenSet));
    if (!SameMap(now.binary_data(), before.binary_data())) {
      causes.push_back(Forbidden("binaryData", kImmutableWhenSet));
    }
    return causes;
  }
};

}  // namespace

const Strategy& SecretStrategy() {
  static const SecretStrategyImpl strategy;
  return strategy;
}

const Strategy& ConfigMapStrategy() {
  static const ConfigMapStrategyImpl strategy;
  return strategy;
}

}  // namespace pk::registry
