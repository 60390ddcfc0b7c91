// The webhook plugins' pure parts: which requests a webhook's rules and selectors select
// (rules_test.go and the matchers' tests of Kubernetes), the AdmissionReview in both
// directions, a JSONPatch applied to an object, refusals and failures as the client reads
// them, and the configurations' defaults and validation through their strategies.
#include "apiserver/admission/webhook/webhook.h"

#include <doctest/doctest.h>

#include <boost/asio.hpp>
#include <nlohmann/json.hpp>

#include "apimachinery/codec.h"
#include "apiserver/registry/strategy.h"
#include "proto/core/v1/namespace.pb.h"
#include "proto/core/v1/pod.pb.h"
#include "tests/testing.h"

namespace pk::admission::webhook {
namespace {

namespace arv1 = k8s::admissionregistration::v1;
using k8s::core::v1::Namespace;
using k8s::core::v1::Pod;

template <class T>
T FromJson(const std::string& text) {
  T m;
  Status s = json::Decode(text, &m, nullptr);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  return m;
}

const ResourceType* Type(const char* group, const char* resource) {
  const ResourceType* t = Scheme::Builtin().FindResource(group, resource);
  REQUIRE(t != nullptr);
  return t;
}

Attributes PodAttributes(Operation op, const std::string& subresource = "") {
  Attributes a;
  a.operation = op;
  a.type = Type("", "pods");
  a.subresource = subresource;
  a.ns = "default";
  a.name = "web";
  return a;
}

arv1::RuleWithOperations Rule(const std::string& json) {
  return FromJson<arv1::RuleWithOperations>(json);
}

TEST_CASE("rules: operations, groups, versions and resources, with wildcards") {
  Attributes create = PodAttributes(Operation::kCreate);
  CHECK(RuleMatches(Rule(R"({"operations":["CREATE"],"apiGroups":[""],"apiVersions":["v1"],
                             "resources":["pods"]})"),
                    create));
  CHECK(RuleMatches(
      Rule(R"({"operations":["*"],"apiGroups":["*"],"apiVersions":["*"],"resources":["*"]})"),
      create));
  CHECK_FALSE(RuleMatches(Rule(R"({"operations":["UPDATE","DELETE"],"apiGroups":[""],
                                   "apiVersions":["v1"],"resources":["pods"]})"),
                          create));
  CHECK_FALSE(RuleMatches(Rule(R"({"operations":["CREATE"],"apiGroups":["apps"],
                                   "apiVersions":["v1"],"resources":["pods"]})"),
                          create));
  CHECK_FALSE(RuleMatches(Rule(R"({"operations":["CREATE"],"apiGroups":[""],
                                   "apiVersions":["v1beta1"],"resources":["pods"]})"),
                          create));
  CHECK_FALSE(RuleMatches(Rule(R"({"operations":["CREATE"],"apiGroups":[""],
                                   "apiVersions":["v1"],"resources":["configmaps"]})"),
                          create));
}

TEST_CASE("rules: '*' is every resource but no subresource; 'pods/*', '*/status', '*/*'") {
  Attributes status = PodAttributes(Operation::kUpdate, "status");
  Attributes main = PodAttributes(Operation::kUpdate);
  auto rule = [](const char* resource) {
    return Rule(std::string(R"({"operations":["UPDATE"],"apiGroups":[""],"apiVersions":["v1"],
                             "resources":[")") +
                resource + "\"]}");
  };
  CHECK(RuleMatches(rule("*"), main));
  CHECK_FALSE(RuleMatches(rule("*"), status));
  CHECK_FALSE(RuleMatches(rule("pods"), status));
  CHECK(RuleMatches(rule("pods/*"), status));
  // As rules.go matches it: a "*" subresource also matches no subresource.
  CHECK(RuleMatches(rule("pods/*"), main));
  CHECK(RuleMatches(rule("*/status"), status));
  CHECK(RuleMatches(rule("pods/status"), status));
  CHECK_FALSE(RuleMatches(rule("pods/log"), status));
  CHECK(RuleMatches(rule("*/*"), status));
  CHECK(RuleMatches(rule("*/*"), main));
}

TEST_CASE("rules: scope Namespaced and Cluster; namespaces are cluster-scoped") {
  auto scoped = [](const char* scope) {
    return Rule(std::string(R"({"operations":["*"],"apiGroups":["*"],"apiVersions":["*"],
                             "resources":["*"],"scope":")") +
                scope + "\"}");
  };
  Attributes pod = PodAttributes(Operation::kCreate);
  Attributes node;
  node.type = Type("", "nodes");
  Attributes ns;
  ns.type = Type("", "namespaces");
  ns.ns = "team-a";  // Kubernetes gives a namespace's requests its own name as namespace
  CHECK(RuleMatches(scoped("Namespaced"), pod));
  CHECK_FALSE(RuleMatches(scoped("Cluster"), pod));
  CHECK(RuleMatches(scoped("Cluster"), node));
  CHECK_FALSE(RuleMatches(scoped("Namespaced"), node));
  CHECK(RuleMatches(scoped("Cluster"), ns));
  CHECK_FALSE(RuleMatches(scoped("Namespaced"), ns));
  CHECK(RuleMatches(scoped("*"), ns));
}

TEST_CASE("the webhook configurations themselves are never sent to webhooks") {
  Attributes a;
  a.type = Type("admissionregistration.k8s.io", "validatingwebhookconfigurations");
  CHECK(IsExemptConfigurationResource(a));
  a.type = Type("admissionregistration.k8s.io", "mutatingwebhookconfigurations");
  CHECK(IsExemptConfigurationResource(a));
  CHECK_FALSE(IsExemptConfigurationResource(PodAttributes(Operation::kCreate)));
}

Hook HookFrom(const std::string& json) {
  return HookOf("config", FromJson<arv1::ValidatingWebhook>(json));
}

constexpr const char* kAllPods =
    R"("rules":[{"operations":["*"],"apiGroups":[""],"apiVersions":["v1"],"resources":["pods"]}])";

struct SelectorFixture {
  SelectorFixture() : store(storage::NewMemoryStore()) {
    AddNamespace("labelled", R"({"env":"prod"})");
    AddNamespace("plain", "{}");
  }
  void AddNamespace(const std::string& name, const std::string& labels) {
    auto ns = std::make_unique<Namespace>(
        FromJson<Namespace>(R"({"metadata":{"name":")" + name + R"(","labels":)" + labels + "}}"));
    REQUIRE(store->Create(storage::ObjectKey("namespaces", "", name), std::move(ns)).ok());
  }
  std::unique_ptr<storage::Store> store;
};

TEST_CASE("namespaceSelector reads the namespace's labels; cluster objects always match") {
  SelectorFixture f;
  Hook hook = HookFrom(std::string(R"({"name":"a.b.c","namespaceSelector":{"matchLabels":
                                       {"env":"prod"}},)") +
                       kAllPods + "}");
  Attributes a = PodAttributes(Operation::kCreate);
  a.ns = "labelled";
  CHECK(*MatchNamespaceSelector(hook, a, f.store.get()));
  a.ns = "plain";
  CHECK_FALSE(*MatchNamespaceSelector(hook, a, f.store.get()));
  a.ns = "missing";
  auto missing = MatchNamespaceSelector(hook, a, f.store.get());
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == 404);
  CHECK(missing.status().message() == R"(namespaces "missing" not found)");

  Attributes node;
  node.type = Type("", "nodes");
  CHECK(*MatchNamespaceSelector(hook, node, f.store.get()));

  // A namespace's own create is matched on the labels it is created with.
  Namespace created = FromJson<Namespace>(R"({"metadata":{"name":"new","labels":{"env":"prod"}}})");
  Attributes ns;
  ns.type = Type("", "namespaces");
  ns.name = "new";
  ns.object = &created;
  CHECK(*MatchNamespaceSelector(hook, ns, f.store.get()));
  created.mutable_metadata()->mutable_labels()->clear();
  CHECK_FALSE(*MatchNamespaceSelector(hook, ns, f.store.get()));
}

TEST_CASE("objectSelector matches the new or the old object's labels") {
  Hook hook = HookFrom(std::string(R"({"name":"a.b.c","objectSelector":{"matchExpressions":
      [{"key":"webhook","operator":"In","values":["on"]}]},)") +
                       kAllPods + "}");
  Pod on = FromJson<Pod>(R"({"metadata":{"name":"p","labels":{"webhook":"on"}}})");
  Pod off = FromJson<Pod>(R"({"metadata":{"name":"p","labels":{"webhook":"off"}}})");
  Attributes a = PodAttributes(Operation::kUpdate);
  a.object = &off;
  a.old_object = &on;
  CHECK(MatchObjectSelector(hook, a));
  a.old_object = &off;
  CHECK_FALSE(MatchObjectSelector(hook, a));
  a.object = nullptr;  // a delete: only the old object
  a.old_object = &on;
  CHECK(MatchObjectSelector(hook, a));
  Hook everything =
      HookFrom(std::string(R"({"name":"a.b.c","objectSelector":{},)") + kAllPods + "}");
  a.old_object = nullptr;
  CHECK(MatchObjectSelector(everything, a));
}

TEST_CASE("ShouldCallHook: a missing namespace is an error only when the rules match") {
  SelectorFixture f;
  Hook hook = HookFrom(std::string(R"({"name":"a.b.c","namespaceSelector":{"matchLabels":
                                       {"env":"prod"}},)") +
                       kAllPods + "}");
  Attributes a = PodAttributes(Operation::kCreate);
  a.ns = "missing";
  CHECK(ShouldCallHook(hook, a, f.store.get()).status().code() == 404);
  a.type = Type("", "configmaps");
  auto configmap = ShouldCallHook(hook, a, f.store.get());
  REQUIRE(configmap.ok());
  CHECK_FALSE(*configmap);
  a.type = Type("", "pods");
  a.ns = "labelled";
  CHECK(*ShouldCallHook(hook, a, f.store.get()));
}

TEST_CASE("the AdmissionReview request carries the request and the object") {
  Pod pod = FromJson<Pod>(R"({"metadata":{"name":"web","namespace":"default",
                                          "labels":{"app":"web"}}})");
  Attributes a = PodAttributes(Operation::kCreate);
  a.object = &pod;
  a.user = "alice";
  auto review = nlohmann::json::parse(BuildReview(a, "0000-uid"));
  CHECK(review["kind"] == "AdmissionReview");
  CHECK(review["apiVersion"] == "admission.k8s.io/v1");
  const auto& r = review["request"];
  CHECK(r["uid"] == "0000-uid");
  CHECK(r["kind"] == nlohmann::json{{"group", ""}, {"version", "v1"}, {"kind", "Pod"}});
  CHECK(r["resource"] == nlohmann::json{{"group", ""}, {"version", "v1"}, {"resource", "pods"}});
  CHECK(r["operation"] == "CREATE");
  CHECK(r["namespace"] == "default");
  CHECK(r["userInfo"]["username"] == "alice");
  CHECK(r["object"]["kind"] == "Pod");
  CHECK(r["object"]["metadata"]["labels"]["app"] == "web");
  CHECK(r["oldObject"].is_null());
  CHECK(r["dryRun"] == false);
  CHECK(r["options"]["kind"] == "CreateOptions");
  CHECK_FALSE(r.contains("subResource"));
}

TEST_CASE("responses: verification, and refusals as webhookerrors.ToStatusErr words them") {
  auto parse = [](const std::string& response, bool mutating = false) {
    return ParseResponse(
        R"({"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","response":)" + response +
            "}",
        "u1", mutating);
  };
  auto denied = parse(R"({"uid":"u1","allowed":false,"status":{"message":"no pods today"}})");
  REQUIRE(denied.ok());
  Status s = DenialStatus("deny.example.com", *denied);
  CHECK(s.code() == 400);
  CHECK(s.message() == R"(admission webhook "deny.example.com" denied the request: no pods today)");

  auto coded = parse(R"({"uid":"u1","allowed":false,"status":{"code":403,"reason":"Forbidden"}})");
  s = DenialStatus("deny.example.com", *coded);
  CHECK(s.code() == 403);
  CHECK(s.reason() == Reason::kForbidden);
  CHECK(s.message() == R"(admission webhook "deny.example.com" denied the request: Forbidden)");

  auto bare = parse(R"({"uid":"u1","allowed":false,"status":{"code":200}})");
  s = DenialStatus("deny.example.com", *bare);
  CHECK(s.code() == 400);
  CHECK(s.message() ==
        R"(admission webhook "deny.example.com" denied the request without explanation)");

  CHECK(parse(R"({"uid":"u2","allowed":true})").status().message() ==
        R"(received invalid webhook response: expected response.uid="u1", got "u2")");
  CHECK(ParseResponse(R"({"kind":"AdmissionReview","apiVersion":"v1","response":{}})", "u1", false)
            .status()
            .message() ==
        "received invalid webhook response: expected webhook response of admission.k8s.io/v1, "
        "Kind=AdmissionReview, got /v1, Kind=AdmissionReview");
  // "[]" in base64.
  CHECK(parse(R"({"uid":"u1","allowed":true,"patch":"W10="})", true).status().message() ==
        "received invalid webhook response: webhook returned response.patch but not "
        "response.patchType");
  auto patched =
      parse(R"({"uid":"u1","allowed":true,"patch":"W10=","patchType":"JSONPatch"})", true);
  REQUIRE(patched.ok());
  CHECK(patched->patch == "[]");
  CHECK(parse(R"({"uid":"u1","allowed":true,"patch":"W10=","patchType":"JSONPatch"})")
            .status()
            .message() ==
        "received invalid webhook response: validating webhook may not return "
        "response.patch");
}

TEST_CASE("a JSONPatch changes the object, which decodes back into its message") {
  Pod pod = FromJson<Pod>(R"({"metadata":{"name":"web","labels":{"app":"web"}},
                              "spec":{"containers":[{"name":"c","image":"nginx"}]}})");
  Attributes a = PodAttributes(Operation::kCreate);
  const auto* metadata = &pod.metadata();  // the registry holds it across admission
  Status s = ApplyPatch("m.example.com",
                        R"([{"op":"add","path":"/metadata/labels/mutated","value":"yes"},
                            {"op":"replace","path":"/spec/containers/0/image","value":"nginx:1"}])",
                        a, &pod);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  CHECK(pod.metadata().labels().at("mutated") == "yes");
  CHECK(pod.metadata().labels().at("app") == "web");
  CHECK(pod.spec().containers(0).image() == "nginx:1");
  CHECK(&pod.metadata() == metadata);

  Pod gutted = pod;
  const auto* gutted_metadata = &gutted.metadata();
  REQUIRE(ApplyPatch("m.example.com", R"([{"op":"remove","path":"/metadata"}])", a, &gutted).ok());
  CHECK(&gutted.metadata() == gutted_metadata);
  CHECK(gutted.metadata().name().empty());

  s = ApplyPatch("m.example.com", R"([{"op":"remove","path":"/metadata/nothing"}])", a, &pod);
  CHECK(s.code() == 500);
  CHECK(s.message().rfind("Internal error occurred: ", 0) == 0);
  CHECK(pod.metadata().labels().at("mutated") == "yes");  // unchanged on failure

  s = ApplyPatch("m.example.com", R"([{"op":"replace","path":"/spec/containers","value":"x"}])", a,
                 &pod);
  CHECK(s.code() == 500);
  CHECK(pod.spec().containers_size() == 1);
}

TEST_CASE("call failures: the URL with the REST client's timeout, Go's dial error, 500") {
  Hook hook = HookFrom(std::string(R"({"name":"down.example.com","timeoutSeconds":2,
      "sideEffects":"None","admissionReviewVersions":["v1"],)") +
                       kAllPods + "}");
  // A port nothing listens on: bound, then closed.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  int port = acceptor.local_endpoint().port();
  acceptor.close();
  hook.client_config.set_url("https://127.0.0.1:" + std::to_string(port) + "/check");
  Pod pod = FromJson<Pod>(R"({"metadata":{"name":"web"}})");
  Attributes a = PodAttributes(Operation::kCreate);
  a.object = &pod;
  CallResult result = CallHook(hook, a, false);
  REQUIRE(result.failure.has_value());
  const std::string url = "https://127.0.0.1:" + std::to_string(port) + "/check?timeout=2s";
  CHECK(result.failure->text ==
        "failed calling webhook \"down.example.com\": failed to call webhook: Post \"" + url +
            "\": dial tcp 127.0.0.1:" + std::to_string(port) + ": connect: connection refused");
  Status s = FailureStatus(*result.failure);
  CHECK(s.code() == 500);
  CHECK(s.reason() == Reason::kInternalError);
  CHECK(s.message() == "Internal error occurred: " + result.failure->text);
}

TEST_CASE("dry run: webhooks with side effects refuse it, None and NoneOnDryRun are called") {
  Hook hook = HookFrom(std::string(R"({"name":"effects.example.com","sideEffects":"Some",
      "admissionReviewVersions":["v1"],"clientConfig":{"url":"https://127.0.0.1:1/"},)") +
                       kAllPods + "}");
  Attributes a = PodAttributes(Operation::kCreate);
  a.dry_run = true;
  CallResult result = CallHook(hook, a, false);
  CHECK_FALSE(result.failure.has_value());
  CHECK(result.status.code() == 400);
  CHECK(result.status.message() ==
        R"(admission webhook "effects.example.com" does not support dry run)");
  hook.side_effects = "NoneOnDryRun";
  result = CallHook(hook, a, false);
  CHECK(result.status.ok());
  CHECK(result.failure.has_value());  // called: nothing listens on port 1
}

TEST_CASE("service references are refused with a clear reason") {
  Hook hook = HookFrom(std::string(R"({"name":"svc.example.com","sideEffects":"None",
      "admissionReviewVersions":["v1"],
      "clientConfig":{"service":{"namespace":"hooks","name":"check","path":"/v","port":8443}},)") +
                       kAllPods + "}");
  auto url = CallUrl(hook);
  REQUIRE_FALSE(url.ok());
  CHECK(url.status().message().find(R"(Post "https://check.hooks.svc:8443/v?timeout=10s")") == 0);
  CHECK(url.status().message().find("services have no network") != std::string::npos);
}

TEST_CASE("the source follows the configurations in the store, in name order") {
  auto store = storage::NewMemoryStore();
  auto put = [&](const std::string& name, const std::string& hooks) {
    auto config = std::make_unique<arv1::ValidatingWebhookConfiguration>(
        FromJson<arv1::ValidatingWebhookConfiguration>(R"({"metadata":{"name":")" + name +
                                                       R"("},"webhooks":)" + hooks + "}"));
    REQUIRE(store
                ->Create(storage::ObjectKey("validatingwebhookconfigurations", "", name),
                         std::move(config))
                .ok());
  };
  auto names = [](const Source& source) {
    std::vector<std::string> out;
    for (const Hook& h : *source.Hooks()) out.push_back(h.configuration + "/" + h.name);
    return out;
  };
  put("b", R"([{"name":"b1.example.com"},{"name":"b2.example.com"}])");
  Source source(store.get(), "validatingwebhookconfigurations");
  using Names = std::vector<std::string>;
  CHECK(testing::Eventually([&] {
    return names(source) == Names{"b/b1.example.com", "b/b2.example.com"};
  }));
  put("a", R"([{"name":"a1.example.com","failurePolicy":"Ignore","timeoutSeconds":3}])");
  CHECK(testing::Eventually([&] {
    return names(source) == Names{"a/a1.example.com", "b/b1.example.com", "b/b2.example.com"};
  }));
  const Hook& first = source.Hooks()->front();
  CHECK(first.fail_open);
  CHECK(first.timeout_seconds == 3);
  REQUIRE(store->Delete(storage::ObjectKey("validatingwebhookconfigurations", "", "b")).ok());
  CHECK(testing::Eventually([&] { return names(source) == Names{"a/a1.example.com"}; }));
}

// --- the configurations' strategy ------------------------------------------------------------

const registry::Strategy& StrategyOf(const char* resource) {
  return registry::StrategyFor(*Type("admissionregistration.k8s.io", resource));
}

std::string CausesText(const std::vector<StatusCause>& causes) {
  std::string out;
  for (const StatusCause& c : causes) out += c.field + ": " + c.message + "\n";
  return out;
}

TEST_CASE("defaults: Fail, Equivalent, {} selectors, 10 s, Never, scope *, port 443") {
  auto config = FromJson<arv1::MutatingWebhookConfiguration>(R"({"metadata":{"name":"m"},
      "webhooks":[{"name":"m.example.com","sideEffects":"None","admissionReviewVersions":["v1"],
        "clientConfig":{"service":{"namespace":"ns","name":"svc"}},
        "rules":[{"operations":["CREATE"],"apiGroups":[""],"apiVersions":["v1"],
                  "resources":["pods"]}]}]})");
  StrategyOf("mutatingwebhookconfigurations").Default(&config);
  std::string json = json::Encode(config.webhooks(0));
  CHECK(json ==
        R"({"name":"m.example.com","clientConfig":{"service":{"namespace":"ns","name":"svc",)"
        R"("port":443}},"rules":[{"operations":["CREATE"],"apiGroups":[""],"apiVersions":["v1"],)"
        R"("resources":["pods"],"scope":"*"}],"failurePolicy":"Fail","matchPolicy":"Equivalent",)"
        R"("namespaceSelector":{},"objectSelector":{},"sideEffects":"None","timeoutSeconds":10,)"
        R"("admissionReviewVersions":["v1"],"reinvocationPolicy":"Never"})");
  CHECK(CausesText(StrategyOf("mutatingwebhookconfigurations").Validate(config)) == "");
}

TEST_CASE("validation: Kubernetes' messages") {
  auto config = FromJson<arv1::ValidatingWebhookConfiguration>(R"({"metadata":{"name":"v"},
      "webhooks":[
        {"name":"short","clientConfig":{"url":"http://example.com/x?a=b"},
         "rules":[{"operations":["CREATE","*"],"apiGroups":[""],"apiVersions":["v1"],
                   "resources":["pods","*/*"]}],
         "failurePolicy":"Sometimes","sideEffects":"Some","timeoutSeconds":31,
         "admissionReviewVersions":["v2"]},
        {"name":"ok.example.com","clientConfig":{"url":"https://example.com"},
         "admissionReviewVersions":["v1"]},
        {"name":"ok.example.com","clientConfig":{},"sideEffects":"None",
         "admissionReviewVersions":[]}]})");
  const auto& strategy = StrategyOf("validatingwebhookconfigurations");
  strategy.Default(&config);
  CHECK(CausesText(strategy.Validate(config)) ==
        "webhooks[0].name: Invalid value: \"short\": should be a domain with at least three "
        "segments separated by dots\n"
        "webhooks[0].rules[0].operations: Invalid value: []string{\"CREATE\", \"*\"}: if '*' is "
        "present, must not specify other operations\n"
        "webhooks[0].rules[0].resources: Invalid value: []string{\"pods\", \"*/*\"}: if '*/*' is "
        "present, must not specify other resources\n"
        "webhooks[0].failurePolicy: Unsupported value: \"Sometimes\": supported values: "
        "\"Fail\", \"Ignore\"\n"
        "webhooks[0].sideEffects: Unsupported value: \"Some\": supported values: \"None\", "
        "\"NoneOnDryRun\"\n"
        "webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and "
        "30 seconds\n"
        "webhooks[0].clientConfig.url: Invalid value: \"http\": 'https' is the only allowed URL "
        "scheme; desired format: https://host[/path]\n"
        "webhooks[0].clientConfig.url: Invalid value: \"a=b\": query parameters are not "
        "permitted in the URL\n"
        "webhooks[0].admissionReviewVersions: Invalid value: []string{\"v2\"}: must include at "
        "least one of v1, v1beta1\n"
        "webhooks[1].sideEffects: Required value: must specify one of None, NoneOnDryRun\n"
        "webhooks[2].clientConfig: Required value: exactly one of url or service is required\n"
        "webhooks[2].admissionReviewVersions: Required value: must specify one of v1, v1beta1\n"
        "webhooks[2].name: Duplicate value: \"ok.example.com\"\n");
}

}  // namespace
}  // namespace pk::admission::webhook
