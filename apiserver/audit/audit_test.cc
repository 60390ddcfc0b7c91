#include "apiserver/audit/audit.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace pk::apiserver::audit {
namespace {

using Json = nlohmann::ordered_json;

// The example policy of Kubernetes' documentation (Auditing, "Audit policy"), as given there.
constexpr const char* kDocsPolicy = R"(
apiVersion: audit.k8s.io/v1 # This is required.
kind: Policy
# Don't generate audit events for all requests in RequestReceived stage.
omitStages:
  - "RequestReceived"
rules:
  # Log pod changes at RequestResponse level
  - level: RequestResponse
    resources:
    - group: ""
      # Resource "pods" doesn't match requests to any subresource of pods,
      # which is consistent with the RBAC policy.
      resources: ["pods"]
  # Log "pods/log", "pods/status" at Metadata level
  - level: Metadata
    resources:
    - group: ""
      resources: ["pods/log", "pods/status"]

  # Don't log requests to a configmap called "controller-leader"
  - level: None
    resources:
    - group: ""
      resources: ["configmaps"]
      resourceNames: ["controller-leader"]

  # Don't log watch requests by the "system:kube-proxy" on endpoints or services
  - level: None
    users: ["system:kube-proxy"]
    verbs: ["watch"]
    resources:
    - group: "" # core API group
      resources: ["endpoints", "services"]

  # Don't log authenticated requests to certain non-resource URL paths.
  - level: None
    userGroups: ["system:authenticated"]
    nonResourceURLs:
    - "/api*" # Wildcard matching.
    - "/version"

  # Log the request body of configmap changes in kube-system.
  - level: Request
    resources:
    - group: "" # core API group
      resources: ["configmaps"]
    # This rule only applies to resources in the "kube-system" namespace.
    # The empty string "" can be used to select non-namespaced resources.
    namespaces: ["kube-system"]

  # Log configmap and secret changes in all other namespaces at the Metadata level.
  - level: Metadata
    resources:
    - group: "" # core API group
      resources: ["secrets", "configmaps"]

  # Log all other resources in core and extensions at the Request level.
  - level: Request
    resources:
    - group: "" # core API group
    - group: "extensions" # Version of group should NOT be included.

  # A catch-all rule to log all other requests at the Metadata level.
  - level: Metadata
    # Long-running requests like watches that fall under this rule will not
    # generate an audit event in RequestReceived.
    omitStages:
      - "RequestReceived"
)";

Attributes Resource(std::string verb, std::string group, std::string resource, std::string sub,
                    std::string ns, std::string name,
                    UserInfo user = {"jane", "", {"dev", "system:authenticated"}}) {
  Attributes a;
  a.user = std::move(user);
  a.verb = std::move(verb);
  a.resource_request = true;
  a.api_group = std::move(group);
  a.resource = std::move(resource);
  a.subresource = std::move(sub);
  a.ns = std::move(ns);
  a.name = std::move(name);
  return a;
}

Attributes NonResource(std::string path, UserInfo user) {
  Attributes a;
  a.user = std::move(user);
  a.verb = "get";
  a.path = std::move(path);
  return a;
}

Level LevelOf(const Policy& p, const Attributes& a) { return p.Evaluate(a).level; }

TEST_CASE("the documentation's example policy: the first matching rule decides") {
  auto policy = Policy::Parse(kDocsPolicy);
  REQUIRE_MESSAGE(policy.ok(), policy.status().message());
  CHECK(policy->rules().size() == 9);
  CHECK(LevelOf(*policy, Resource("create", "", "pods", "", "default", "web")) ==
        Level::kRequestResponse);
  // "pods" does not match a subresource; "pods/log" does.
  CHECK(LevelOf(*policy, Resource("get", "", "pods", "log", "default", "web")) == Level::kMetadata);
  CHECK(LevelOf(*policy, Resource("update", "", "pods", "status", "default", "web")) ==
        Level::kMetadata);
  CHECK(LevelOf(*policy, Resource("update", "", "configmaps", "", "kube-system",
                                  "controller-leader")) == Level::kNone);
  CHECK(LevelOf(*policy, Resource("update", "", "configmaps", "", "kube-system", "other")) ==
        Level::kRequest);
  CHECK(LevelOf(*policy, Resource("update", "", "configmaps", "", "default", "other")) ==
        Level::kMetadata);
  CHECK(LevelOf(*policy, Resource("get", "", "secrets", "", "default", "s")) == Level::kMetadata);
  UserInfo proxy{"system:kube-proxy", "", {"system:authenticated"}};
  CHECK(LevelOf(*policy, Resource("watch", "", "endpoints", "", "", "", proxy)) == Level::kNone);
  CHECK(LevelOf(*policy, Resource("list", "", "endpoints", "", "", "", proxy)) == Level::kRequest);
  CHECK(LevelOf(*policy, Resource("get", "", "nodes", "", "", "n1")) == Level::kRequest);
  CHECK(LevelOf(*policy, Resource("get", "apps", "deployments", "", "d", "x")) == Level::kMetadata);
  UserInfo authed{"jane", "", {"system:authenticated"}};
  CHECK(LevelOf(*policy, NonResource("/apis/apps/v1", authed)) == Level::kNone);
  CHECK(LevelOf(*policy, NonResource("/version", authed)) == Level::kNone);
  CHECK(LevelOf(*policy, NonResource("/healthz", authed)) == Level::kMetadata);
  CHECK(LevelOf(*policy, NonResource("/version", {"system:anonymous", "", {}})) ==
        Level::kMetadata);
  // The policy's omitStages apply to every rule.
  auto config = policy->Evaluate(Resource("create", "", "pods", "", "default", "web"));
  CHECK(config.omit_stages == std::vector<Stage>{Stage::kRequestReceived});
}

TEST_CASE("the documentation's minimal policy logs everything at Metadata") {
  auto policy = Policy::Parse(
      "# Log all requests at the Metadata level.\napiVersion: audit.k8s.io/v1\nkind: Policy\n"
      "rules:\n- level: Metadata\n");
  REQUIRE(policy.ok());
  CHECK(LevelOf(*policy, Resource("delete", "apps", "deployments", "", "a", "b")) ==
        Level::kMetadata);
  CHECK(LevelOf(*policy, NonResource("/healthz", {})) == Level::kMetadata);
  CHECK(policy->Evaluate(NonResource("/healthz", {})).omit_stages.empty());
}

TEST_CASE("resource wildcards, resourceNames, namespaces and omitManagedFields") {
  auto policy = Policy::Parse(R"(
apiVersion: audit.k8s.io/v1
kind: Policy
omitManagedFields: true
rules:
- level: None
  resources: [{group: apps, resources: ["*/scale"]}]
- level: Request
  resources: [{group: "", resources: ["pods/*"]}]
  omitManagedFields: false
- level: RequestResponse
  namespaces: [""]
- level: Metadata
  resources: [{group: "", resources: ["secrets"], resourceNames: ["token"]}]
  omitStages: [ResponseStarted]
)");
  REQUIRE_MESSAGE(policy.ok(), policy.status().message());
  CHECK(LevelOf(*policy, Resource("update", "apps", "deployments", "scale", "a", "d")) ==
        Level::kNone);
  auto sub = policy->Evaluate(Resource("get", "", "pods", "log", "a", "p"));
  CHECK(sub.level == Level::kRequest);
  CHECK_FALSE(sub.omit_managed_fields);
  // "pods/*" also matches pods itself, as checker.go trims "/*" and compares the resource.
  CHECK(LevelOf(*policy, Resource("get", "", "pods", "", "a", "p")) == Level::kRequest);
  auto cluster = policy->Evaluate(Resource("get", "", "nodes", "", "", "n"));
  CHECK(cluster.level == Level::kRequestResponse);
  CHECK(cluster.omit_managed_fields);
  CHECK(LevelOf(*policy, Resource("get", "", "secrets", "", "a", "token")) == Level::kMetadata);
  CHECK(LevelOf(*policy, Resource("get", "", "secrets", "", "a", "other")) == Level::kNone);
}

TEST_CASE("an invalid policy is refused in Kubernetes' wording") {
  auto bad_level =
      Policy::Parse("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: All\n");
  REQUIRE_FALSE(bad_level.ok());
  CHECK(bad_level.status().message() ==
        "rules[0].level: Unsupported value: \"All\": supported values: \"None\", \"Metadata\", "
        "\"Request\", \"RequestResponse\"");
  auto no_rules = Policy::Parse("apiVersion: audit.k8s.io/v1\nkind: Policy\n");
  REQUIRE_FALSE(no_rules.ok());
  CHECK(no_rules.status().message() == "loaded illegal policy with 0 rules");
  auto url = Policy::Parse(
      "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  nonResourceURLs: "
      "[\"/a*b\"]\n");
  REQUIRE_FALSE(url.ok());
  CHECK(url.status().message() ==
        "rules[0].nonResourceURLs[0]: Invalid value: \"/a*b\": non-resource URL wildcards '*' "
        "must be the final character of the rule");
  auto stage = Policy::Parse(
      "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  omitStages: [Done]\n");
  REQUIRE_FALSE(stage.ok());
  CHECK(
      stage.status().message().starts_with("rules[0].omitStages[0]: Unsupported value: \"Done\""));
  auto version = Policy::Parse("apiVersion: v1\nkind: ConfigMap\n");
  CHECK_FALSE(version.ok());
}

// A ResponseComplete line as kube-apiserver writes it (Metadata level, kubectl get pod).
constexpr const char* kRealLine =
    R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"0b2a5a4d-9d4c-4f3e-8d0e-6b1f3f9c2a11","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/pods/web","verb":"get","user":{"username":"kubernetes-admin","groups":["system:masters","system:authenticated"]},"sourceIPs":["172.18.0.1"],"userAgent":"kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9","objectRef":{"resource":"pods","namespace":"default","name":"web","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"2024-12-12T10:15:32.482101Z","stageTimestamp":"2024-12-12T10:15:32.485362Z","annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}})";

std::vector<std::string> Keys(const Json& j) {
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  return keys;
}

Request KubectlGet() {
  Request r;
  r.method = "GET";
  r.path = "/api/v1/namespaces/default/pods/web";
  r.request_uri = r.path;
  r.peer_address = "172.18.0.1";
  r.headers["user-agent"] = "kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9";
  r.audit_id = "0b2a5a4d-9d4c-4f3e-8d0e-6b1f3f9c2a11";
  r.received = std::chrono::system_clock::now();
  r.user = {"kubernetes-admin", "", {"system:masters", "system:authenticated"}};
  r.info.is_resource_request = true;
  r.info.verb = "get";
  r.info.api_prefix = "api";
  r.info.api_version = "v1";
  r.info.resource = "pods";
  r.info.ns = "default";
  r.info.name = "web";
  r.audit_annotations = {{"authorization.k8s.io/decision", "allow"},
                         {"authorization.k8s.io/reason", ""}};
  return r;
}

TEST_CASE("an event has the shape of kube-apiserver's: same fields, same order, same values") {
  Json real = Json::parse(kRealLine);
  Request r = KubectlGet();
  Event event(r, {Level::kMetadata, {}, false}, nullptr);
  event.SetAnnotations(r.audit_annotations);
  Response ok;
  ok.body = R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":"web"}})";
  event.SetResponse(ok);
  event.SetRequestObject(r);
  event.SetResponseObject(ok);  // not at Metadata level
  Json ours = Json::parse(event.Encode(Stage::kResponseComplete, std::chrono::system_clock::now()));
  CHECK(Keys(ours) == Keys(real));
  for (const char* same :
       {"kind", "apiVersion", "level", "auditID", "stage", "requestURI", "verb", "user",
        "sourceIPs", "userAgent", "objectRef", "responseStatus", "annotations"}) {
    CHECK_MESSAGE(ours[same] == real[same], same);
  }
  std::string stamp = ours["stageTimestamp"];
  CHECK(stamp.size() == std::string("2024-12-12T10:15:32.485362Z").size());
  CHECK(stamp.back() == 'Z');
  // RequestReceived: no status, no annotations yet, stamped when received.
  Json received = Json::parse(event.Encode(Stage::kRequestReceived, r.received));
  CHECK_FALSE(received.contains("responseStatus"));
  CHECK(received["stageTimestamp"] == received["requestReceivedTimestamp"]);
}

TEST_CASE("bodies follow the level; a failure records its Status; create names its object") {
  Request r = KubectlGet();
  r.method = "POST";
  r.path = r.request_uri = "/api/v1/namespaces/default/pods";
  r.info.verb = "create";
  r.info.name = "";
  r.body = R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":"web","managedFields":[{}]}})";
  Response conflict;
  conflict.code = 409;
  conflict.error = Status::BadRequest("x");
  conflict.body =
      R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"web\" already exists","reason":"AlreadyExists","details":{"name":"web","kind":"pods"},"code":409})";
  for (Level level : {Level::kMetadata, Level::kRequest, Level::kRequestResponse}) {
    Event event(r, {level, {}, true}, nullptr);
    event.SetRequestObject(r);
    event.SetResponse(conflict);
    event.SetResponseObject(conflict);
    Json e = Json::parse(event.Encode(Stage::kResponseComplete, std::chrono::system_clock::now()));
    CHECK(e["objectRef"]["name"] == "web");
    CHECK(Keys(e["objectRef"]) ==
          std::vector<std::string>{"resource", "namespace", "name", "apiVersion"});
    CHECK(
        e["responseStatus"].dump() ==
        R"({"metadata":{},"status":"Failure","message":"pods \"web\" already exists","reason":"AlreadyExists","details":{"name":"web","kind":"pods"},"code":409})");
    CHECK(e.contains("requestObject") == (level >= Level::kRequest));
    CHECK(e.contains("responseObject") == (level == Level::kRequestResponse));
    if (e.contains("requestObject")) {
      CHECK(e["requestObject"]["metadata"].dump() == R"({"name":"web"})");  // omitManagedFields
    }
  }
}

TEST_CASE("sourceIPs: forwarded addresses, then X-Real-Ip, then the peer, each once") {
  Request r;
  r.headers["x-forwarded-for"] = "10.0.0.1, 10.0.0.2";
  r.headers["x-real-ip"] = "10.0.0.2";
  r.peer_address = "127.0.0.1";
  CHECK(SourceIPs(r) == std::vector<std::string>{"10.0.0.1", "10.0.0.2", "127.0.0.1"});
}

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST_CASE("the log backend writes every event as a line, in order, and rotates") {
  std::string dir =
      std::filesystem::temp_directory_path() / ("audit_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  LogOptions options;
  options.path = dir + "/audit.log";
  options.buffer_size = 4;  // requests wait for room rather than lose events
  auto backend = LogBackend::Start(options);
  REQUIRE(backend.ok());
  for (int i = 0; i < 100; ++i) (*backend)->Process("{\"n\":" + std::to_string(i) + "}");
  (*backend)->Flush();
  auto lines = Lines(options.path);
  REQUIRE(lines.size() == 100);
  CHECK(lines[0] == "{\"n\":0}");
  CHECK(lines[99] == "{\"n\":99}");
  (*backend)->Shutdown();

  options.max_size_mb = 1;
  options.max_backups = 1;
  auto rotating = LogBackend::Start(options);
  REQUIRE(rotating.ok());
  std::string big(200 * 1024, 'x');
  for (int i = 0; i < 12; ++i) (*rotating)->Process(big);
  (*rotating)->Shutdown();
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    (void)entry;
    ++files;
  }
  CHECK(files == 2);  // the current file and one backup
  CHECK(std::filesystem::file_size(options.path) <= (1u << 20));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace pk::apiserver::audit
