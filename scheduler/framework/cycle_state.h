// CycleState: what plugins compute in one scheduling cycle and pass from one extension point
// to the next (PreFilter -> Filter, PreScore -> Score), keyed by a plugin-chosen string.
// Written only from the scheduling thread (PreFilter, PreScore, AddPod/RemovePod on a clone);
// read concurrently by parallel Filter/Score calls, so reads take no lock.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace pk::scheduler {

class StateData {
 public:
  virtual ~StateData() = default;
  // Preemption evaluates nodes on clones of the state; AddPod/RemovePod change a clone.
  virtual std::unique_ptr<StateData> Clone() const = 0;
};

class CycleState {
 public:
  void Write(const std::string& key, std::unique_ptr<StateData> data) {
    data_[key] = std::move(data);
  }
  // Null when absent or of another type.
  template <class T>
  T* Read(const std::string& key) const {
    auto it = data_.find(key);
    return it == data_.end() ? nullptr : dynamic_cast<T*>(it->second.get());
  }
  std::unique_ptr<CycleState> Clone() const {
    auto out = std::make_unique<CycleState>();
    for (const auto& [k, v] : data_) out->data_[k] = v->Clone();
    out->skip_filter = skip_filter;
    out->skip_score = skip_score;
    out->skip_filter_index = skip_filter_index;
    return out;
  }

  // Plugins whose PreFilter/PreScore returned Skip: their Filter/Score is not called.
  std::set<std::string> skip_filter;
  std::set<std::string> skip_score;
  // skip_filter by the framework's filter plugin order, filled once after PreFilter so that
  // the per-node loop looks no names up; empty until then.
  std::vector<char> skip_filter_index;

 private:
  std::map<std::string, std::unique_ptr<StateData>> data_;
};

}  // namespace pk::scheduler
