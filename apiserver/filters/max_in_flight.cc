// Bounds the requests served at once, read-only and mutating apart, as Kubernetes'
// WithMaxInFlightLimit: over the limit a request is refused with 429 and Retry-After: 1
// instead of queueing without end. Long-running requests (watches) are not counted.
#include <atomic>
#include <memory>

#include "apiserver/endpoints/encode.h"
#include "apiserver/filters/chain.h"

namespace pk::apiserver::filters {
namespace {

bool IsMutating(const std::string& verb) {
  return verb != "get" && verb != "list" && verb != "watch";
}

// Holds one slot of a counter while alive.
class Slot {
 public:
  Slot(std::atomic<int>* count, int limit) : count_(count) {
    acquired_ = count_->fetch_add(1) < limit;
  }
  ~Slot() { count_->fetch_sub(1); }
  bool acquired() const { return acquired_; }

 private:
  std::atomic<int>* count_;
  bool acquired_;
};

}  // namespace

Handler WithMaxInFlight(Handler next, int max_read_only, int max_mutating) {
  auto read_only = std::make_shared<std::atomic<int>>(0);
  auto mutating = std::make_shared<std::atomic<int>>(0);
  return [=, next = std::move(next)](Request& request) -> Response {
    if (IsLongRunning(request)) return next(request);
    bool writes = IsMutating(request.info.verb);
    Slot slot(writes ? mutating.get() : read_only.get(), writes ? max_mutating : max_read_only);
    if (!slot.acquired()) {
      return ErrorResponse(
          Status::TooManyRequests("Too many requests, please try again later.", 1));
    }
    return next(request);
  };
}

}  // namespace pk::apiserver::filters
