// Shared by the store's tests: one harness per implementation (so every semantic test runs
// against both through TEST_CASE_TEMPLATE), object builders and bounded waits.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "apimachinery/object.h"
#include "apiserver/storage/store.h"
#include "proto/core/v1/config.pb.h"
#include "proto/core/v1/pod.pb.h"
#include "tests/testing.h"

// The tests spell options with designated initializers ({.prefix = ..., .limit = 2}); GCC 12
// warns about every member they leave to its default, which is the point of them.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace pk::storage::testing {

// Test defaults: no background sweep, short waits for too-new resourceVersions.
inline StoreOptions TestOptions() {
  StoreOptions options;
  options.sweep_interval = std::chrono::milliseconds(0);
  options.resource_version_wait = std::chrono::milliseconds(300);
  return options;
}

struct MemoryKind {
  static constexpr bool kDurable = false;
  static std::unique_ptr<Store> Open(const std::string&, const StoreOptions& options) {
    return NewMemoryStore(options);
  }
};

struct RocksKind {
  static constexpr bool kDurable = true;
  static std::unique_ptr<Store> Open(const std::string& dir, const StoreOptions& options) {
    auto store = OpenRocksStore(dir, options);
    REQUIRE_MESSAGE(store.ok(), store.status().ToString());
    return std::move(*store);
  }
};

// A store of kind K in a fresh directory (RocksDB) or in memory.
template <class K>
class Harness {
 public:
  explicit Harness(StoreOptions options = TestOptions()) : options_(std::move(options)) {
    Reopen();
  }
  Store& store() { return *store_; }
  Store* operator->() { return store_.get(); }
  // Closes the store and opens it again on the same directory.
  void Reopen() {
    store_.reset();
    store_ = K::Open((dir_.path() / "db").string(), options_);
  }
  const std::string dir() const { return (dir_.path() / "db").string(); }

 private:
  pk::testing::TempDir dir_;
  StoreOptions options_;
  std::unique_ptr<Store> store_;
};

#define PK_STORE_KINDS ::pk::storage::testing::MemoryKind, ::pk::storage::testing::RocksKind

inline std::unique_ptr<k8s::core::v1::ConfigMap> NewConfigMap(
    const std::string& ns, const std::string& name,
    const std::map<std::string, std::string>& labels = {}, const std::string& data = "v") {
  auto cm = std::make_unique<k8s::core::v1::ConfigMap>();
  cm->mutable_metadata()->set_name(name);
  cm->mutable_metadata()->set_namespace_(ns);
  cm->mutable_metadata()->set_uid("uid-" + ns + "-" + name);
  for (const auto& [k, v] : labels) (*cm->mutable_metadata()->mutable_labels())[k] = v;
  (*cm->mutable_data())["key"] = data;
  return cm;
}

inline std::unique_ptr<k8s::core::v1::Pod> NewPod(
    const std::string& ns, const std::string& name, const std::string& node,
    const std::map<std::string, std::string>& labels = {}) {
  auto pod = std::make_unique<k8s::core::v1::Pod>();
  pod->mutable_metadata()->set_name(name);
  pod->mutable_metadata()->set_namespace_(ns);
  pod->mutable_metadata()->set_uid("uid-" + name);
  for (const auto& [k, v] : labels) (*pod->mutable_metadata()->mutable_labels())[k] = v;
  pod->mutable_spec()->set_node_name(node);
  pod->mutable_spec()->add_containers()->set_name("c");
  return pod;
}

inline std::string CmKey(const std::string& ns, const std::string& name) {
  return ObjectKey("configmaps", ns, name);
}
inline std::string PodKey(const std::string& ns, const std::string& name) {
  return ObjectKey("pods", ns, name);
}

// The resourceVersion of a stored object, as a number.
inline int64_t RV(const google::protobuf::Message& object) {
  return std::stoll(GetObjectMeta(object)->resource_version());
}
inline int64_t RV(const ObjectPtr& object) { return RV(*object); }

inline const std::string& DataOf(const ObjectPtr& object) {
  return dynamic_cast<const k8s::core::v1::ConfigMap&>(*object).data().at("key");
}
inline const std::string& NameOf(const google::protobuf::Message& object) {
  return GetObjectMeta(object)->name();
}

// An update function that sets the ConfigMap's data to `value`.
inline Store::UpdateFunc SetData(const std::string& value) {
  return [value](const google::protobuf::Message* current)
             -> Result<std::unique_ptr<google::protobuf::Message>> {
    auto next = std::make_unique<k8s::core::v1::ConfigMap>();
    if (current) next->CopyFrom(*current);
    (*next->mutable_data())["key"] = value;
    return std::unique_ptr<google::protobuf::Message>(std::move(next));
  };
}

// Polls `condition` until it holds or `timeout` passes.
template <class F>
bool Eventually(F condition, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return condition();
}

}  // namespace pk::storage::testing
