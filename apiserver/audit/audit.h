// Kubernetes' audit log (k8s.io/apiserver/pkg/audit): a policy (audit.k8s.io/v1 Policy, read
// from --audit-policy-file) decides per request at which level it is recorded, and events in
// the audit.k8s.io/v1 Event format go as JSON lines to --audit-log-path ("-": stdout). The
// handler chain's audit filters (filters/audit.cc) build the events; this folder parses the
// policy, matches its rules, encodes events and writes them.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "apimachinery/status.h"
#include "apiserver/endpoints/request.h"

namespace pk::apiserver::audit {

// audit.Level, ordered: a level records everything the levels before it do.
enum class Level { kNone, kMetadata, kRequest, kRequestResponse };
// audit.Stage.
enum class Stage { kRequestReceived, kResponseStarted, kResponseComplete, kPanic };

std::string_view LevelName(Level level);  // "RequestResponse"
std::string_view StageName(Stage stage);  // "ResponseComplete"

// What a policy rule is matched against (authorizer.Attributes as policy/checker.go reads
// them): the authenticated user (before impersonation) and what the request asks.
struct Attributes {
  UserInfo user;
  std::string verb;
  bool resource_request = false;
  std::string path;  // of a non-resource request
  std::string api_group;
  std::string resource;
  std::string subresource;
  std::string ns;
  std::string name;
};
Attributes AttributesOf(const Request& request);

// auditinternal.RequestAuditConfig: what the first matching rule says.
struct RequestAuditConfig {
  Level level = Level::kNone;
  std::vector<Stage> omit_stages;
  bool omit_managed_fields = false;
};

// An audit.k8s.io/v1 Policy. Rules are tried in order; the first that matches decides (no
// match: level None). The policy's omitStages are added to every rule's; a rule's
// omitManagedFields, when given, overrides the policy's.
class Policy {
 public:
  // A Policy document in YAML or JSON. Errors are BadRequest in Kubernetes' validation
  // wording ("rules[0].level: Unsupported value: ...").
  static Result<Policy> Parse(std::string_view yaml);
  // Parse of a file's contents; an empty rule list is an error, as Kubernetes loads it.
  static Result<Policy> Load(const std::string& path);

  RequestAuditConfig Evaluate(const Attributes& attributes) const;

  struct GroupResources {
    std::string group;
    std::vector<std::string> resources;       // "pods", "pods/log", "*/scale", "pods/*", "*"
    std::vector<std::string> resource_names;  // empty: any
  };
  struct Rule {
    Level level = Level::kNone;
    std::vector<std::string> users;
    std::vector<std::string> user_groups;
    std::vector<std::string> verbs;
    std::vector<GroupResources> resources;
    std::vector<std::string> namespaces;         // "" matches cluster-scoped resources
    std::vector<std::string> non_resource_urls;  // exact, "*", or a prefix ending in "*"
    std::vector<Stage> omit_stages;
    std::optional<bool> omit_managed_fields;
  };
  const std::vector<Rule>& rules() const { return rules_; }

 private:
  std::vector<Rule> rules_;
  std::vector<Stage> omit_stages_;
  bool omit_managed_fields_ = false;
};

// Where events go: a file or stdout, one JSON document a line, written by a background thread.
struct LogOptions {
  std::string path;  // "-": stdout
  // Bounded queue of events not yet written. A request whose event finds it full waits for
  // room (Kubernetes' "blocking" mode: no event is dropped) -- it waits only when the disk
  // is a whole buffer behind.
  size_t buffer_size = 10000;
  int max_size_mb = 0;  // --audit-log-maxsize: rotate past this many megabytes (0: never)
  int max_backups = 0;  // --audit-log-maxbackup: rotated files kept (0: all)
};

class LogBackend {
 public:
  // Opens (appends to) the file and starts the writer thread.
  static Result<std::unique_ptr<LogBackend>> Start(const LogOptions& options);
  virtual ~LogBackend() = default;
  // Queues one event (a JSON line without its newline); waits while the queue is full.
  virtual void Process(std::string line) = 0;
  // Writes what is queued, flushes and stops the thread; later events are dropped.
  virtual void Shutdown() = 0;
  // Writes and flushes what was queued before the call (tests, shutdown ordering).
  virtual void Flush() = 0;
};

// The state of one request's event, shared by the filter and (for watches) the stream that
// ends it: encodes the stages the policy does not omit.
class Event {
 public:
  Event(const Request& request, RequestAuditConfig config, LogBackend* sink);
  Level level() const { return config_.level; }
  // Sends the event at `stage` unless the policy omits it (stageTimestamp: now, or when the
  // request was received for RequestReceived).
  void Send(Stage stage);
  // responseStatus of an answer: {"metadata":{},"code":200}, or the Status of a failure.
  void SetResponse(const Response& response);
  void SetResponseStatus(nlohmann::ordered_json status) { response_status_ = std::move(status); }
  bool has_response_status() const { return !response_status_.is_null(); }
  // What LogRequestObject does: fills objectRef's name, namespace, uid and resourceVersion
  // from the request's object when the path did not name them; requestObject at Request
  // level and above (the JSON body, or the gRPC face's typed object encoded with the codec).
  void SetRequestObject(const Request& request);
  // responseObject at RequestResponse level.
  void SetResponseObject(const Response& response);
  void SetImpersonatedUser(const UserInfo& user);
  void SetAnnotations(const std::map<std::string, std::string>& annotations);
  // The JSON line of the event at `stage`, stamped `at` (what Send writes).
  std::string Encode(Stage stage, std::chrono::system_clock::time_point at) const;

 private:
  RequestAuditConfig config_;
  LogBackend* sink_;
  std::string audit_id_, request_uri_, verb_, user_agent_;
  nlohmann::ordered_json user_, impersonated_user_, source_ips_, object_ref_;
  nlohmann::ordered_json response_status_, request_object_, response_object_, annotations_;
  std::chrono::system_clock::time_point received_;
};

// Kubernetes' sourceIPs: X-Forwarded-For's addresses, then X-Real-Ip, then the peer, each once.
std::vector<std::string> SourceIPs(const Request& request);
// objectRef of a resource request (null for the rest).
nlohmann::ordered_json ObjectRef(const RequestInfo& info);
// "2026-01-02T03:04:05.123456Z"
std::string MicroTime(std::chrono::system_clock::time_point t);

// The policy and the log together: what the audit filters hold.
class Auditor {
 public:
  Auditor(Policy policy, std::unique_ptr<LogBackend> backend)
      : policy_(std::move(policy)), backend_(std::move(backend)) {}
  const Policy& policy() const { return policy_; }
  LogBackend* backend() const { return backend_.get(); }
  void Shutdown() { backend_->Shutdown(); }

 private:
  Policy policy_;
  std::unique_ptr<LogBackend> backend_;
};

// --audit-policy-file and --audit-log-path: both are needed for an audit log (no policy file:
// no audit, as Kubernetes). Null when audit is off.
struct Options {
  std::string policy_file;
  LogOptions log;
};
Result<std::unique_ptr<Auditor>> NewAuditor(const Options& options);

}  // namespace pk::apiserver::audit
