// Kubernetes' WithWaitGroup (k8s.io/apiserver/pkg/server/filters/waitgroup.go): counts the
// non-long-running requests in flight so that graceful shutdown can wait for them. Once the
// shutdown waits, a new request is answered 503 ServiceUnavailable "apiserver is shutting
// down" with Retry-After: 1 (a client retries, likely on another apiserver), except health
// probes and metrics, which are still served.
#include "apiserver/endpoints/encode.h"
#include "apiserver/filters/chain.h"

namespace pk::apiserver::filters {
namespace {

// Gives the request's place back however the handler leaves.
struct Counted {
  explicit Counted(RequestWaitGroup* group) : group(group) {}
  ~Counted() { group->Done(); }
  RequestWaitGroup* group;
};

}  // namespace

bool RequestWaitGroup::Add() {
  std::lock_guard<std::mutex> lock(mu_);
  if (waiting_) return false;
  ++count_;
  return true;
}

void RequestWaitGroup::Done() {
  std::lock_guard<std::mutex> lock(mu_);
  if (--count_ == 0) idle_.notify_all();
}

bool RequestWaitGroup::Wait(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  waiting_ = true;
  return idle_.wait_until(lock, deadline, [&] { return count_ == 0; });
}

bool RequestWaitGroup::shutting_down() const {
  std::lock_guard<std::mutex> lock(mu_);
  return waiting_;
}

Handler WithWaitGroup(Handler next, RequestWaitGroup* wait_group) {
  if (wait_group == nullptr) return next;
  return [next = std::move(next), wait_group](Request& request) -> Response {
    if (IsLongRunning(request)) return next(request);
    if (!wait_group->Add()) {
      if (ExemptFromRetryAfter(request)) return next(request);
      Response response =
          ErrorResponse(Status(Reason::kServiceUnavailable, "apiserver is shutting down"));
      response.headers.emplace_back("Retry-After", "1");
      return response;
    }
    Counted counted(wait_group);
    return next(request);
  };
}

}  // namespace pk::apiserver::filters
