// The Node authorizer (plugin/pkg/auth/authorizer/node/node_authorizer.go, v1.32 with
// AuthorizeNodeWithSelectors): a kubelet (user system:node:NAME in group system:nodes) reads
// only what the pods bound to it need, and otherwise gets the system:node rules. Where
// Kubernetes leaves "only its own" to the NodeRestriction admission plugin -- updating a
// Node and its status, updating pod status, deleting and evicting pods -- this authorizer
// checks it, with NodeRestriction's wording as the reason.
#include <fmt/format.h>

#include "apimachinery/selectors.h"
#include "apiserver/authorization/internal.h"

namespace pk::apiserver::authorization {
namespace {

constexpr std::string_view kNodeUserPrefix = "system:node:";
constexpr std::string_view kNodesGroup = "system:nodes";

std::string Quote(std::string_view s) { return fmt::format("\"{}\"", s); }

Verdict Allow() { return {Decision::kAllow, ""}; }
Verdict NoOpinion(std::string reason = "") { return {Decision::kNoOpinion, std::move(reason)}; }

bool SelectsNode(const std::string& field_selector, const std::string& node) {
  auto fields = FieldSelector::Parse(field_selector);
  if (!fields.ok()) return false;
  for (const auto& r : fields->requirements()) {
    if (r.field == "spec.nodeName" && r.op == FieldSelector::Op::kEquals && r.value == node) {
      return true;
    }
  }
  return false;
}

class NodeAuthorizer final : public Authorizer {
 public:
  explicit NodeAuthorizer(std::shared_ptr<const PolicyIndex> index)
      : index_(std::move(index)), rules_(NodeRules()) {}

  Verdict Authorize(const Attributes& a) const override {
    const auto& groups = a.user.groups;
    if (!a.user.name.starts_with(kNodeUserPrefix) ||
        std::find(groups.begin(), groups.end(), kNodesGroup) == groups.end()) {
      return NoOpinion();  // not a node
    }
    std::string node = a.user.name.substr(kNodeUserPrefix.size());
    if (node.empty()) return NoOpinion(fmt::format("unknown node for user {}", Quote(a.user.name)));
    if (a.resource_request && a.api_group.empty()) {
      if (a.resource == "secrets" || a.resource == "configmaps") return ReadRelated(node, a);
      if (a.resource == "persistentvolumeclaims") {
        return a.subresource == "status" ? StatusUpdate(node, a) : GetRelated(node, a);
      }
      if (a.resource == "serviceaccounts") return CreateToken(node, a);
      if (a.resource == "nodes") return NodeObject(node, a);
      if (a.resource == "pods") return Pod(node, a);
    }
    if (a.resource_request && a.api_group == "coordination.k8s.io" && a.resource == "leases") {
      return Lease(node, a);
    }
    return StaticRules(a);
  }

  RuleSet RulesFor(const UserInfo& user, const std::string&) const override {
    const auto& groups = user.groups;
    if (user.name.starts_with(kNodeUserPrefix) &&
        std::find(groups.begin(), groups.end(), kNodesGroup) != groups.end()) {
      return {{}, true, "node authorizer does not support user rule resolution"};
    }
    return {};
  }

 private:
  Verdict StaticRules(const Attributes& a) const {
    for (const PolicyRule& rule : rules_) {
      if (RuleAllows(a, rule)) return Allow();
    }
    return NoOpinion();
  }

  // authorize: whether there is a path from the object to the node in the graph.
  Verdict Related(const std::string& node, const Attributes& a) const {
    if (a.name.empty()) return NoOpinion("No Object name found");
    bool related = a.resource == "pods"
                       ? index_->PodOnNode(a.ns, a.name, node)
                       : index_->ReferencedFromNode(a.resource, a.ns, a.name, node);
    if (related) return Allow();
    return NoOpinion(fmt::format("no relationship found between node '{}' and this object", node));
  }

  Verdict ReadRelated(const std::string& node, const Attributes& a) const {
    if (a.verb != "get" && a.verb != "list" && a.verb != "watch") {
      return NoOpinion("can only read resources of this type");
    }
    if (!a.subresource.empty()) return NoOpinion("cannot read subresource");
    if (a.ns.empty()) return NoOpinion("can only read namespaced object of this type");
    return Related(node, a);
  }

  Verdict GetRelated(const std::string& node, const Attributes& a) const {
    if (a.verb != "get") return NoOpinion("can only get individual resources of this type");
    if (!a.subresource.empty()) return NoOpinion("cannot get subresource");
    return Related(node, a);
  }

  Verdict StatusUpdate(const std::string& node, const Attributes& a) const {
    if (a.verb != "update" && a.verb != "patch") {
      return NoOpinion("can only get/update/patch this type");
    }
    if (a.subresource != "status") return NoOpinion("can only update status subresource");
    return Related(node, a);
  }

  Verdict CreateToken(const std::string& node, const Attributes& a) const {
    if (a.verb != "create" || a.name.empty()) {
      return NoOpinion("can only create tokens for individual service accounts");
    }
    if (a.subresource != "token") {
      return NoOpinion("can only create token subresource of serviceaccount");
    }
    return Related(node, a);
  }

  Verdict Lease(const std::string& node, const Attributes& a) const {
    static const std::set<std::string> kVerbs = {"get", "create", "update", "patch", "delete"};
    if (!kVerbs.count(a.verb)) {
      return NoOpinion("can only get, create, update, patch, or delete a node lease");
    }
    if (a.ns != "kube-node-lease") {
      return NoOpinion("can only access leases in the \"kube-node-lease\" system namespace");
    }
    if (a.verb != "create" && a.name != node) {
      return NoOpinion("can only access node lease with the same name as the requesting node");
    }
    return Allow();
  }

  Verdict NodeObject(const std::string& node, const Attributes& a) const {
    bool writes = a.verb == "update" || a.verb == "patch";
    if (a.subresource.empty() && a.verb == "create") return Allow();
    if ((a.subresource.empty() || a.subresource == "status") && writes) {
      if (a.name == node) return Allow();
      // NodeRestriction's check, made here.
      return NoOpinion(
          fmt::format("node {} is not allowed to modify node {}", Quote(node), Quote(a.name)));
    }
    if (a.subresource.empty() && (a.verb == "get" || a.verb == "list" || a.verb == "watch")) {
      if (a.name == node) return Allow();
      if (a.name.empty()) {
        return NoOpinion(
            fmt::format("node '{}' cannot read all nodes, only its own Node object", node));
      }
      return NoOpinion(
          fmt::format("node '{}' cannot read '{}', only its own Node object", node, a.name));
    }
    return NoOpinion();
  }

  // As Kubernetes' authorizePod: reads through the graph; the writes a kubelet makes (mirror
  // pods, status, eviction, deletion) are allowed here and limited to pods bound to the node
  // by the NodeRestriction admission plugin, which sees the stored pod. So a write to a pod
  // that is gone meets NotFound, as in Kubernetes, not a refusal.
  Verdict Pod(const std::string& node, const Attributes& a) const {
    if (a.subresource.empty()) {
      if (a.verb == "get") return GetRelated(node, a);
      if (a.verb == "list" || a.verb == "watch") {
        if (SelectsNode(a.field_selector, node)) return Allow();
        if (!a.name.empty()) return Related(node, a);
        return NoOpinion("can only list/watch pods with spec.nodeName field selector");
      }
      if (a.verb == "create" || a.verb == "delete") return Allow();
    }
    if (a.subresource == "status" && (a.verb == "update" || a.verb == "patch")) return Allow();
    if (a.subresource == "eviction" && a.verb == "create") return Allow();
    return NoOpinion();
  }

  std::shared_ptr<const PolicyIndex> index_;
  std::vector<PolicyRule> rules_;
};

}  // namespace

std::unique_ptr<Authorizer> NewNodeAuthorizer(std::shared_ptr<const PolicyIndex> index) {
  return std::make_unique<NodeAuthorizer>(std::move(index));
}

}  // namespace pk::apiserver::authorization
