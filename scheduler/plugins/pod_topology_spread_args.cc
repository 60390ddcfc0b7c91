// PodTopologySpreadArgs: read from the profile's pluginConfig, defaulted (defaultingType System
// when unset) and validated as Kubernetes' ValidatePodTopologySpreadArgs, with its field error
// wording (several errors are listed "[a, b]" as an aggregate prints them).
#include <string>
#include <vector>

#include "apimachinery/codec.h"
#include "apimachinery/validation.h"
#include "apimachinery/yaml.h"
#include "scheduler/plugins/pod_topology_spread.h"

namespace pk::scheduler::plugins {
namespace {

using k8s::core::v1::TopologySpreadConstraint;

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

// One YAML value decoded as a TopologySpreadConstraint (through the API codec, so field names
// and types are the API's).
Status DecodeConstraint(const YAML::Node& node, TopologySpreadConstraint* out) {
  YAML::Emitter emitter;
  emitter << YAML::Flow << node;
  auto docs = YamlToJsonDocuments(emitter.c_str());
  if (!docs.ok()) return docs.take_status();
  if (docs->size() != 1) return Status::BadRequest("defaultConstraints: expected one value");
  json::DecodeReport report;
  return json::DecodeValue((*docs)[0], out, &report);
}

void ValidateConstraint(const std::vector<TopologySpreadConstraint>& all, size_t i,
                        std::vector<std::string>* errs) {
  const TopologySpreadConstraint& c = all[i];
  std::string p = "defaultConstraints[" + std::to_string(i) + "]";
  if (c.max_skew() <= 0) {
    errs->push_back(p + ".maxSkew: Invalid value: " + std::to_string(c.max_skew()) +
                    ": not in valid range (0, inf)");
  }
  if (c.topology_key().empty()) {
    errs->push_back(p + ".topologyKey: Required value: can not be empty");
  } else {
    for (const auto& e : validation::IsQualifiedName(c.topology_key())) {
      errs->push_back(p + ".topologyKey: Invalid value: " + Quote(c.topology_key()) + ": " + e);
    }
  }
  const std::string& w = c.when_unsatisfiable();
  if (w.empty()) {
    errs->push_back(p + ".whenUnsatisfiable: Required value: can not be empty");
  } else if (w != "DoNotSchedule" && w != "ScheduleAnyway") {
    errs->push_back(p + ".whenUnsatisfiable: Unsupported value: " + Quote(w) +
                    ": supported values: \"DoNotSchedule\", \"ScheduleAnyway\"");
  }
  if (c.has_label_selector()) {
    errs->push_back(p + ".labelSelector: Forbidden: constraint must not define a selector, " +
                    "as they deduced for each pod");
  }
  for (size_t j = 0; j < i; ++j) {
    if (all[j].topology_key() == c.topology_key() && all[j].when_unsatisfiable() == w) {
      errs->push_back(p + ": Duplicate value: " + Quote("{" + c.topology_key() + ", " + w + "}"));
      break;
    }
  }
}

std::string Aggregate(const std::vector<std::string>& errs) {
  if (errs.size() == 1) return errs[0];
  std::string out = "[";
  for (size_t i = 0; i < errs.size(); ++i) out += (i ? ", " : "") + errs[i];
  return out + "]";
}

Result<PodTopologySpreadArgs> ParseUnchecked(const YAML::Node& args) {
  PodTopologySpreadArgs out;
  if (!args || args.IsNull()) return out;
  if (!args.IsMap()) return Status::BadRequest("args: expected a map");
  std::string type = args["defaultingType"] ? args["defaultingType"].as<std::string>() : "";
  if (type == "List") {
    out.defaulting_type = PodTopologySpreadArgs::Defaulting::kList;
  } else if (!type.empty() && type != "System") {
    return Status::BadRequest("defaultingType: Unsupported value: " + Quote(type) +
                              ": supported values: \"System\", \"List\"");
  }
  if (const YAML::Node list = args["defaultConstraints"]; list && !list.IsNull()) {
    if (!list.IsSequence()) return Status::BadRequest("defaultConstraints: expected a list");
    for (const auto& item : list) {
      PK_RETURN_IF_ERROR(DecodeConstraint(item, &out.default_constraints.emplace_back()));
    }
  }
  std::vector<std::string> errs;
  if (out.defaulting_type == PodTopologySpreadArgs::Defaulting::kSystem &&
      !out.default_constraints.empty()) {
    errs.push_back(
        "defaultingType: Invalid value: \"System\": when .defaultConstraints are not "
        "empty");
  }
  for (size_t i = 0; i < out.default_constraints.size(); ++i) {
    ValidateConstraint(out.default_constraints, i, &errs);
  }
  if (!errs.empty()) return Status::BadRequest(Aggregate(errs));
  return out;
}

}  // namespace

Result<PodTopologySpreadArgs> PodTopologySpreadArgs::Parse(const YAML::Node& args) {
  try {
    return ParseUnchecked(args);
  } catch (const YAML::Exception& e) {
    return Status::BadRequest(std::string("args: ") + e.what());
  }
}

}  // namespace pk::scheduler::plugins
