// Node selectors as the scheduler evaluates them (k8s.io/component-helpers/scheduling/corev1/
// nodeaffinity): NodeSelector (required node affinity terms, ORed), PreferredSchedulingTerms
// (weighted preferences) and RequiredNodeAffinity (a pod's nodeSelector AND its required node
// affinity). Shared by NodeAffinity and PodTopologySpread (nodeAffinityPolicy: Honor).
//
// A term's matchExpressions select node labels (In, NotIn, Exists, DoesNotExist, Gt, Lt);
// its matchFields select node fields (only metadata.name exists; In and NotIn with exactly one
// value). A term with neither selects nothing. A term that does not parse selects nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "apimachinery/selectors.h"
#include "apimachinery/status.h"
#include "proto/core/v1/affinity.pb.h"
#include "proto/core/v1/node.pb.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::scheduler::plugins {

// One parsed NodeSelectorTerm (nodeaffinity.nodeSelectorTerm).
class NodeSelectorTerm {
 public:
  // Parses `term`; `path` names it in error messages ("nodeSelectorTerms[0]").
  NodeSelectorTerm(const k8s::core::v1::NodeSelectorTerm& term, const std::string& path);

  // Why the term does not parse, as Kubernetes' field errors under `path`
  // ("nodeSelectorTerms[0].matchExpressions[1].operator: Unsupported value: ..."); empty when
  // it parses.
  const std::vector<std::string>& parse_errors() const { return parse_errors_; }
  // Whether the node's labels and fields match; false when the term does not parse. Field
  // requirements are ignored for a node without a name (as Kubernetes).
  bool Matches(const k8s::core::v1::Node& node) const;

 private:
  struct FieldRequirement {
    std::string key;
    bool equal = true;  // In: the field equals value; NotIn: it does not
    std::string value;
  };
  std::optional<std::vector<LabelSelector>> labels_;  // ANDed; nullopt: no matchExpressions
  std::vector<FieldRequirement> fields_;              // ANDed
  std::vector<std::string> parse_errors_;
};

// A NodeSelector: its non-empty terms, ORed (nodeaffinity.LazyErrorNodeSelector).
class NodeSelector {
 public:
  // Keeps terms that do not parse; they match nothing (the pod-spec flavour, where parse
  // errors are ignored for backwards compatibility).
  static NodeSelector Lazy(const k8s::core::v1::NodeSelector& selector);
  // nodeaffinity.NewNodeSelector: BadRequest with every parse error when any term does not
  // parse ("<path>.nodeSelectorTerms[0].matchFields[0].values: Invalid value: ..."; several
  // errors as "[a, b]"). `path` prefixes the field paths ("addedAffinity.required...").
  static Result<NodeSelector> Parse(const k8s::core::v1::NodeSelector& selector,
                                    const std::string& path = "");

  // Whether any term matches `node`.
  bool Matches(const k8s::core::v1::Node& node) const;

 private:
  static NodeSelector Build(const k8s::core::v1::NodeSelector& selector, const std::string& path);
  std::vector<NodeSelectorTerm> terms_;
};

// nodeaffinity.PreferredSchedulingTerms: terms with weights; a node scores the sum of the
// weights of the terms it matches. Terms with weight 0 or without requirements are dropped.
class PreferredSchedulingTerms {
 public:
  // BadRequest with every parse error when a term does not parse; `path` prefixes field paths
  // ("[0].matchExpressions[0].operator: Unsupported value: ...").
  template <class Terms>
  static Result<PreferredSchedulingTerms> Parse(const Terms& terms, const std::string& path = "");

  int64_t Score(const k8s::core::v1::Node& node) const;
  bool empty() const { return terms_.empty(); }

 private:
  static Result<PreferredSchedulingTerms> ParseAll(
      const std::vector<const k8s::core::v1::PreferredSchedulingTerm*>& terms,
      const std::string& path);
  std::vector<std::pair<NodeSelectorTerm, int32_t>> terms_;
};

// A pod's spec.nodeSelector AND its requiredDuringSchedulingIgnoredDuringExecution node
// affinity (nodeaffinity.RequiredNodeAffinity). Affinity terms that do not parse match nothing.
class RequiredNodeAffinity {
 public:
  explicit RequiredNodeAffinity(const k8s::core::v1::Pod& pod);
  bool Matches(const k8s::core::v1::Node& node) const;

 private:
  std::vector<std::pair<std::string, std::string>> node_selector_;  // labels that must equal
  std::optional<NodeSelector> affinity_;
};

// Aggregated errors as Kubernetes prints them (errors.NewAggregate): one error as it is,
// several as "[a, b]".
std::string AggregateErrors(const std::vector<std::string>& errors);

template <class Terms>
Result<PreferredSchedulingTerms> PreferredSchedulingTerms::Parse(const Terms& terms,
                                                                 const std::string& path) {
  std::vector<const k8s::core::v1::PreferredSchedulingTerm*> all;
  for (const k8s::core::v1::PreferredSchedulingTerm& t : terms) all.push_back(&t);
  return ParseAll(all, path);
}

}  // namespace pk::scheduler::plugins
