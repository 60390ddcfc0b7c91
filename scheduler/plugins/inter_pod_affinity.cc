// InterPodAffinity: args, construction and the namespaceSelector merge (interpodaffinity/
// plugin.go).
#include "scheduler/plugins/inter_pod_affinity.h"

#include "scheduler/plugins/plugins.h"

namespace pk::scheduler::plugins {

Result<InterPodAffinityArgs> InterPodAffinityArgs::Parse(const YAML::Node& args) {
  InterPodAffinityArgs out;
  if (!args || args.IsNull()) return out;
  if (!args.IsMap()) return Status::BadRequest("args: expected a map");
  try {
    if (args["hardPodAffinityWeight"]) {
      out.hard_pod_affinity_weight = args["hardPodAffinityWeight"].as<int32_t>();
    }
    if (args["ignorePreferredTermsOfExistingPods"]) {
      out.ignore_preferred_terms_of_existing_pods =
          args["ignorePreferredTermsOfExistingPods"].as<bool>();
    }
  } catch (const YAML::Exception& e) {
    return Status::BadRequest(std::string("args: ") + e.what());
  }
  if (out.hard_pod_affinity_weight < 0 || out.hard_pod_affinity_weight > 100) {
    return Status::BadRequest(
        "hardPodAffinityWeight: Invalid value: " + std::to_string(out.hard_pod_affinity_weight) +
        ": not in valid range [0-100]");
  }
  return out;
}

void InterPodAffinity::MergeNamespaces(AffinityTerm& term) const {
  if (term.namespace_selector.Empty()) return;
  for (const auto& [name, labels] : handle_.snapshot().namespaces()) {
    if (term.namespace_selector.Matches(labels)) term.namespaces.insert(name);
  }
  term.namespace_selector = LabelSelector::Nothing();
}

Result<std::unique_ptr<Plugin>> NewInterPodAffinity(const YAML::Node& args, Handle& handle) {
  auto parsed = InterPodAffinityArgs::Parse(args);
  if (!parsed.ok()) return Status::BadRequest("InterPodAffinity: " + parsed.status().message());
  return std::unique_ptr<Plugin>(std::make_unique<InterPodAffinity>(*parsed, handle));
}

}  // namespace pk::scheduler::plugins
