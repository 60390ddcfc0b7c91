// KubeSchedulerConfiguration: defaults, parsing (strict decode, then validation), and the
// field.ErrorList wording the decoder and the validation share.
#include "scheduler/config/config.h"

#include <fmt/format.h>

#include <set>

#include "scheduler/config/config_internal.h"

namespace pk::scheduler {

std::string_view ExtensionPointName(ExtensionPoint point) {
  switch (point) {
    case ExtensionPoint::kPreEnqueue:
      return "preEnqueue";
    case ExtensionPoint::kQueueSort:
      return "queueSort";
    case ExtensionPoint::kPreFilter:
      return "preFilter";
    case ExtensionPoint::kFilter:
      return "filter";
    case ExtensionPoint::kPostFilter:
      return "postFilter";
    case ExtensionPoint::kPreScore:
      return "preScore";
    case ExtensionPoint::kScore:
      return "score";
    case ExtensionPoint::kReserve:
      return "reserve";
    case ExtensionPoint::kPermit:
      return "permit";
    case ExtensionPoint::kPreBind:
      return "preBind";
    case ExtensionPoint::kBind:
      return "bind";
    case ExtensionPoint::kPostBind:
      return "postBind";
    case ExtensionPoint::kMultiPoint:
      return "multiPoint";
  }
  return "";
}

// default_plugins.go's getDefaultPlugins without the volume plugins (VolumeRestrictions,
// EBSLimits, GCEPDLimits, NodeVolumeLimits, AzureDiskLimits, VolumeBinding, VolumeZone):
// picokube has no persistent volumes.
std::vector<PluginRef> DefaultMultiPointPlugins() {
  return {
      {"SchedulingGates", 0},  {"PrioritySort", 0},      {"NodeUnschedulable", 0},
      {"NodeName", 0},         {"TaintToleration", 3},   {"NodeAffinity", 2},
      {"NodePorts", 0},        {"NodeResourcesFit", 1},  {"PodTopologySpread", 2},
      {"InterPodAffinity", 2}, {"DefaultPreemption", 0}, {"NodeResourcesBalancedAllocation", 1},
      {"ImageLocality", 1},    {"DefaultBinder", 0},
  };
}

// The profile's plugins stay empty: they are "as written", and the framework merges them
// into DefaultMultiPointPlugins().
SchedulerConfig DefaultConfig() {
  SchedulerConfig config;
  config.profiles.emplace_back();
  return config;
}

namespace {

// The document's TypeMeta: only kubescheduler.config.k8s.io/v1 KubeSchedulerConfiguration.
Status CheckTypeMeta(const YAML::Node& root) {
  using namespace config_internal;
  std::vector<std::string> errs;
  auto check = [&](const char* field, std::string_view want) {
    const YAML::Node v = root[field];
    if (!v || v.IsNull() || (v.IsScalar() && v.Scalar().empty())) {
      errs.push_back(fmt::format("{}: Required value: must be {}", field, GoQuote(want)));
    } else if (!v.IsScalar() || v.Scalar() != want) {
      std::string got = v.IsScalar() ? GoQuote(v.Scalar()) : FlowYaml(v);
      errs.push_back(NotSupported(field, got, GoQuote(want)));
    }
  };
  check("apiVersion", kApiVersion);
  check("kind", kKind);
  if (errs.empty()) return Status::OK();
  return Status::BadRequest(Aggregate(errs));
}

Result<SchedulerConfig> ParseDocument(const YAML::Node& root) {
  if (!root.IsMap()) {
    return Status::BadRequest(fmt::format(
        "a scheduler configuration must be a YAML mapping with apiVersion: {} and kind: {}",
        config_internal::kApiVersion, config_internal::kKind));
  }
  PK_RETURN_IF_ERROR(CheckTypeMeta(root));
  auto decoded = config_internal::Decode(root);
  if (!decoded.ok()) return decoded.take_status();
  std::vector<std::string> errs = config_internal::Validate(*decoded);
  if (!errs.empty()) return Status::BadRequest(config_internal::Aggregate(errs));
  return std::move(decoded->config);
}

}  // namespace

Result<SchedulerConfig> ParseConfig(std::string_view yaml) {
  try {
    return ParseDocument(YAML::Load(std::string(yaml)));
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) return Status::BadRequest(fmt::format("yaml: {}", e.msg));
    return Status::BadRequest(
        fmt::format("yaml: line {}: column {}: {}", e.mark.line + 1, e.mark.column + 1, e.msg));
  }
}

namespace config_internal {

std::string Aggregate(const std::vector<std::string>& errors) {
  if (errors.size() == 1) return errors[0];
  std::set<std::string> seen;
  std::string out;
  for (const auto& e : errors) {
    if (!seen.insert(e).second) continue;
    out += (out.empty() ? "" : ", ") + e;
  }
  return seen.size() == 1 ? out : "[" + out + "]";
}

std::string Child(std::string_view path, std::string_view name) {
  if (path.empty()) return std::string(name);
  return fmt::format("{}.{}", path, name);
}

std::string Index(std::string_view path, size_t i) { return fmt::format("{}[{}]", path, i); }

std::string GoQuote(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\x{:02x}", c);
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

std::string Invalid(std::string_view path, std::string_view value, std::string_view detail) {
  return fmt::format("{}: Invalid value: {}: {}", path, value, detail);
}

std::string Required(std::string_view path) { return fmt::format("{}: Required value", path); }

std::string Duplicate(std::string_view path, std::string_view value) {
  return fmt::format("{}: Duplicate value: {}", path, value);
}

std::string NotSupported(std::string_view path, std::string_view value,
                         std::string_view supported) {
  return fmt::format("{}: Unsupported value: {}: supported values: {}", path, value, supported);
}

std::string Forbidden(std::string_view path, std::string_view detail) {
  return fmt::format("{}: Forbidden: {}", path, detail);
}

std::string FlowYaml(const YAML::Node& node) {
  if (!node || node.IsNull()) return "null";
  YAML::Emitter out;
  out << YAML::Flow << node;
  return out.c_str();
}

}  // namespace config_internal
}  // namespace pk::scheduler
