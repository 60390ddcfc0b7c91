// namespaceSelector and objectSelector (k8s.io/apiserver/pkg/admission/plugin/webhook/
// predicates/{namespace,object}/matcher.go, v1.32), and ShouldCallHook that combines them with
// the rules (generic/webhook.go).
#include "apimachinery/object.h"
#include "apiserver/admission/webhook/webhook.h"

namespace pk::admission::webhook {
namespace {

bool IsNamespaceObject(const Attributes& a) {
  return a.type->kind.group.empty() && a.type->resource == "namespaces";
}

// Objects without metadata (a Scale) never match.
bool ObjectMatches(const google::protobuf::Message* object, const LabelSelector& selector) {
  if (object == nullptr) return false;
  const auto* meta = GetObjectMeta(*object);
  return meta != nullptr && selector.MatchesMap(meta->labels());
}

}  // namespace

Result<bool> MatchNamespaceSelector(const Hook& hook, const Attributes& a, storage::Store* store) {
  if (a.ns.empty() && !IsNamespaceObject(a)) return true;
  if (!hook.selector_error.empty()) return Status::InternalError(hook.selector_error);
  if (hook.namespace_selector.Empty()) return true;
  // A namespace's own create or update: its new labels (the store does not have them yet).
  if (IsNamespaceObject(a) && a.subresource.empty() &&
      (a.operation == Operation::kCreate || a.operation == Operation::kUpdate)) {
    return ObjectMatches(a.object, hook.namespace_selector);
  }
  const std::string& name = IsNamespaceObject(a) && a.ns.empty() ? a.name : a.ns;
  auto ns = store->Get(storage::ObjectKey("namespaces", "", name));
  if (!ns.ok()) {
    if (ns.status().reason() == Reason::kNotFound)
      return Status::NotFound({"", "namespaces"}, name);
    return Status::InternalError(ns.status().message());
  }
  return ObjectMatches(ns->get(), hook.namespace_selector);
}

bool MatchObjectSelector(const Hook& hook, const Attributes& a) {
  if (hook.object_selector.Empty()) return true;
  return ObjectMatches(a.object, hook.object_selector) ||
         ObjectMatches(a.old_object, hook.object_selector);
}

Result<bool> ShouldCallHook(const Hook& hook, const Attributes& a, storage::Store* store) {
  auto ns_match = MatchNamespaceSelector(hook, a, store);
  if (ns_match.ok() && !*ns_match) return false;
  const bool selectors_parsed = hook.selector_error.empty();
  if (selectors_parsed && !MatchObjectSelector(hook, a)) return false;
  bool any = false;
  for (const auto& rule : hook.rules) any = any || RuleMatches(rule, a);
  // matchPolicy Equivalent would also try the resource's other versions; every resource here
  // has the one version v1, so it selects what Exact does.
  if (!any) return false;
  if (!ns_match.ok()) return ns_match.take_status();
  if (!selectors_parsed) return Status::InternalError(hook.selector_error);
  return true;
}

}  // namespace pk::admission::webhook
