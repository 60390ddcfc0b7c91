// Container validation of ValidatePodSpec (k8s.io/kubernetes/pkg/apis/core/validation,
// validateContainers, validateInitContainers, validateContainerCommon), v1.32 wording.
#include <set>

#include "apimachinery/quantity.h"
#include "apimachinery/validation.h"
#include "apiserver/registry/strategies/internal.h"

namespace pk::registry {
namespace {

using k8s::core::v1::Container;

// sets.List(supportedPortProtocols): sorted.
const std::vector<std::string>& PortProtocols() {
  static const std::vector<std::string> v = {"SCTP", "TCP", "UDP"};
  return v;
}

void ValidatePorts(const Container& c, const std::string& path, Causes* causes) {
  std::set<std::string> names;
  for (int i = 0; i < c.ports_size(); ++i) {
    const auto& port = c.ports(i);
    const std::string p = Index(path, i);
    if (!port.name().empty()) {
      const auto errs = validation::IsValidPortName(port.name());
      if (!errs.empty()) {
        AddInvalid(causes, p + ".name", BadValue::String(port.name()), errs);
      } else if (!names.insert(port.name()).second) {
        causes->push_back(Duplicate(p + ".name", BadValue::String(port.name())));
      }
    }
    if (port.container_port() == 0) {
      causes->push_back(Required(p + ".containerPort"));
    } else {
      AddInvalid(causes, p + ".containerPort", BadValue::Int(port.container_port()),
                 validation::IsValidPortNum(port.container_port()));
    }
    if (port.host_port() != 0) {
      AddInvalid(causes, p + ".hostPort", BadValue::Int(port.host_port()),
                 validation::IsValidPortNum(port.host_port()));
    }
    if (port.protocol().empty()) {
      causes->push_back(Required(p + ".protocol"));
    } else if (std::find(PortProtocols().begin(), PortProtocols().end(), port.protocol()) ==
               PortProtocols().end()) {
      causes->push_back(
          NotSupported(p + ".protocol", BadValue::String(port.protocol()), PortProtocols()));
    }
  }
}

void ValidatePullPolicy(const std::string& policy, const std::string& path, Causes* causes) {
  static const std::vector<std::string> kValid = {"Always", "IfNotPresent", "Never"};
  if (policy.empty()) {
    causes->push_back(Required(path));
  } else if (std::find(kValid.begin(), kValid.end(), policy) == kValid.end()) {
    causes->push_back(NotSupported(path, BadValue::String(policy), kValid));
  }
}

void ValidateTerminationMessagePolicy(const std::string& policy, const std::string& path,
                                      Causes* causes) {
  static const std::vector<std::string> kValid = {"File", "FallbackToLogsOnError"};
  if (policy.empty()) {
    causes->push_back(Required(path));
  } else if (std::find(kValid.begin(), kValid.end(), policy) == kValid.end()) {
    causes->push_back(NotSupported(path, BadValue::String(policy), kValid));
  }
}

// ValidateContainerResourceRequirements: quantities not negative, requests within limits.
void ValidateResources(const Container& c, const std::string& path, Causes* causes) {
  const auto& limits = c.resources().limits();
  const auto& requests = c.resources().requests();
  for (const auto& [name, q] : limits) {
    auto parsed = Quantity::Parse(q.string());
    if (parsed.ok() && parsed->Sign() < 0) {
      causes->push_back(Invalid(Key(path + ".limits", name), BadValue::String(q.string()),
                                "must be greater than or equal to 0"));
    }
  }
  for (const auto& [name, q] : requests) {
    auto request = Quantity::Parse(q.string());
    if (!request.ok()) continue;
    if (request->Sign() < 0) {
      causes->push_back(Invalid(Key(path + ".requests", name), BadValue::String(q.string()),
                                "must be greater than or equal to 0"));
    }
    auto it = limits.find(name);
    if (it == limits.end()) continue;
    auto limit = Quantity::Parse(it->second.string());
    if (limit.ok() && *request > *limit) {
      causes->push_back(
          Invalid(path + ".requests", BadValue::String(request->ToString()),
                  "must be less than or equal to " + name + " limit of " + limit->ToString()));
    }
  }
}

void ValidateEnv(const Container& c, const std::string& path, Causes* causes) {
  for (int i = 0; i < c.env_size(); ++i) {
    if (c.env(i).name().empty()) causes->push_back(Required(Index(path, i) + ".name"));
  }
}

void ValidateVolumeMounts(const Container& c, const std::set<std::string>& volumes,
                          const std::string& path, Causes* causes) {
  for (int i = 0; i < c.volume_mounts_size(); ++i) {
    const auto& m = c.volume_mounts(i);
    const std::string p = Index(path, i);
    if (m.name().empty()) {
      causes->push_back(Required(p + ".name"));
    } else if (volumes.count(m.name()) == 0) {
      causes->push_back(NotFound(p + ".name", BadValue::String(m.name())));
    }
    if (m.mount_path().empty()) causes->push_back(Required(p + ".mountPath"));
  }
}

// validateContainerCommon plus the name uniqueness check of validateContainers.
void ValidateContainer(const Container& c, const std::string& path,
                       const std::set<std::string>& volumes, std::set<std::string>* names,
                       Causes* causes) {
  if (c.name().empty()) {
    causes->push_back(Required(path + ".name"));
  } else {
    AddInvalid(causes, path + ".name", BadValue::String(c.name()),
               validation::IsDNS1123Label(c.name()));
  }
  if (c.image().empty()) causes->push_back(Required(path + ".image"));
  ValidateTerminationMessagePolicy(c.termination_message_policy(),
                                   path + ".terminationMessagePolicy", causes);
  ValidatePorts(c, path + ".ports", causes);
  ValidateEnv(c, path + ".env", causes);
  ValidateVolumeMounts(c, volumes, path + ".volumeMounts", causes);
  ValidatePullPolicy(c.image_pull_policy(), path + ".imagePullPolicy", causes);
  ValidateResources(c, path + ".resources", causes);
  if (!c.name().empty() && !names->insert(c.name()).second) {
    causes->push_back(Duplicate(path + ".name", BadValue::String(c.name())));
  }
}

}  // namespace

Causes ValidateContainers(const k8s::core::v1::PodSpec& spec, std::string_view path) {
  Causes causes;
  std::set<std::string> volumes;
  for (const auto& v : spec.volumes()) volumes.insert(v.name());
  std::set<std::string> names;
  const std::string containers = std::string(path) + ".containers";
  if (spec.containers_size() == 0) causes.push_back(Required(containers));
  for (int i = 0; i < spec.containers_size(); ++i) {
    const Container& c = spec.containers(i);
    ValidateContainer(c, Index(containers, i), volumes, &names, &causes);
    if (c.has_restart_policy()) {
      causes.push_back(Forbidden(Index(containers, i) + ".restartPolicy",
                                 "may not be set for non-init containers"));
    }
  }
  const std::string init = std::string(path) + ".initContainers";
  for (int i = 0; i < spec.init_containers_size(); ++i) {
    const Container& c = spec.init_containers(i);
    ValidateContainer(c, Index(init, i), volumes, &names, &causes);
    if (c.has_restart_policy() && c.restart_policy() != "Always") {
      causes.push_back(NotSupported(Index(init, i) + ".restartPolicy",
                                    BadValue::String(c.restart_policy()), {"Always"}));
    }
  }
  return causes;
}

}  // namespace pk::registry
