#include "controller-manager/nodelifecycle/taints.h"

#include <algorithm>

#include "apimachinery/time.h"
#include "client/errors.h"

namespace pk::controllers {

using k8s::core::v1::Node;

namespace {

constexpr int kConflictRetries = 5;  // retry.DefaultBackoff's steps

// `taints` with `add` put in (replacing a matching taint) and the `remove` ones taken out;
// whether anything changed.
bool ApplyTaints(google::protobuf::RepeatedPtrField<Taint>& taints, const std::vector<Taint>& add,
                 const std::vector<Taint>& remove) {
  bool changed = false;
  for (const Taint& r : remove) {
    auto gone = std::remove_if(taints.begin(), taints.end(),
                               [&](const Taint& t) { return MatchTaint(t, r); });
    if (gone != taints.end()) {
      taints.erase(gone, taints.end());
      changed = true;
    }
  }
  for (const Taint& a : add) {
    auto same = std::find_if(taints.begin(), taints.end(),
                             [&](const Taint& t) { return MatchTaint(t, a); });
    if (same == taints.end()) {
      *taints.Add() = a;
      changed = true;
    } else if (same->value() != a.value()) {  // taintutils.AddOrUpdateTaint replaces it
      *same = a;
      changed = true;
    }
  }
  return changed;
}

}  // namespace

Taint MakeTaint(const std::string& key, const std::string& effect) {
  Taint t;
  t.set_key(key);
  t.set_effect(effect);
  return t;
}

bool MatchTaint(const Taint& a, const Taint& b) {
  return a.key() == b.key() && a.effect() == b.effect();
}

bool TaintExists(const google::protobuf::RepeatedPtrField<Taint>& taints, const Taint& taint) {
  return std::any_of(taints.begin(), taints.end(),
                     [&](const Taint& t) { return MatchTaint(t, taint); });
}

bool ToleratesTaint(const Toleration& toleration, const Taint& taint) {
  if (!toleration.effect().empty() && toleration.effect() != taint.effect()) return false;
  if (!toleration.key().empty() && toleration.key() != taint.key()) return false;
  const std::string& op = toleration.operator_();
  if (op.empty() || op == "Equal") return toleration.value() == taint.value();
  return op == "Exists";
}

MatchingTolerations GetMatchingTolerations(const std::vector<Taint>& taints,
                                           const std::vector<Toleration>& tolerations) {
  MatchingTolerations out;
  for (const Taint& taint : taints) {
    auto match = std::find_if(tolerations.begin(), tolerations.end(),
                              [&](const Toleration& t) { return ToleratesTaint(t, taint); });
    if (match == tolerations.end()) return {false, {}};
    out.used.push_back(*match);
  }
  return out;
}

Status SwapNodeTaints(const client::Clientset& clientset, const std::string& node_name,
                      std::vector<Taint> add, const std::vector<Taint>& remove) {
  k8s::meta::v1::Time now = NowTime();
  for (Taint& t : add) *t.mutable_time_added() = now;
  auto nodes = clientset.Nodes();
  Status last;
  for (int attempt = 0; attempt < kConflictRetries; ++attempt) {
    auto fresh = nodes.Get(node_name);
    if (!fresh.ok()) return fresh.take_status();
    Node node = **fresh;
    if (!ApplyTaints(*node.mutable_spec()->mutable_taints(), add, remove)) return {};
    auto updated = nodes.Update(node);
    if (updated.ok()) return {};
    last = updated.take_status();
    if (!client::IsConflict(last)) return last;
  }
  return last;
}

Status RemoveTaintsOffNode(const client::Clientset& clientset, const Node& cached,
                           const std::vector<Taint>& remove) {
  bool any = std::any_of(remove.begin(), remove.end(),
                         [&](const Taint& t) { return TaintExists(cached.spec().taints(), t); });
  if (!any) return {};
  return SwapNodeTaints(clientset, cached.metadata().name(), {}, remove);
}

}  // namespace pk::controllers
