// For tests of admission plugins: registries over a memory store with a chain as apiserver.cc
// builds it (NamespaceLifecycle, LimitRanger, Priority, ResourceQuota), and the namespace "ns".
#pragma once

#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <string>

#include "apimachinery/codec.h"
#include "apiserver/admission/limit_ranger.h"
#include "apiserver/admission/namespace_lifecycle.h"
#include "apiserver/admission/priority.h"
#include "apiserver/admission/resource_quota.h"
#include "apiserver/registry/registry.h"
#include "proto/core/v1/namespace.pb.h"

namespace pk::admission::testing {

template <class T>
std::unique_ptr<T> FromJson(const std::string& json) {
  auto m = std::make_unique<T>();
  Status s = json::Decode(json, m.get(), nullptr);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  return m;
}

struct Fixture {
  Fixture() : store(storage::NewMemoryStore()) {
    chain.Register(NewNamespaceLifecycle(store.get()));
    chain.Register(NewLimitRanger(store.get()));
    chain.Register(NewPriority(store.get()));
    chain.Register(NewResourceQuota(store.get()));
    for (const auto& type : Scheme::Builtin().resources()) {
      registries.emplace(type.resource,
                         std::make_unique<registry::Registry>(type, store.get(), &chain));
    }
    REQUIRE(Create<k8s::core::v1::Namespace>("namespaces", R"({"metadata":{"name":"ns"}})").ok());
  }
  const registry::Registry& Of(const std::string& resource) { return *registries.at(resource); }
  // Creates a `resource` object from JSON, in "ns" when namespaced.
  template <class T>
  Result<storage::ObjectPtr> Create(const std::string& resource, const std::string& json,
                                    bool dry_run = false) {
    registry::WriteContext ctx;
    if (Of(resource).type().namespaced) ctx.ns = "ns";
    ctx.dry_run = dry_run;
    return Of(resource).Create(ctx, FromJson<T>(json));
  }
  template <class T>
  const T& Get(const std::string& resource, const std::string& name) {
    auto got = Of(resource).Get("ns", name);
    REQUIRE_MESSAGE(got.ok(), got.status().ToString());
    objects.push_back(*got);
    return static_cast<const T&>(**got);
  }

  std::unique_ptr<storage::Store> store;
  Chain chain;
  std::map<std::string, std::unique_ptr<registry::Registry>> registries;
  std::vector<storage::ObjectPtr> objects;  // what Get handed out
};

}  // namespace pk::admission::testing
