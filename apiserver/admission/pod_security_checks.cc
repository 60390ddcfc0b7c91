// The checks of the Pod Security Standards (k8s.io/pod-security-admission/policy, v1.32),
// each with Kubernetes' reason and detail wording.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "apiserver/admission/pod_security_levels.h"

namespace pk::admission::podsecurity {
namespace {

using k8s::core::v1::PodSpec;
using k8s::meta::v1::ObjectMeta;
using Names = std::vector<std::string>;

// visitContainers: init containers, containers, then ephemeral containers (the last are a
// message of their own with the same fields).
template <class Fn>
void ForEachContainer(const PodSpec& spec, const Fn& fn) {
  for (const auto& c : spec.init_containers()) fn(c);
  for (const auto& c : spec.containers()) fn(c);
  for (const auto& c : spec.ephemeral_containers()) fn(c);
}

std::string JoinQuote(const std::vector<std::string>& items) {
  if (items.empty()) return "";
  return fmt::format("\"{}\"", fmt::join(items, "\", \""));
}
std::string JoinQuote(const std::set<std::string>& items) {
  return JoinQuote(Names(items.begin(), items.end()));
}

const char* Pluralize(const char* singular, const char* plural, size_t n) {
  return n == 1 ? singular : plural;
}

std::string Containers(const Names& names) {
  return fmt::format("{} {}", Pluralize("container", "containers", names.size()), JoinQuote(names));
}

// "pod and containers "a", "b"": who set a bad value.
std::string Setters(bool pod, const Names& containers) {
  Names setters;
  if (pod) setters.push_back("pod");
  if (!containers.empty()) setters.push_back(Containers(containers));
  return fmt::format("{}", fmt::join(setters, " and "));
}

Violation Allowed() { return {}; }

// v1.30+: profile types other than RuntimeDefault and Localhost, then the beta annotations
// other than runtime/default and localhost/*.
Violation AppArmorProfile(const ObjectMeta& meta, const PodSpec& spec) {
  auto allowed_type = [](const auto& profile) {
    return profile.type() == "RuntimeDefault" || profile.type() == "Localhost";
  };
  std::set<std::string> bad_values;
  bool bad_pod = false;
  if (spec.security_context().has_app_armor_profile() &&
      !allowed_type(spec.security_context().app_armor_profile())) {
    bad_pod = true;
    bad_values.insert(spec.security_context().app_armor_profile().type());
  }
  Names bad_containers;
  ForEachContainer(spec, [&](const auto& c) {
    const auto& sc = c.security_context();
    if (sc.has_app_armor_profile() && !allowed_type(sc.app_armor_profile())) {
      bad_containers.push_back(c.name());
      bad_values.insert(sc.app_armor_profile().type());
    }
  });
  Names forbidden;
  if (bad_pod || !bad_containers.empty()) {
    forbidden.push_back(fmt::format("{} must not set AppArmor profile type to {}",
                                    Setters(bad_pod, bad_containers), JoinQuote(bad_values)));
  }
  std::set<std::string> annotations;
  for (const auto& [k, v] : meta.annotations()) {
    if (!k.starts_with("container.apparmor.security.beta.kubernetes.io/")) continue;
    if (v.empty() || v == "runtime/default" || v.starts_with("localhost/")) continue;
    annotations.insert(fmt::format("{}=\"{}\"", k, v));
  }
  forbidden.insert(forbidden.end(), annotations.begin(), annotations.end());
  if (forbidden.empty()) return Allowed();
  return {Pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", forbidden.size()),
          fmt::format("{}", fmt::join(forbidden, ", "))};
}

Violation HostNamespaces(const ObjectMeta&, const PodSpec& spec) {
  Names used;  // sorted, as sets.String.List()
  if (spec.host_ipc()) used.push_back("hostIPC");
  if (spec.host_network()) used.push_back("hostNetwork");
  if (spec.host_pid()) used.push_back("hostPID");
  if (used.empty()) return Allowed();
  return {"host namespaces", fmt::format("{}", fmt::join(used, ", "))};
}

Violation HostPorts(const ObjectMeta&, const PodSpec& spec) {
  Names bad;
  std::set<std::string> ports;  // sorted as strings, as Kubernetes sorts them
  ForEachContainer(spec, [&](const auto& c) {
    bool valid = true;
    for (const auto& p : c.ports()) {
      if (p.host_port() != 0) {
        valid = false;
        ports.insert(std::to_string(p.host_port()));
      }
    }
    if (!valid) bad.push_back(c.name());
  });
  if (bad.empty()) return Allowed();
  return {"hostPort",
          fmt::format("{} {} {} {}", Containers(bad), Pluralize("uses", "use", bad.size()),
                      Pluralize("hostPort", "hostPorts", ports.size()), fmt::join(ports, ", "))};
}

Violation Privileged(const ObjectMeta&, const PodSpec& spec) {
  Names bad;
  ForEachContainer(spec, [&](const auto& c) {
    if (c.security_context().privileged()) bad.push_back(c.name());
  });
  if (bad.empty()) return Allowed();
  return {"privileged",
          fmt::format("{} must not set securityContext.privileged=true", Containers(bad))};
}

Violation ProcMount(const ObjectMeta&, const PodSpec& spec) {
  Names bad;
  std::set<std::string> types;
  ForEachContainer(spec, [&](const auto& c) {
    const auto& sc = c.security_context();
    if (sc.has_proc_mount() && sc.proc_mount() != "Default") {
      bad.push_back(c.name());
      types.insert(sc.proc_mount());
    }
  });
  if (bad.empty()) return Allowed();
  return {"procMount", fmt::format("{} must not set securityContext.procMount to {}",
                                   Containers(bad), JoinQuote(types))};
}

// container_engine_t is allowed from v1.31.
Violation SELinuxOptions(const PodSpec& spec, const Version& version) {
  static const std::set<std::string> kTypes = {"", "container_t", "container_init_t",
                                               "container_kvm_t"};
  bool engine = version.latest || version.minor >= 31;
  auto allowed = [&](const std::string& t) {
    return kTypes.count(t) > 0 || (engine && t == "container_engine_t");
  };
  std::set<std::string> bad_types;
  bool set_user = false;
  bool set_role = false;
  auto valid = [&](const auto& o) {
    bool ok = true;
    if (!allowed(o.type())) ok = false, bad_types.insert(o.type());
    if (!o.user().empty()) ok = false, set_user = true;
    if (!o.role().empty()) ok = false, set_role = true;
    return ok;
  };
  bool bad_pod = spec.security_context().has_se_linux_options() &&
                 !valid(spec.security_context().se_linux_options());
  Names bad;
  ForEachContainer(spec, [&](const auto& c) {
    const auto& sc = c.security_context();
    if (sc.has_se_linux_options() && !valid(sc.se_linux_options())) bad.push_back(c.name());
  });
  if (!bad_pod && bad.empty()) return Allowed();
  Names data;
  if (!bad_types.empty()) {
    data.push_back(
        fmt::format("{} {}", Pluralize("type", "types", bad_types.size()), JoinQuote(bad_types)));
    // As Kubernetes: user and role are only named alongside a bad type.
    if (set_user) data.push_back("user may not be set");
    if (set_role) data.push_back("role may not be set");
  }
  return {"seLinuxOptions", fmt::format("{} set forbidden securityContext.seLinuxOptions: {}",
                                        Setters(bad_pod, bad), fmt::join(data, "; "))};
}

// The allowed sysctls grow with the policy version (1.0, 1.27, 1.29, 1.32).
bool SafeSysctl(const std::string& name, const Version& v) {
  static const std::map<std::string, int> kSince = {
      {"kernel.shm_rmid_forced", 0},
      {"net.ipv4.ip_local_port_range", 0},
      {"net.ipv4.tcp_syncookies", 0},
      {"net.ipv4.ping_group_range", 0},
      {"net.ipv4.ip_unprivileged_port_start", 0},
      {"net.ipv4.ip_local_reserved_ports", 27},
      {"net.ipv4.tcp_keepalive_time", 29},
      {"net.ipv4.tcp_fin_timeout", 29},
      {"net.ipv4.tcp_keepalive_intvl", 29},
      {"net.ipv4.tcp_keepalive_probes", 29},
      {"net.ipv4.tcp_rmem", 32},
      {"net.ipv4.tcp_wmem", 32},
  };
  auto it = kSince.find(name);
  return it != kSince.end() && (v.latest || v.minor >= it->second);
}

Violation Sysctls(const PodSpec& spec, const Version& v) {
  Names bad;
  for (const auto& s : spec.security_context().sysctls()) {
    if (!SafeSysctl(s.name(), v)) bad.push_back(s.name());
  }
  if (bad.empty()) return Allowed();
  return {"forbidden sysctls", fmt::format("{}", fmt::join(bad, ", "))};
}

Violation WindowsHostProcess(const ObjectMeta&, const PodSpec& spec) {
  Names bad;
  ForEachContainer(spec, [&](const auto& c) {
    if (c.security_context().windows_options().host_process()) bad.push_back(c.name());
  });
  bool bad_pod = spec.security_context().windows_options().host_process();
  if (!bad_pod && bad.empty()) return Allowed();
  return {"hostProcess",
          fmt::format("{} must not set securityContext.windowsOptions.hostProcess=true",
                      Setters(bad_pod, bad))};
}

const std::set<std::string>& BaselineCapabilities() {
  static const std::set<std::string> kAllowed = {
      "AUDIT_WRITE",      "CHOWN",   "DAC_OVERRIDE", "FOWNER",  "FSETID", "KILL",      "MKNOD",
      "NET_BIND_SERVICE", "SETFCAP", "SETGID",       "SETPCAP", "SETUID", "SYS_CHROOT"};
  return kAllowed;
}

Violation CapabilitiesBaseline(const ObjectMeta&, const PodSpec& spec) {
  Names bad;
  std::set<std::string> caps;
  ForEachContainer(spec, [&](const auto& c) {
    bool valid = true;
    for (const auto& cap : c.security_context().capabilities().add()) {
      if (!BaselineCapabilities().count(cap)) valid = false, caps.insert(cap);
    }
    if (!valid) bad.push_back(c.name());
  });
  if (bad.empty()) return Allowed();
  return {"non-default capabilities",
          fmt::format("{} must not include {} in securityContext.capabilities.add", Containers(bad),
                      JoinQuote(caps))};
}

Violation HostPathVolumes(const ObjectMeta&, const PodSpec& spec) {
  Names bad;
  for (const auto& v : spec.volumes()) {
    if (v.has_host_path()) bad.push_back(v.name());
  }
  if (bad.empty()) return Allowed();
  return {"hostPath volumes",
          fmt::format("{} {}", Pluralize("volume", "volumes", bad.size()), JoinQuote(bad))};
}

bool ValidSeccomp(const std::string& type) {
  return type == "RuntimeDefault" || type == "Localhost";
}

// seccompProfile_baseline before v1.19: the alpha annotations.
Violation SeccompAnnotations(const ObjectMeta& meta, const PodSpec& spec) {
  auto valid = [](const std::string& v) {
    return v == "runtime/default" || v == "docker/default" || v.starts_with("localhost/");
  };
  std::set<std::string> bad;
  auto check = [&](const std::string& key) {
    auto it = meta.annotations().find(key);
    if (it != meta.annotations().end() && !valid(it->second)) {
      bad.insert(fmt::format("{}=\"{}\"", key, it->second));
    }
  };
  check("seccomp.security.alpha.kubernetes.io/pod");
  ForEachContainer(spec, [&](const auto& c) {
    check("container.seccomp.security.alpha.kubernetes.io/" + c.name());
  });
  if (bad.empty()) return Allowed();
  return {"seccompProfile",
          fmt::format("forbidden {} {}", Pluralize("annotation", "annotations", bad.size()),
                      fmt::join(bad, ", "))};
}

// seccompProfile_baseline (v1.19+) and _restricted: explicit bad types, and for restricted
// also containers left without a profile by a pod that sets none.
Violation Seccomp(const PodSpec& spec, bool required) {
  std::set<std::string> bad_values;
  bool bad_pod = false;
  bool pod_set = false;
  if (spec.security_context().has_seccomp_profile()) {
    const auto& type = spec.security_context().seccomp_profile().type();
    if (ValidSeccomp(type)) {
      pod_set = true;
    } else {
      bad_pod = true;
      bad_values.insert(type);
    }
  }
  Names explicit_bad, implicit_bad;
  ForEachContainer(spec, [&](const auto& c) {
    if (c.security_context().has_seccomp_profile()) {
      const auto& type = c.security_context().seccomp_profile().type();
      if (!ValidSeccomp(type)) explicit_bad.push_back(c.name()), bad_values.insert(type);
    } else if (!pod_set) {
      implicit_bad.push_back(c.name());
    }
  });
  if (bad_pod || !explicit_bad.empty()) {
    return {"seccompProfile",
            fmt::format("{} must not set securityContext.seccompProfile.type to {}",
                        Setters(bad_pod, explicit_bad), JoinQuote(bad_values))};
  }
  if (required && !implicit_bad.empty()) {
    return {"seccompProfile",
            fmt::format("pod or {} must set securityContext.seccompProfile.type to "
                        "\"RuntimeDefault\" or \"Localhost\"",
                        Containers(implicit_bad))};
  }
  return Allowed();
}

Violation AllowPrivilegeEscalation(const ObjectMeta&, const PodSpec& spec) {
  Names bad;
  ForEachContainer(spec, [&](const auto& c) {
    const auto& sc = c.security_context();
    if (!sc.has_allow_privilege_escalation() || sc.allow_privilege_escalation()) {
      bad.push_back(c.name());
    }
  });
  if (bad.empty()) return Allowed();
  return {
      "allowPrivilegeEscalation != false",
      fmt::format("{} must set securityContext.allowPrivilegeEscalation=false", Containers(bad))};
}

Violation CapabilitiesRestricted(const ObjectMeta&, const PodSpec& spec) {
  Names missing_drop, adding;
  std::set<std::string> caps;
  ForEachContainer(spec, [&](const auto& c) {
    const auto& sc = c.security_context();
    if (!sc.has_capabilities()) {
      missing_drop.push_back(c.name());
      return;
    }
    const auto& drop = sc.capabilities().drop();
    if (std::find(drop.begin(), drop.end(), "ALL") == drop.end()) missing_drop.push_back(c.name());
    bool forbidden = false;
    for (const auto& cap : sc.capabilities().add()) {
      if (cap != "NET_BIND_SERVICE") forbidden = true, caps.insert(cap);
    }
    if (forbidden) adding.push_back(c.name());
  });
  Names details;
  if (!missing_drop.empty()) {
    details.push_back(fmt::format(R"({} must set securityContext.capabilities.drop=["ALL"])",
                                  Containers(missing_drop)));
  }
  if (!adding.empty()) {
    details.push_back(fmt::format("{} must not include {} in securityContext.capabilities.add",
                                  Containers(adding), JoinQuote(caps)));
  }
  if (details.empty()) return Allowed();
  return {"unrestricted capabilities", fmt::format("{}", fmt::join(details, "; "))};
}

// The volume source a volume uses, by its JSON name ("" when none is set).
std::string VolumeType(const k8s::core::v1::Volume& v) {
  const auto* descriptor = v.GetDescriptor();
  const auto* reflection = v.GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const auto* field = descriptor->field(i);
    if (field->name() != "name" && reflection->HasField(v, field)) return field->json_name();
  }
  return "";
}

Violation RestrictedVolumes(const ObjectMeta&, const PodSpec& spec) {
  static const std::set<std::string> kAllowed = {"configMap", "csi",       "downwardAPI",
                                                 "emptyDir",  "ephemeral", "persistentVolumeClaim",
                                                 "projected", "secret"};
  Names bad;
  std::set<std::string> types;
  for (const auto& v : spec.volumes()) {
    std::string type = VolumeType(v);
    if (type.empty() || kAllowed.count(type)) continue;
    bad.push_back(v.name());
    types.insert(type);
  }
  if (bad.empty()) return Allowed();
  return {"restricted volume types",
          fmt::format("{} {} {} {} {}", Pluralize("volume", "volumes", bad.size()), JoinQuote(bad),
                      Pluralize("uses", "use", bad.size()),
                      Pluralize("restricted volume type", "restricted volume types", types.size()),
                      JoinQuote(types))};
}

Violation RunAsNonRoot(const ObjectMeta&, const PodSpec& spec) {
  bool bad_pod = false;
  bool pod_non_root = false;
  if (spec.security_context().has_run_as_non_root()) {
    (spec.security_context().run_as_non_root() ? pod_non_root : bad_pod) = true;
  }
  Names explicit_bad, implicit_bad;
  ForEachContainer(spec, [&](const auto& c) {
    const auto& sc = c.security_context();
    if (sc.has_run_as_non_root()) {
      if (!sc.run_as_non_root()) explicit_bad.push_back(c.name());
    } else if (!pod_non_root) {
      implicit_bad.push_back(c.name());
    }
  });
  if (bad_pod || !explicit_bad.empty()) {
    return {"runAsNonRoot != true",
            fmt::format("{} must not set securityContext.runAsNonRoot=false",
                        Setters(bad_pod, explicit_bad))};
  }
  if (!implicit_bad.empty()) {
    return {"runAsNonRoot != true",
            fmt::format("pod or {} must set securityContext.runAsNonRoot=true",
                        Containers(implicit_bad))};
  }
  return Allowed();
}

Violation RunAsUser(const ObjectMeta&, const PodSpec& spec) {
  const auto& psc = spec.security_context();
  bool bad_pod = psc.has_run_as_user() && psc.run_as_user() == 0;
  Names bad;
  ForEachContainer(spec, [&](const auto& c) {
    const auto& sc = c.security_context();
    if (sc.has_run_as_user() && sc.run_as_user() == 0) bad.push_back(c.name());
  });
  if (!bad_pod && bad.empty()) return Allowed();
  return {"runAsUser=0", fmt::format("{} must not set runAsUser=0", Setters(bad_pod, bad))};
}

enum class Group { kBaseline, kOverlap, kRestricted };

// One check: its group (an overlapping baseline check is replaced by a restricted one at the
// restricted level), the first policy version it applies to, and the check.
struct Check {
  Group group;
  int since;  // v1.since
  std::function<Violation(const ObjectMeta&, const PodSpec&, const Version&)> run;
};

template <class Fn>
Check Plain(Group group, int since, Fn fn) {
  return {group, since,
          [fn](const ObjectMeta& m, const PodSpec& s, const Version&) { return fn(m, s); }};
}

// Kubernetes registers the checks in the order of their file names; so are they here.
const std::vector<Check>& Checks() {
  static const auto* checks = new std::vector<Check>{
      Plain(Group::kRestricted, 8, AllowPrivilegeEscalation),
      Plain(Group::kBaseline, 0, AppArmorProfile),
      Plain(Group::kOverlap, 0, CapabilitiesBaseline),
      Plain(Group::kRestricted, 22, CapabilitiesRestricted),
      Plain(Group::kBaseline, 0, HostNamespaces),
      Plain(Group::kOverlap, 0, HostPathVolumes),
      Plain(Group::kBaseline, 0, HostPorts),
      Plain(Group::kBaseline, 0, Privileged),
      Plain(Group::kBaseline, 0, ProcMount),
      Plain(Group::kRestricted, 0, RestrictedVolumes),
      Plain(Group::kRestricted, 0, RunAsNonRoot),
      Plain(Group::kRestricted, 23, RunAsUser),
      {Group::kBaseline, 0,
       [](const ObjectMeta&, const PodSpec& s, const Version& v) { return SELinuxOptions(s, v); }},
      {Group::kOverlap, 0,
       [](const ObjectMeta& m, const PodSpec& s, const Version& v) {
         bool fields = v.latest || v.minor >= 19;
         return fields ? Seccomp(s, false) : SeccompAnnotations(m, s);
       }},
      {Group::kRestricted, 19,
       [](const ObjectMeta&, const PodSpec& s, const Version&) { return Seccomp(s, true); }},
      {Group::kBaseline, 0,
       [](const ObjectMeta&, const PodSpec& s, const Version& v) { return Sysctls(s, v); }},
      Plain(Group::kBaseline, 0, WindowsHostProcess),
  };
  return *checks;
}

void Run(Group group, const LevelVersion& lv, const ObjectMeta& meta, const PodSpec& spec,
         Result* result) {
  for (const Check& check : Checks()) {
    if (check.group != group) continue;
    if (!lv.version.latest && lv.version.minor < check.since) continue;
    Violation v = check.run(meta, spec, lv.version);
    if (!v.reason.empty()) result->violations.push_back(std::move(v));
  }
}

}  // namespace

Result Evaluate(const LevelVersion& lv, const ObjectMeta& meta, const PodSpec& spec) {
  Result result;
  if (lv.level == Level::kPrivileged) return result;
  Run(Group::kBaseline, lv, meta, spec, &result);
  Run(lv.level == Level::kBaseline ? Group::kOverlap : Group::kRestricted, lv, meta, spec, &result);
  return result;
}

}  // namespace pk::admission::podsecurity
