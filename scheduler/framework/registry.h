// Plugin registry: plugin name -> factory, as Kubernetes' in-tree registry. A factory gets
// the plugin's args (the `args` of its pluginConfig entry, YAML; null when none) and the
// handle, and fails with BadRequest naming the bad argument.
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "apimachinery/status.h"
#include "scheduler/framework/interface.h"

namespace pk::scheduler {

using PluginFactory =
    std::function<Result<std::unique_ptr<Plugin>>(const YAML::Node& args, Handle& handle)>;

class PluginRegistry {
 public:
  void Register(const std::string& name, PluginFactory factory) {
    factories_[name] = std::move(factory);
  }
  const PluginFactory* Find(const std::string& name) const {
    auto it = factories_.find(name);
    return it == factories_.end() ? nullptr : &it->second;
  }
  const std::map<std::string, PluginFactory>& factories() const { return factories_; }

 private:
  std::map<std::string, PluginFactory> factories_;
};

}  // namespace pk::scheduler
