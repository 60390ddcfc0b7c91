// The admission plugins by name, as kube-apiserver's --enable-admission-plugins and
// --disable-admission-plugins choose them (k8s.io/kubernetes/pkg/kubeapiserver/options,
// v1.32): the chain holds the default-on plugins plus the enabled ones minus the disabled
// ones, always in Kubernetes' recommended order whatever the order of the flags. (Within the
// chain every mutating phase still runs before every validating one.)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "apiserver/admission/admission.h"
#include "apiserver/storage/store.h"

namespace pk::admission {

// Settings of individual plugins (their kube-apiserver flags).
struct PluginOptions {
  // --default-not-ready-toleration-seconds, --default-unreachable-toleration-seconds
  int64_t not_ready_toleration_seconds = 300;
  int64_t unreachable_toleration_seconds = 300;
};

struct ChainOptions {
  std::vector<std::string> enable;   // --enable-admission-plugins
  std::vector<std::string> disable;  // --disable-admission-plugins
  PluginOptions plugins;
};

// Kubernetes' names in its recommended order (AllOrderedPlugins), including plugins picokube
// does not have.
const std::vector<std::string>& RecommendedPluginOrder();

// The names picokube has a plugin for, in the recommended order.
std::vector<std::string> RegisteredPlugins();

// The names the options turn on, in order; an error with kube-apiserver's message
// (`enable-admission-plugins plugin "X" is unknown`) for a name without a plugin, or a name
// both enabled and disabled.
Result<std::vector<std::string>> EnabledPlugins(const ChainOptions& options);

// Registers the enabled plugins on `chain`, reading and writing through `store`.
Status BuildChain(const ChainOptions& options, storage::Store* store, Chain* chain);

}  // namespace pk::admission
