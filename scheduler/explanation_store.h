// The explanations of the last N pods scheduled or tried, by namespace/name (newest attempt
// wins). Thread-safe.
#pragma once

#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "scheduler/explanation.h"

namespace pk::scheduler {

class ExplanationStore {
 public:
  explicit ExplanationStore(size_t capacity) : capacity_(capacity) {}

  void Put(Explanation e) {
    std::lock_guard lock(mu_);
    std::string key = e.ns + "/" + e.name;
    if (auto it = index_.find(key); it != index_.end()) order_.erase(it->second);
    order_.push_front(std::move(e));
    index_[key] = order_.begin();
    while (order_.size() > capacity_) {
      index_.erase(order_.back().ns + "/" + order_.back().name);
      order_.pop_back();
    }
  }
  std::optional<Explanation> Get(const std::string& ns, const std::string& name) const {
    std::lock_guard lock(mu_);
    auto it = index_.find(ns + "/" + name);
    if (it == index_.end()) return std::nullopt;
    return *it->second;
  }

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::list<Explanation> order_;  // newest first
  std::unordered_map<std::string, std::list<Explanation>::iterator> index_;
};

}  // namespace pk::scheduler
