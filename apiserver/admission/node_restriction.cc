#include "apiserver/admission/node_restriction.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <optional>
#include <set>

#include "proto/coordination/v1/coordination.pb.h"
#include "proto/core/v1/node.pb.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::admission {
namespace {

using google::protobuf::DynamicCastToGenerated;
using google::protobuf::util::MessageDifferencer;
using k8s::core::v1::Node;
using k8s::core::v1::Pod;

constexpr std::string_view kNodeUserPrefix = "system:node:";
constexpr std::string_view kNodesGroup = "system:nodes";
constexpr const char* kMirrorAnnotation = "kubernetes.io/config.mirror";

std::string Q(std::string_view s) { return fmt::format("\"{}\"", s); }

// NodeIdentity: the node's name for a kubelet's request ("" when it names none), nullopt
// for everyone else.
std::optional<std::string> NodeIdentity(const Attributes& a) {
  if (!a.user.starts_with(kNodeUserPrefix)) return std::nullopt;
  if (std::find(a.groups.begin(), a.groups.end(), kNodesGroup) == a.groups.end()) {
    return std::nullopt;
  }
  return a.user.substr(kNodeUserPrefix.size());
}

using Labels = google::protobuf::Map<std::string, std::string>;

// getModifiedLabels: the keys whose value differs between the two (present in one only
// included); `before` null for a create.
std::set<std::string> Modified(const Labels& now, const Labels* before) {
  static const Labels kNone;
  if (before == nullptr) before = &kNone;
  std::set<std::string> keys;
  for (const auto& [k, v] : now) {
    auto it = before->find(k);
    if (it == before->end() || it->second != v) keys.insert(k);
  }
  for (const auto& [k, v] : *before) {
    auto it = now.find(k);
    if (it == now.end() || it->second != v) keys.insert(k);
  }
  return keys;
}

std::string LabelNamespace(std::string_view key) {
  auto slash = key.find('/');
  return slash == std::string_view::npos ? "" : std::string(key.substr(0, slash));
}

bool InDomain(std::string_view ns, std::string_view domain) {
  return ns == domain || ns.ends_with(fmt::format(".{}", domain));
}

// kubeletapis.IsKubeletLabel: the labels a kubelet sets on its Node.
bool IsKubeletLabel(const std::string& key) {
  static const std::set<std::string> kLabels = {
      "kubernetes.io/hostname",
      "topology.kubernetes.io/zone",
      "topology.kubernetes.io/region",
      "failure-domain.beta.kubernetes.io/zone",
      "failure-domain.beta.kubernetes.io/region",
      "beta.kubernetes.io/instance-type",
      "node.kubernetes.io/instance-type",
      "kubernetes.io/os",
      "kubernetes.io/arch",
      "beta.kubernetes.io/os",
      "beta.kubernetes.io/arch",
  };
  if (kLabels.count(key)) return true;
  std::string ns = LabelNamespace(key);
  return InDomain(ns, "kubelet.kubernetes.io") || InDomain(ns, "node.kubernetes.io");
}

// getForbiddenLabels: node-restriction.kubernetes.io labels, and kubernetes.io / k8s.io
// labels the kubelet does not own.
std::vector<std::string> ForbiddenLabels(const std::set<std::string>& modified) {
  std::vector<std::string> forbidden;
  for (const auto& key : modified) {
    std::string ns = LabelNamespace(key);
    bool restricted = InDomain(ns, "node-restriction.kubernetes.io");
    bool kubernetes = InDomain(ns, "kubernetes.io") || InDomain(ns, "k8s.io");
    if (restricted || (kubernetes && !IsKubeletLabel(key))) forbidden.push_back(key);
  }
  return forbidden;
}

// Whether the pod names a secret or a configmap (podutil.VisitPodSecretNames and
// VisitPodConfigmapNames over all containers).
struct PodReferences {
  bool secrets = false;
  bool configmaps = false;
};

template <class Containers>
void EnvReferences(const Containers& containers, PodReferences* refs) {
  for (const auto& c : containers) {
    for (const auto& from : c.env_from()) {
      refs->secrets |= from.has_secret_ref();
      refs->configmaps |= from.has_config_map_ref();
    }
    for (const auto& env : c.env()) {
      refs->secrets |= env.value_from().has_secret_key_ref();
      refs->configmaps |= env.value_from().has_config_map_key_ref();
    }
  }
}

PodReferences ReferencesOf(const Pod& pod) {
  PodReferences refs;
  const auto& spec = pod.spec();
  refs.secrets = spec.image_pull_secrets_size() > 0;
  for (const auto& v : spec.volumes()) {
    refs.secrets |= v.has_secret() || v.csi().has_node_publish_secret_ref();
    refs.configmaps |= v.has_config_map();
    for (const auto& source : v.projected().sources()) {
      refs.secrets |= source.has_secret();
      refs.configmaps |= source.has_config_map();
    }
  }
  EnvReferences(spec.init_containers(), &refs);
  EnvReferences(spec.containers(), &refs);
  EnvReferences(spec.ephemeral_containers(), &refs);
  return refs;
}

class NodeRestriction : public Plugin {
 public:
  explicit NodeRestriction(storage::Store* store) : store_(store) {}
  std::string_view Name() const override { return "NodeRestriction"; }

  Status Validate(const Attributes& a) override {
    auto node = NodeIdentity(a);
    if (!node) return Status();  // only nodes are restricted
    if (node->empty()) {
      return Forbidden(a, fmt::format("could not determine node from user {}", Q(a.user)));
    }
    const std::string& group = a.type->kind.group;
    const std::string& resource = a.type->resource;
    if (group.empty() && resource == "pods") {
      if (a.subresource.empty()) return PodWrite(*node, a);
      if (a.subresource == "status") return PodStatus(*node, a);
      if (a.subresource == "eviction") return Eviction(*node, a);
      return Forbidden(a, fmt::format("unexpected pod subresource {}, only 'status' and "
                                      "'eviction' are allowed",
                                      Q(a.subresource)));
    }
    if (group.empty() && resource == "nodes") return NodeWrite(*node, a);
    if (group == "coordination.k8s.io" && resource == "leases") return Lease(*node, a);
    return Status();
  }

 private:
  Status PodWrite(const std::string& node, const Attributes& a) const {
    if (a.operation == Operation::kCreate) return MirrorPod(node, a);
    if (a.operation == Operation::kDelete) {
      const auto* pod = DynamicCastToGenerated<Pod>(a.old_object);
      if (pod != nullptr && pod->spec().node_name() == node) return Status();
      return Forbidden(
          a, fmt::format("node {} can only delete pods with spec.nodeName set to itself", Q(node)));
    }
    return Forbidden(a, fmt::format("unexpected operation {}, node {} can only create and delete "
                                    "mirror pods",
                                    Q(OperationName(a.operation)), Q(node)));
  }

  // admitPodCreate.
  Status MirrorPod(const std::string& node, const Attributes& a) const {
    const auto* pod = DynamicCastToGenerated<Pod>(a.object);
    if (pod == nullptr) return Forbidden(a, "unexpected type");
    if (!pod->metadata().annotations().contains(kMirrorAnnotation)) {
      return Forbidden(a, fmt::format("pod does not have {} annotation, node {} can only create "
                                      "mirror pods",
                                      Q(kMirrorAnnotation), Q(node)));
    }
    if (pod->spec().node_name() != node) {
      return Forbidden(
          a, fmt::format("node {} can only create pods with spec.nodeName set to itself", Q(node)));
    }
    PK_RETURN_IF_ERROR(MirrorPodOwner(node, a, *pod));
    return MirrorPodReferences(node, a, *pod);
  }

  Status MirrorPodOwner(const std::string& node, const Attributes& a, const Pod& pod) const {
    const auto& owners = pod.metadata().owner_references();
    if (owners.size() > 1) {
      return Forbidden(a, fmt::format("node {} can only create pods with a single owner "
                                      "reference set to itself",
                                      Q(node)));
    }
    auto not_owned = [&] {
      return Forbidden(
          a, fmt::format("node {} can only create pods with an owner reference set to itself",
                         Q(node)));
    };
    if (owners.empty()) return not_owned();
    const auto& owner = owners[0];
    if (owner.api_version() != "v1" || owner.kind() != "Node" || owner.name() != node) {
      return not_owned();
    }
    if (!owner.controller()) {
      return Forbidden(a, fmt::format("node {} can only create pods with a controller owner "
                                      "reference set to itself",
                                      Q(node)));
    }
    if (owner.block_owner_deletion()) {
      return Forbidden(
          a, fmt::format("node {} must not set blockOwnerDeletion on an owner reference", Q(node)));
    }
    auto stored = store_->Get(storage::ObjectKey("nodes", "", node));
    if (!stored.ok()) {
      if (stored.status().reason() == Reason::kNotFound) {
        return Status::NotFound({"", "nodes"}, node);
      }
      return Forbidden(a, fmt::format("error looking up node {} to verify uid: {}", node,
                                      stored.status().message()));
    }
    const auto& uid = static_cast<const Node&>(**stored).metadata().uid();
    if (owner.uid() != uid) {
      return Forbidden(
          a, fmt::format("node {} UID mismatch: expected {} got {}", node, owner.uid(), uid));
    }
    return Status();
  }

  static Status MirrorPodReferences(const std::string& node, const Attributes& a, const Pod& pod) {
    auto refuse = [&](std::string_view what) {
      return Forbidden(a,
                       fmt::format("node {} can not create pods that reference {}", Q(node), what));
    };
    if (!pod.spec().service_account_name().empty()) return refuse("a service account");
    PodReferences refs = ReferencesOf(pod);
    if (refs.secrets) return refuse("secrets");
    if (refs.configmaps) return refuse("configmaps");
    for (const auto& v : pod.spec().volumes()) {
      for (const auto& source : v.projected().sources()) {
        if (source.has_cluster_trust_bundle()) return refuse("clustertrustbundles");
      }
    }
    for (const auto& v : pod.spec().volumes()) {
      if (v.has_persistent_volume_claim()) return refuse("persistentvolumeclaims");
    }
    return Status();
  }

  static Status PodStatus(const std::string& node, const Attributes& a) {
    if (a.operation != Operation::kUpdate) {
      return Forbidden(a, fmt::format("unexpected operation {}", Q(OperationName(a.operation))));
    }
    const auto* old = DynamicCastToGenerated<Pod>(a.old_object);
    const auto* pod = DynamicCastToGenerated<Pod>(a.object);
    if (old == nullptr || pod == nullptr) return Forbidden(a, "unexpected type");
    if (old->spec().node_name() != node) {
      return Forbidden(a, fmt::format("node {} can only update pod status for pods with "
                                      "spec.nodeName set to itself",
                                      Q(node)));
    }
    if (!Modified(pod->metadata().labels(), &old->metadata().labels()).empty()) {
      return Forbidden(a, fmt::format("node {} cannot update labels through pod status", Q(node)));
    }
    const auto& now = pod->status().resource_claim_statuses();
    const auto& before = old->status().resource_claim_statuses();
    bool same = now.size() == before.size();
    for (int i = 0; same && i < now.size(); ++i) {
      same = MessageDifferencer::Equals(now[i], before[i]);
    }
    if (!same) {
      return Forbidden(a, fmt::format("node {} cannot update resource claim statues", Q(node)));
    }
    return Status();
  }

  Status Eviction(const std::string& node, const Attributes& a) const {
    if (a.operation != Operation::kCreate) {
      return Forbidden(a, fmt::format("unexpected operation {}", OperationName(a.operation)));
    }
    if (a.name.empty()) return Forbidden(a, "could not determine pod from request data");
    auto stored = store_->Get(storage::ObjectKey("pods", a.ns, a.name));
    if (!stored.ok()) {
      if (stored.status().reason() == Reason::kNotFound)
        return Status::NotFound({"", "pods"}, a.name);
      return Forbidden(a, stored.status().message());
    }
    if (static_cast<const Pod&>(**stored).spec().node_name() != node) {
      return Forbidden(
          a, fmt::format("node {} can only evict pods with spec.nodeName set to itself", node));
    }
    return Status();
  }

  static Status NodeWrite(const std::string& node, const Attributes& a) {
    if (a.name != node) {
      return Forbidden(a,
                       fmt::format("node {} is not allowed to modify node {}", Q(node), Q(a.name)));
    }
    if (a.operation == Operation::kCreate) {
      const auto* created = DynamicCastToGenerated<Node>(a.object);
      if (created == nullptr) return Forbidden(a, "unexpected type");
      if (created->spec().has_config_source()) {
        return Forbidden(a, fmt::format("node {} is not allowed to create pods with a non-nil "
                                        "configSource",
                                        Q(node)));
      }
      auto forbidden = ForbiddenLabels(Modified(created->metadata().labels(), nullptr));
      if (!forbidden.empty()) {
        return Forbidden(a, fmt::format("node {} is not allowed to set the following labels: {}",
                                        Q(node), fmt::join(forbidden, ", ")));
      }
    }
    if (a.operation == Operation::kUpdate) return NodeUpdate(node, a);
    return Status();
  }

  static Status NodeUpdate(const std::string& node, const Attributes& a) {
    const auto* updated = DynamicCastToGenerated<Node>(a.object);
    const auto* old = DynamicCastToGenerated<Node>(a.old_object);
    if (updated == nullptr || old == nullptr) return Forbidden(a, "unexpected type");
    if (updated->spec().has_config_source() &&
        !MessageDifferencer::Equals(updated->spec().config_source(), old->spec().config_source())) {
      return Forbidden(a, fmt::format("node {} is not allowed to update configSource to a new "
                                      "non-nil configSource",
                                      Q(node)));
    }
    const auto& taints = updated->spec().taints();
    const auto& old_taints = old->spec().taints();
    bool same = taints.size() == old_taints.size();
    for (int i = 0; same && i < taints.size(); ++i) {
      same = MessageDifferencer::Equals(taints[i], old_taints[i]);
    }
    if (!same) return Forbidden(a, fmt::format("node {} is not allowed to modify taints", Q(node)));
    auto forbidden =
        ForbiddenLabels(Modified(updated->metadata().labels(), &old->metadata().labels()));
    if (!forbidden.empty()) {
      return Forbidden(
          a, fmt::format("is not allowed to modify labels: {}", fmt::join(forbidden, ", ")));
    }
    return Status();
  }

  static Status Lease(const std::string& node, const Attributes& a) {
    if (a.ns != "kube-node-lease") {
      return Forbidden(a, "can only access leases in the \"kube-node-lease\" system namespace");
    }
    if (a.name != node) {
      return Forbidden(a, "can only access node lease with the same name as the requesting node");
    }
    return Status();
  }

  storage::Store* const store_;
};

}  // namespace

std::unique_ptr<Plugin> NewNodeRestriction(storage::Store* store) {
  return std::make_unique<NodeRestriction>(store);
}

}  // namespace pk::admission
