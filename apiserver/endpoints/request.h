// The transport-neutral request and response of the API. Both faces (REST over HTTP, gRPC)
// turn what they receive into a Request, run the same handler chain (filters/), admission,
// registry and store, and turn the Response back into their wire form.
#pragma once

#include <google/protobuf/message.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "apimachinery/status.h"
#include "apiserver/endpoints/stream.h"
#include "apiserver/endpoints/tunnel.h"
#include "apiserver/storage/store.h"

namespace pk::trace {
class RequestTrace;
}  // namespace pk::trace

namespace pk::apiserver {

// Who makes the request; filled by the authentication slot of the chain.
struct UserInfo {
  std::string name;
  std::string uid;
  std::vector<std::string> groups;
  // user.Info's Extra: e.g. authentication.kubernetes.io/pod-name of a service account token.
  std::map<std::string, std::vector<std::string>> extra = {};
};

// What a request is about, parsed from its path, method and query as Kubernetes'
// RequestInfoFactory does (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go).
struct RequestInfo {
  bool is_resource_request = false;
  std::string path;
  // get list watch create update patch delete deletecollection (resource requests);
  // the lower-case HTTP method for the rest.
  std::string verb;
  std::string api_prefix;   // "api" or "apis"
  std::string api_group;    // "" for the core group
  std::string api_version;  // "v1"
  std::string ns;           // namespace
  std::string resource;     // "pods"
  std::string subresource;  // "status", "scale", "binding", "log", "exec", "finalize"
  std::string name;
};

struct Request {
  std::string method;                             // GET POST PUT PATCH DELETE
  std::string path;                               // without the query
  std::multimap<std::string, std::string> query;  // decoded
  std::map<std::string, std::string> headers;     // lower-case names
  std::string body;
  // The target as sent ("/api/v1/pods?limit=500"): an audit event's requestURI. Empty on the
  // gRPC face (the path stands for it).
  std::string request_uri;
  // The peer's IP address ("127.0.0.1"): the last of an audit event's sourceIPs.
  std::string peer_address;
  // Set by the audit-init filter: the request's Audit-ID header or a new UUID (answered in
  // the Audit-Id header), and when the request arrived.
  std::string audit_id;
  std::chrono::system_clock::time_point received;
  // Annotations for the request's audit event (authorization.k8s.io/decision and /reason).
  std::map<std::string, std::string> audit_annotations;

  RequestInfo info;  // by the request-info filter
  UserInfo user;     // by the authentication slot
  // The client's TLS certificate (PEM) as it sent it, unverified (the x509 authenticator
  // verifies it); null without TLS or without a certificate.
  std::shared_ptr<const std::string> client_certificate;
  // Non-long-running requests should finish by then (the timeout filter sets and checks it).
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::vector<std::string> warnings;  // become `Warning: 299 - "..."` headers
  // The pod-flow trace of a request that writes a pod (filters::WithTrace), else nullptr:
  // filters and handlers may add spans (trace/request_trace.h).
  trace::RequestTrace* trace = nullptr;

  // The gRPC face: the request's object already decoded (instead of `body`), and answers
  // wanted as typed objects (Response::object, list, watcher) instead of JSON.
  std::shared_ptr<const google::protobuf::Message> object;
  bool typed = false;

  // The first value of a query parameter, or nullopt.
  std::optional<std::string> Query(std::string_view name) const;
  std::string QueryOr(std::string_view name, std::string fallback) const;
  // Go's strconv.ParseBool on the parameter: 1 t T TRUE true True (and 0 f F FALSE...).
  bool QueryBool(std::string_view name) const;
  std::string Header(std::string_view lower_name) const;
};

struct Response {
  int code = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // A long-running response (watch): the body is produced over time. Ends by itself or
  // after `stream_timeout` (0: no limit).
  std::shared_ptr<BodyStream> stream;
  // An upgrade (exec): the transport hands the connection to the tunnel (tunnel.h).
  std::shared_ptr<Tunnel> tunnel;
  std::chrono::milliseconds stream_timeout{0};

  Status error;  // the failure the body describes (OK on success)
  // Typed answers, for requests with `typed` set: an object, a list, or a watch.
  std::shared_ptr<const google::protobuf::Message> object;
  std::optional<storage::ListResult> list;
  std::shared_ptr<storage::Watcher> watcher;
};

// Whether a request runs for long (watch, logs with follow, exec): exempt from the timeout
// and max-in-flight filters, as Kubernetes' LongRunningFunc decides.
bool IsLongRunning(const Request& request);

}  // namespace pk::apiserver
