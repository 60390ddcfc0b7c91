// The steps that act on the cluster: kubectl for what a user would type, the launcher for
// crashes and restarts, fake-cri-ctl for container faults, the apiserver's fault endpoint for
// a slow store. Each has a shape check (at parse time) and a run.
#include <fmt/format.h>

#include <algorithm>
#include <thread>

#include "apimachinery/time.h"
#include "scenario/scenario_internal.h"

namespace pk::scenario {
namespace {

using std::chrono::milliseconds;

// --- Shapes.

Status NeedScalar(const YAML::Node& n, const char* what) {
  if (n.IsScalar() && !n.Scalar().empty()) return {};
  return Status::BadRequest(fmt::format("takes {}", what));
}

Status NeedKeys(const YAML::Node& n, std::initializer_list<const char*> required,
                std::initializer_list<const char*> optional) {
  if (!n.IsMap()) return Status::BadRequest("takes a map");
  for (const char* key : required) {
    if (!n[key]) return Status::BadRequest(fmt::format("needs `{}`", key));
  }
  for (const auto& kv : n) {
    const std::string key = kv.first.Scalar();
    auto known = [&](std::initializer_list<const char*> keys) {
      return std::any_of(keys.begin(), keys.end(), [&](const char* k) { return key == k; });
    };
    if (!known(required) && !known(optional)) {
      return Status::BadRequest(fmt::format("unknown key `{}`", key));
    }
  }
  return {};
}

Result<milliseconds> DurationOf(const YAML::Node& n) {
  if (!n.IsScalar()) return Status::BadRequest("takes a duration (500ms, 2s, 1m30s)");
  auto nanos = ParseGoDuration(n.Scalar());
  if (!nanos.ok() || *nanos < 0) {
    return Status::BadRequest(
        fmt::format("takes a duration (500ms, 2s, 1m30s), not '{}'", n.Scalar()));
  }
  return milliseconds(*nanos / 1000000);
}

Result<int> IntOf(const YAML::Node& n, const char* what) {
  try {
    return n.as<int>();
  } catch (const YAML::Exception&) {
    return Status::BadRequest(fmt::format("`{}` must be a whole number", what));
  }
}

std::string Str(const YAML::Node& n, const char* key, const std::string& fallback = "") {
  return n[key] ? n[key].Scalar() : fallback;
}

Status ShapeScalar(const YAML::Node& n) { return NeedScalar(n, "a value"); }
Status ShapeDuration(const YAML::Node& n) { return DurationOf(n).status(); }
Status ShapeCreate(const YAML::Node& n) {
  PK_RETURN_IF_ERROR(NeedKeys(n, {"count", "manifest"}, {}));
  return IntOf(n["count"], "count").status();
}
Status ShapeDeletePods(const YAML::Node& n) {
  PK_RETURN_IF_ERROR(NeedKeys(n, {"selector", "count"}, {"namespace"}));
  return IntOf(n["count"], "count").status();
}
Status ShapeKubectl(const YAML::Node& n) {
  if (n.IsScalar()) return NeedScalar(n, "kubectl's arguments");
  return NeedKeys(n, {"args"}, {"expect-error"});
}
Status ShapeScale(const YAML::Node& n) {
  if (!n.IsMap()) return Status::BadRequest("takes a map");
  int kinds = !!n["deployment"] + !!n["replicaset"] + !!n["statefulset"];
  if (kinds != 1)
    return Status::BadRequest("needs one of `deployment`, `replicaset`, `statefulset`");
  PK_RETURN_IF_ERROR(
      NeedKeys(n, {"replicas"}, {"deployment", "replicaset", "statefulset", "namespace"}));
  return IntOf(n["replicas"], "replicas").status();
}
Status ShapeSlow(const YAML::Node& n) {
  if (n.IsMap() && n["store"]) {
    PK_RETURN_IF_ERROR(NeedKeys(n, {"store"}, {}));
    return DurationOf(n["store"]).status();
  }
  PK_RETURN_IF_ERROR(NeedKeys(n, {"kubelet", "by"}, {}));
  return DurationOf(n["by"]).status();
}
Status ShapeContainerFault(const YAML::Node& n) {
  PK_RETURN_IF_ERROR(NeedKeys(n, {"pod"}, {"container", "namespace", "exit-code", "oom"}));
  if (!!n["exit-code"] == !!n["oom"]) return Status::BadRequest("needs `exit-code` or `oom: true`");
  return n["exit-code"] ? IntOf(n["exit-code"], "exit-code").status() : Status();
}
Status ShapeFailPulls(const YAML::Node& n) {
  PK_RETURN_IF_ERROR(NeedKeys(n, {"kubelet", "count"}, {"image"}));
  return IntOf(n["count"], "count").status();
}

// --- Runs.

Status Kubectl(RunContext& ctx, const std::string& args) { return ctx.Kubectl(args).status(); }

Status RunApply(RunContext& ctx, const Step& step) {
  return Kubectl(ctx, "apply -f " + ShellQuote(ctx.WriteManifest(step.args.Scalar())));
}

// Emits `n` as yaml-cpp read it, except that a scalar written quoted (or as a block) in the
// source is quoted again: yaml-cpp's Emitter writes "0" or "true" plainly, so kubectl would read
// a number or a bool where the manifest had a string (a label value, a toleration's value).
void EmitKeepingQuotes(YAML::Emitter& out, const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map:
      out << YAML::BeginMap;
      for (const auto& kv : n) {
        out << YAML::Key;
        EmitKeepingQuotes(out, kv.first);
        out << YAML::Value;
        EmitKeepingQuotes(out, kv.second);
      }
      out << YAML::EndMap;
      return;
    case YAML::NodeType::Sequence:
      out << YAML::BeginSeq;
      for (const auto& item : n) EmitKeepingQuotes(out, item);
      out << YAML::EndSeq;
      return;
    case YAML::NodeType::Scalar:
      if (n.Tag() == "!") out << YAML::DoubleQuoted;
      out << n.Scalar();
      return;
    default:
      out << YAML::Null;
  }
}

}  // namespace

// N copies of one manifest: {{i}} replaced, metadata.name suffixed -k.
Result<std::string> CreateManifests(const std::string& manifest, int count) {
  std::string all;
  for (int k = 0; k < count; ++k) {
    std::string text = manifest;
    for (size_t at; (at = text.find("{{i}}")) != std::string::npos;) {
      text.replace(at, 5, std::to_string(k));
    }
    YAML::Node doc;
    try {
      doc = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      return Status::BadRequest(fmt::format("the manifest is not YAML: {}", e.msg));
    }
    if (!doc.IsMap() || !doc["metadata"] || !doc["metadata"]["name"]) {
      return Status::BadRequest("the manifest needs metadata.name");
    }
    doc["metadata"]["name"] = fmt::format("{}-{}", doc["metadata"]["name"].Scalar(), k);
    YAML::Emitter out;
    EmitKeepingQuotes(out, doc);
    all += std::string("---\n") + out.c_str() + "\n";
  }
  return all;
}

namespace {

Status RunCreate(RunContext& ctx, const Step& step) {
  auto all = CreateManifests(step.args["manifest"].Scalar(), step.args["count"].as<int>());
  if (!all.ok()) return all.status();
  return Kubectl(ctx, "create -f " + ShellQuote(ctx.WriteManifest(*all)));
}

Status RunDelete(RunContext& ctx, const Step& step) {
  return Kubectl(ctx, "delete " + step.args.Scalar() + " --wait=false");
}

// Picks `count` of the selector's pods that are not being deleted, at random with the seed.
Status RunDeletePods(RunContext& ctx, const Step& step) {
  client::ListOptions options;
  options.label_selector = step.args["selector"].Scalar();
  const std::string ns = Str(step.args, "namespace", "default");
  auto list = ctx.cluster.clientset().Pods(ns).List(options);
  if (!list.ok()) return list.take_status();
  std::vector<std::string> names;
  for (const auto& p : list->items) {
    if (!p->metadata().has_deletion_timestamp()) names.push_back(p->metadata().name());
  }
  std::sort(names.begin(), names.end());
  const size_t count = step.args["count"].as<size_t>();
  if (names.size() < count) {
    return Status::BadRequest(fmt::format("only {} pods match {} (not being deleted), {} wanted",
                                          names.size(), options.label_selector, count));
  }
  std::shuffle(names.begin(), names.end(), ctx.rng);
  names.resize(count);
  return Kubectl(
      ctx, fmt::format("delete pod -n {} {} --wait=false", ShellQuote(ns), fmt::join(names, " ")));
}

Status RunKubectl(RunContext& ctx, const Step& step) {
  if (step.args.IsScalar()) return Kubectl(ctx, step.args.Scalar());
  auto out = ctx.Kubectl(step.args["args"].Scalar());
  if (!step.args["expect-error"]) return out.status();
  const std::string want = step.args["expect-error"].Scalar();
  if (out.ok()) return Status::BadRequest("kubectl succeeded; an error was expected: " + want);
  if (out.status().message().find(want) == std::string::npos) {
    return Status::BadRequest(
        fmt::format("kubectl failed, but without '{}': {}", want, out.status().message()));
  }
  return {};
}

Status RunScale(RunContext& ctx, const Step& step) {
  std::string kind;
  for (const char* k : {"deployment", "replicaset", "statefulset"}) {
    if (step.args[k]) kind = k;
  }
  return Kubectl(
      ctx, fmt::format("scale -n {} {}/{} --replicas={}",
                       ShellQuote(Str(step.args, "namespace", "default")), kind,
                       ShellQuote(step.args[kind].Scalar()), step.args["replicas"].as<int>()));
}

Status RunCordon(RunContext& ctx, const Step& step) {
  return Kubectl(ctx, "cordon " + ShellQuote(step.args.Scalar()));
}
Status RunUncordon(RunContext& ctx, const Step& step) {
  return Kubectl(ctx, "uncordon " + ShellQuote(step.args.Scalar()));
}
Status RunDrain(RunContext& ctx, const Step& step) {
  return Kubectl(ctx, "drain " + ShellQuote(step.args.Scalar()) +
                          " --ignore-daemonsets --delete-emptydir-data --force --timeout=120s");
}
Status RunDeleteNode(RunContext& ctx, const Step& step) {
  return Kubectl(ctx, "delete node " + ShellQuote(step.args.Scalar()) + " --wait=false");
}

Status KnownComponent(RunContext& ctx, const std::string& name) {
  auto all = ctx.cluster.components();
  if (std::find(all.begin(), all.end(), name) != all.end()) return {};
  return Status::BadRequest(
      fmt::format("no component '{}'; the cluster's are: {}", name, fmt::join(all, ", ")));
}

Status RunKill(RunContext& ctx, const Step& step) {
  PK_RETURN_IF_ERROR(KnownComponent(ctx, step.args.Scalar()));
  ctx.cluster.Kill(step.args.Scalar());
  return {};
}
Status RunStop(RunContext& ctx, const Step& step) {
  PK_RETURN_IF_ERROR(KnownComponent(ctx, step.args.Scalar()));
  ctx.cluster.Stop(step.args.Scalar());
  return {};
}
Status RunStart(RunContext& ctx, const Step& step) {
  PK_RETURN_IF_ERROR(KnownComponent(ctx, step.args.Scalar()));
  return ctx.cluster.StartComponent(step.args.Scalar());
}
Status RunRestart(RunContext& ctx, const Step& step) {
  PK_RETURN_IF_ERROR(KnownComponent(ctx, step.args.Scalar()));
  ctx.cluster.Kill(step.args.Scalar());
  return ctx.cluster.StartComponent(step.args.Scalar());
}

// `fake-cri-ctl --socket S ARGS` for a kubelet entry's container runtime.
Status FakeCriCtl(RunContext& ctx, const std::string& entry, const std::string& args) {
  auto entries = ctx.Entries();
  if (std::find(entries.begin(), entries.end(), entry) == entries.end()) {
    return Status::BadRequest(
        fmt::format("no node entry '{}'; the scenario's are: {}", entry, fmt::join(entries, ", ")));
  }
  const auto socket = ctx.dir / "nodes" / entry / "cri.sock";
  CommandResult r = RunCommand(
      fmt::format("{} --socket {} {}", ShellQuote((ctx.options.bin_dir / "fake-cri-ctl").string()),
                  ShellQuote(socket.string()), args));
  if (r.exit_code == 0) return {};
  return Status::BadRequest(fmt::format("fake-cri-ctl {} failed: {}", args, r.output));
}

Status RunSlow(RunContext& ctx, const Step& step) {
  if (step.args["store"]) {
    milliseconds by = DurationOf(step.args["store"]).value();
    const std::string body = fmt::format(R"({{"storeWriteLatency":"{}ms"}})", by.count());
    return Kubectl(ctx,
                   "create --raw /debug/picokube/faults -f " + ShellQuote(ctx.WriteManifest(body)));
  }
  milliseconds by = DurationOf(step.args["by"]).value();
  return FakeCriCtl(ctx, step.args["kubelet"].Scalar(), fmt::format("latency all {}", by.count()));
}

Status RunContainerFault(RunContext& ctx, const Step& step) {
  const std::string ns = Str(step.args, "namespace", "default"), name = step.args["pod"].Scalar();
  auto pod = ctx.cluster.clientset().Pods(ns).Get(name);
  if (!pod.ok()) return pod.take_status();
  const std::string& node = (*pod)->spec().node_name();
  auto entry = ctx.entry_of_node.find(node);
  if (entry == ctx.entry_of_node.end()) {
    return Status::BadRequest(
        fmt::format("pod {}/{} is not on a node of the scenario (node '{}')", ns, name, node));
  }
  std::string container = Str(step.args, "container");
  if (container.empty() && (*pod)->spec().containers_size() > 0) {
    container = (*pod)->spec().containers(0).name();
  }
  std::string how =
      step.args["oom"] ? "--oom" : fmt::format("--exit-code {}", step.args["exit-code"].as<int>());
  return FakeCriCtl(ctx, entry->second,
                    fmt::format("kill {} {}", ShellQuote(ns + "/" + name + "/" + container), how));
}

Status RunFailPulls(RunContext& ctx, const Step& step) {
  std::string args = fmt::format("fail-pulls {}", step.args["count"].as<int>());
  if (step.args["image"]) args += " --image " + ShellQuote(step.args["image"].Scalar());
  return FakeCriCtl(ctx, step.args["kubelet"].Scalar(), args);
}

Status RunReboot(RunContext& ctx, const Step& step) {
  return FakeCriCtl(ctx, step.args.Scalar(), "reboot");
}

Status RunWait(RunContext&, const Step& step) {
  std::this_thread::sleep_for(DurationOf(step.args).value());
  return {};
}

Status RunAdvance(RunContext& ctx, const Step& step) {
  auto cluster_time = DurationOf(step.args).value();
  std::this_thread::sleep_for(
      std::chrono::duration_cast<milliseconds>(cluster_time * ctx.scenario.cluster.time_scale));
  return {};
}

constexpr ActionSpec kActions[] = {
    {"apply", ShapeScalar, RunApply},
    {"create", ShapeCreate, RunCreate},
    {"delete", ShapeScalar, RunDelete},
    {"delete-pods", ShapeDeletePods, RunDeletePods},
    {"kubectl", ShapeKubectl, RunKubectl},
    {"scale", ShapeScale, RunScale},
    {"cordon", ShapeScalar, RunCordon},
    {"uncordon", ShapeScalar, RunUncordon},
    {"drain", ShapeScalar, RunDrain},
    {"delete-node", ShapeScalar, RunDeleteNode},
    {"kill", ShapeScalar, RunKill},
    {"stop", ShapeScalar, RunStop},
    {"start", ShapeScalar, RunStart},
    {"restart", ShapeScalar, RunRestart},
    {"slow", ShapeSlow, RunSlow},
    {"container-fault", ShapeContainerFault, RunContainerFault},
    {"fail-pulls", ShapeFailPulls, RunFailPulls},
    {"reboot", ShapeScalar, RunReboot},
    {"wait", ShapeDuration, RunWait},
    {"advance", ShapeDuration, RunAdvance},
};

}  // namespace

const ActionSpec* FindAction(const std::string& name) {
  for (const ActionSpec& a : kActions) {
    if (name == a.name) return &a;
  }
  return nullptr;
}

std::string ActionNames() {
  std::vector<std::string> names;
  for (const ActionSpec& a : kActions) names.push_back(a.name);
  names.push_back("eventually");
  names.push_back("always");
  return fmt::format("{}", fmt::join(names, ", "));
}

}  // namespace pk::scenario
