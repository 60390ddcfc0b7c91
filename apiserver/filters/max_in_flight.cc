// Bounds the requests served at once, read-only (get, list, watch) and mutating apart, as
// Kubernetes' WithMaxInFlightLimit (k8s.io/apiserver/pkg/server/filters/maxinflight.go):
// over the limit a request is refused at once with 429, Retry-After: 1 and the plain-text
// body "Too many requests, please try again later." instead of queueing without end -- except
// for members of system:masters, who always get an answer. Long-running requests (watches)
// are not counted; a limit of 0 is no limit.
#include <algorithm>
#include <atomic>
#include <memory>

#include "apiserver/filters/chain.h"

namespace pk::apiserver::filters {
namespace {

bool IsMutating(const std::string& verb) {
  return verb != "get" && verb != "list" && verb != "watch";
}

bool Privileged(const UserInfo& user) {
  return std::find(user.groups.begin(), user.groups.end(), "system:masters") != user.groups.end();
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

// tooManyRequests: http.Error's plain text; `error` lets the gRPC face map it.
Response TooManyRequests() {
  Response response;
  response.code = 429;
  response.content_type = "text/plain; charset=utf-8";
  response.headers.emplace_back("Retry-After", "1");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.body = "Too many requests, please try again later.\n";
  response.error = Status::TooManyRequests("Too many requests, please try again later.", 1);
  return response;
}

}  // namespace

Handler WithMaxInFlight(Handler next, int max_read_only, int max_mutating) {
  if (max_read_only <= 0 && max_mutating <= 0) return next;
  auto read_only = std::make_shared<std::atomic<int>>(0);
  auto mutating = std::make_shared<std::atomic<int>>(0);
  return [=, next = std::move(next)](Request& request) -> Response {
    if (IsLongRunning(request)) return next(request);
    bool writes = IsMutating(request.info.verb);
    int limit = writes ? max_mutating : max_read_only;
    if (limit <= 0) return next(request);
    Slot slot(writes ? mutating.get() : read_only.get(), limit);
    if (!slot.acquired() && !Privileged(request.user)) return TooManyRequests();
    return next(request);
  };
}

}  // namespace pk::apiserver::filters
