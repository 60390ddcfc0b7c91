#include "trace/store.h"

#include <algorithm>

namespace pk::trace {

TraceStore::TraceStore(TraceStoreOptions options) : options_(options) {}

size_t TraceStore::Add(const std::vector<Span>& spans) {
  size_t kept = 0;
  std::lock_guard lock(mu_);
  for (const Span& span : spans) {
    if (span.pod_uid().empty() || span.component().empty()) continue;
    if (Insert(Entry(span), span)) ++kept;
  }
  EvictLocked();
  return kept;
}

PodTrace& TraceStore::Entry(const Span& span) {
  auto [it, added] = traces_.try_emplace(span.pod_uid());
  PodTrace& trace = it->second;
  if (added) {
    trace.uid = span.pod_uid();
    order_.push_back(span.pod_uid());
  }
  if (trace.name.empty() && !span.pod_name().empty()) {
    trace.ns = span.namespace_();
    trace.name = span.pod_name();
    uids_[{trace.ns, trace.name}] = trace.uid;
  }
  return trace;
}

bool TraceStore::Insert(PodTrace& trace, const Span& span) {
  if (trace.spans.size() >= options_.max_spans_per_pod) {
    ++trace.dropped;
    return false;
  }
  // Sorted by start; spans mostly arrive in order, so this is mostly an append.
  auto later = [](int64_t start, const Span& s) { return start < s.start_unix_nano(); };
  auto at = std::upper_bound(trace.spans.begin(), trace.spans.end(), span.start_unix_nano(), later);
  trace.spans.insert(at, span);
  ++spans_;
  return true;
}

void TraceStore::EvictLocked() {
  while ((traces_.size() > options_.max_pods || spans_ > options_.max_spans) && !order_.empty()) {
    auto it = traces_.find(order_.front());
    order_.pop_front();
    if (it == traces_.end()) continue;
    auto name = uids_.find(std::make_pair(it->second.ns, it->second.name));
    if (name != uids_.end() && name->second == it->first) uids_.erase(name);
    spans_ -= it->second.spans.size();
    traces_.erase(it);
  }
}

std::optional<PodTrace> TraceStore::Get(std::string_view uid) const {
  std::lock_guard lock(mu_);
  auto it = traces_.find(std::string(uid));
  if (it == traces_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> TraceStore::UidOf(std::string_view ns, std::string_view name) const {
  std::lock_guard lock(mu_);
  auto it = uids_.find(std::make_pair(std::string(ns), std::string(name)));
  if (it == uids_.end()) return std::nullopt;
  return it->second;
}

size_t TraceStore::pods() const {
  std::lock_guard lock(mu_);
  return traces_.size();
}

}  // namespace pk::trace
