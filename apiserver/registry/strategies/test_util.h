// Helpers of the strategies tests: objects from JSON, the strategy of a kind, the message
// Kubernetes would print for a list of causes.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "apimachinery/codec.h"
#include "apimachinery/scheme.h"
#include "apiserver/registry/strategy.h"

namespace pk::registry::testing {

template <class T>
T FromJson(std::string_view json) {
  T object;
  Status s = json::Decode(json, &object, nullptr);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  return object;
}

inline const ResourceType& TypeOf(std::string_view group, std::string_view resource) {
  const ResourceType* type = Scheme::Builtin().FindResource(group, resource);
  REQUIRE(type != nullptr);
  return *type;
}

inline const Strategy& StrategyOf(std::string_view group, std::string_view resource) {
  return StrategyFor(TypeOf(group, resource));
}

// Runs the create path (Default, PrepareForCreate) and returns Validate's causes.
inline Causes Create(const Strategy& strategy, Message* object) {
  strategy.Default(object);
  strategy.PrepareForCreate(object);
  return strategy.Validate(*object);
}

// The Status message of the causes, as `kubectl` shows it.
inline std::string InvalidMessage(std::string_view kind, std::string_view name,
                                  const Causes& causes) {
  return Status::Invalid({"", "v1", std::string(kind)}, name, causes).message();
}

}  // namespace pk::registry::testing
