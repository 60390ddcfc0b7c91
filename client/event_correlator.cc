#include "client/event_correlator.h"

#include <string_view>

namespace pk::client {
namespace {

using k8s::core::v1::Event;

std::string Join(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (auto part : parts) {
    out.append(part);
    out.push_back('\x1f');  // a separator no name contains, so keys cannot collide
  }
  return out;
}

// client-go getSpamKey: the source and the involved object.
std::string SpamKey(const Event& e) {
  const auto& o = e.involved_object();
  return Join({e.source().component(), e.source().host(), o.kind(), o.namespace_(), o.name(),
               o.uid(), o.api_version()});
}

// client-go getEventKey: the spam key plus what the event says.
std::string AggregationKey(const Event& e) {
  return Join({SpamKey(e), e.involved_object().field_path(), e.type(), e.reason(), e.message()});
}

}  // namespace

EventCorrelator::EventCorrelator(const Clock& clock, EventCorrelatorOptions options)
    : clock_(clock), options_(options) {}

EventCorrelator::Correlation EventCorrelator::Correlate(Event event) {
  Correlation result{std::move(event)};
  std::lock_guard<std::mutex> guard(mu_);
  Observe(&result);
  // Filtered after observing, as client-go: skipped repeats still count, so the next one
  // written carries the full count.
  result.skip = !Allowed(result.event);
  return result;
}

void EventCorrelator::Observe(Correlation* result) {
  Event& event = result->event;
  Clock::TimePoint now = clock_.Now();
  std::string key = AggregationKey(event);
  auto it = seen_.find(key);
  if (it != seen_.end() && now - it->second.last_seen <= options_.aggregation_window) {
    Seen& seen = it->second;
    seen.count++;
    seen.last_seen = now;
    event.mutable_metadata()->set_name(seen.name);
    event.set_count(seen.count);
    *event.mutable_first_timestamp() = seen.first_timestamp;
    result->update = true;
    return;
  }
  if (it == seen_.end()) EvictOldestIfFull(&seen_);
  seen_[key] = Seen{event.metadata().name(), event.count(), event.first_timestamp(), now};
}

bool EventCorrelator::Allowed(const Event& event) {
  std::string key = SpamKey(event);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    EvictOldestIfFull(&buckets_);
    auto tokens = std::make_unique<TokenBucket>(options_.spam_qps, options_.spam_burst, clock_);
    it = buckets_.emplace(key, Bucket{std::move(tokens), {}}).first;
  }
  it->second.last_seen = clock_.Now();
  return it->second.tokens->TryAccept();
}

// Bounds memory as client-go's LRU caches do; a linear scan, paid only when full.
template <class Map>
void EventCorrelator::EvictOldestIfFull(Map* map) {
  if (map->size() < options_.max_entries || map->empty()) return;
  auto oldest = map->begin();
  for (auto it = map->begin(); it != map->end(); ++it) {
    if (it->second.last_seen < oldest->second.last_seen) oldest = it;
  }
  map->erase(oldest);
}

}  // namespace pk::client
