// Objects the DaemonSet controller's tests build: nodes, a DaemonSet, a pod's toleration.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "proto/apps/v1/apps.pb.h"
#include "proto/core/v1/node.pb.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::controllers::daemonset::testing {

using k8s::apps::v1::DaemonSet;
using k8s::core::v1::Node;
using k8s::core::v1::Pod;
using k8s::core::v1::Toleration;

inline Node MakeNode(const std::string& name, std::map<std::string, std::string> labels = {},
                     const std::vector<std::pair<std::string, std::string>>& taints = {}) {
  Node node;
  node.mutable_metadata()->set_name(name);
  for (const auto& [k, v] : labels) (*node.mutable_metadata()->mutable_labels())[k] = v;
  for (const auto& [key, effect] : taints) {
    auto* t = node.mutable_spec()->add_taints();
    t->set_key(key);
    t->set_effect(effect);
  }
  return node;
}

inline DaemonSet MakeDaemonSet(const std::string& name) {
  DaemonSet ds;
  ds.mutable_metadata()->set_name(name);
  ds.mutable_metadata()->set_namespace_("default");
  (*ds.mutable_spec()->mutable_selector()->mutable_match_labels())["app"] = name;
  auto* t = ds.mutable_spec()->mutable_template_();
  (*t->mutable_metadata()->mutable_labels())["app"] = name;
  auto* c = t->mutable_spec()->add_containers();
  c->set_name("c");
  c->set_image("busybox:1");
  return ds;
}

inline Toleration FindToleration(const Pod& pod, const std::string& key) {
  for (const auto& t : pod.spec().tolerations()) {
    if (t.key() == key) return t;
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// Helpers.

}  // namespace pk::controllers::daemonset::testing
