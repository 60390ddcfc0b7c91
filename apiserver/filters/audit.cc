// Kubernetes' WithAudit (k8s.io/apiserver/pkg/endpoints/filters/audit.go), after
// authentication: the policy decides the request's level from the authenticated user and
// what it asks; at Metadata and above the event is sent at RequestReceived, then at
// ResponseComplete with the response's status (and the bodies the level asks for). A
// long-running request (watch, exec, followed logs) is sent at ResponseStarted when its
// answer starts and at ResponseComplete when its stream ends. A handler that throws is sent
// at stage Panic before the exception goes on to the panic recovery.
#include "apiserver/audit/audit.h"

#include <fmt/format.h>

#include <exception>
#include <memory>

#include "apiserver/filters/chain.h"

namespace pk::apiserver::filters {
namespace {

using audit::Event;
using audit::Stage;

// Sends ResponseComplete once, when the stream, watcher or tunnel it wraps ends.
class Completion {
 public:
  explicit Completion(std::shared_ptr<Event> event) : event_(std::move(event)) {}
  ~Completion() { Complete(); }
  void Complete() {
    if (!done_.exchange(true)) event_->Send(Stage::kResponseComplete);
  }

 private:
  std::shared_ptr<Event> event_;
  std::atomic<bool> done_{false};
};

class AuditedStream : public BodyStream {
 public:
  AuditedStream(std::shared_ptr<BodyStream> inner, std::shared_ptr<Event> event)
      : inner_(std::move(inner)), completion_(std::move(event)) {}
  void Start(std::function<void()> wake) override { inner_->Start(std::move(wake)); }
  bool Read(std::string* out) override {
    bool more = inner_->Read(out);
    if (!more) completion_.Complete();
    return more;
  }
  void Close() override {
    inner_->Close();
    completion_.Complete();
  }

 private:
  std::shared_ptr<BodyStream> inner_;
  Completion completion_;
};

class AuditedWatcher : public storage::Watcher {
 public:
  AuditedWatcher(std::shared_ptr<storage::Watcher> inner, std::shared_ptr<Event> event)
      : inner_(std::move(inner)), completion_(std::move(event)) {}
  std::optional<storage::Event> Next(std::chrono::milliseconds timeout) override {
    return inner_->Next(timeout);
  }
  std::vector<storage::Event> Drain() override { return inner_->Drain(); }
  void SetNotify(std::function<void()> notify) override { inner_->SetNotify(std::move(notify)); }
  bool done() const override { return inner_->done(); }
  void Stop() override {
    inner_->Stop();
    completion_.Complete();
  }

 private:
  std::shared_ptr<storage::Watcher> inner_;
  Completion completion_;
};

class AuditedTunnel : public Tunnel {
 public:
  AuditedTunnel(std::shared_ptr<Tunnel> inner, std::shared_ptr<Event> event)
      : inner_(std::move(inner)), completion_(std::move(event)) {}
  void Serve(int client_fd) override {
    inner_->Serve(client_fd);
    completion_.Complete();
  }

 private:
  std::shared_ptr<Tunnel> inner_;
  Completion completion_;
};

bool SameUser(const UserInfo& a, const UserInfo& b) {
  return a.name == b.name && a.uid == b.uid && a.groups == b.groups;
}

nlohmann::ordered_json PanicStatus(const std::string& what) {
  nlohmann::ordered_json status = nlohmann::ordered_json::object();
  status["metadata"] = nlohmann::ordered_json::object();
  status["status"] = "Failure";
  status["message"] = fmt::format("APIServer panic'd: {}", what);
  status["reason"] = "InternalError";
  status["code"] = 500;
  return status;
}

// The answer, recorded: ResponseStarted and a wrapped stream for long-running answers,
// ResponseComplete for the rest.
void Record(const std::shared_ptr<Event>& event, Request& request, Response& response,
            const UserInfo& authenticated) {
  if (!request.Header("impersonate-user").empty() && !SameUser(request.user, authenticated)) {
    event->SetImpersonatedUser(request.user);
  }
  event->SetAnnotations(request.audit_annotations);
  event->SetResponse(response);
  bool long_running = response.stream || response.watcher || response.tunnel;
  if (!long_running) {
    event->SetResponseObject(response);
    event->Send(Stage::kResponseComplete);
    return;
  }
  event->Send(Stage::kResponseStarted);
  if (response.stream) {
    response.stream = std::make_shared<AuditedStream>(std::move(response.stream), event);
  } else if (response.watcher) {
    response.watcher = std::make_shared<AuditedWatcher>(std::move(response.watcher), event);
  } else {
    response.tunnel = std::make_shared<AuditedTunnel>(std::move(response.tunnel), event);
  }
}

}  // namespace

Handler WithAudit(Handler next, audit::Auditor* auditor) {
  if (auditor == nullptr) return next;
  return [next = std::move(next), auditor](Request& request) -> Response {
    audit::RequestAuditConfig config = auditor->policy().Evaluate(audit::AttributesOf(request));
    if (config.level == audit::Level::kNone) return next(request);
    auto event = std::make_shared<Event>(request, std::move(config), auditor->backend());
    event->Send(Stage::kRequestReceived);
    event->SetRequestObject(request);  // now: the handlers take the body
    const UserInfo authenticated = request.user;
    Response response;
    try {
      response = next(request);
    } catch (const std::exception& e) {
      event->SetResponseStatus(PanicStatus(e.what()));
      event->Send(Stage::kPanic);
      throw;
    } catch (...) {
      event->SetResponseStatus(PanicStatus("unknown exception"));
      event->Send(Stage::kPanic);
      throw;
    }
    Record(event, request, response, authenticated);
    return response;
  };
}

}  // namespace pk::apiserver::filters
