// Admission webhooks with real processes: the apiserver binary, and an HTTPS webhook server of
// the test's own (Boost.Beast over TLS, its certificate and CA made with the openssl CLI at test
// time: EC P-256, SAN IP:127.0.0.1). Configurations go in with the real kubectl and over REST;
// the checks read what Kubernetes users read: the refusal's exact words and code, the stored
// object a mutating webhook changed, failurePolicy under a webhook that does not answer in
// time, and which requests the selectors let through to the webhook.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <openssl/evp.h>

// clang-format off
#include <utility>  // before Boost 1.74's asio, which needs std::exchange
// clang-format on

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "apiserver/testing_http.h"
#include "tests/process.h"
#include "tests/testing.h"

namespace pk::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;
using Json = nlohmann::json;
using apiserver::http_testing::Http;
using apiserver::http_testing::HttpAnswer;

std::string Base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3), '\0');
  EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                  reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  return out;
}

// A CA and a server certificate for 127.0.0.1 signed by it, made with the openssl CLI.
void MakeCertificates(const std::filesystem::path& dir) {
  std::ofstream(dir / "ca.cnf") << "[req]\ndistinguished_name=dn\nprompt=no\n"
                                   "x509_extensions=v3_ca\n[dn]\nCN=webhook-test-ca\n[v3_ca]\n"
                                   "basicConstraints=critical,CA:TRUE\n"
                                   "keyUsage=critical,keyCertSign,cRLSign\n"
                                   "subjectKeyIdentifier=hash\n";
  std::ofstream(dir / "server.ext") << "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                                       "keyUsage=critical,digitalSignature\n"
                                       "extendedKeyUsage=serverAuth\n";
  const std::string d = dir.string();
  std::string script = fmt::format(
      "cd {} && set -e; "
      "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key; "
      "openssl req -x509 -new -key ca.key -config ca.cnf -days 1 -out ca.crt; "
      "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out server.key; "
      "openssl req -new -key server.key -subj /CN=127.0.0.1 -out server.csr; "
      "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 "
      "-extfile server.ext -out server.crt; echo made",
      d);
  std::string out = CommandOutput("(" + script + ") 2>&1");
  REQUIRE_MESSAGE(out.find("made") != std::string::npos, out);
}

// The test's webhook server: HTTPS on 127.0.0.1, one thread per connection. Paths:
//   /deny    refuses pods whose name starts with "deny" (403 and a message)
//   /mutate  adds the label mutated=yes
//   /slow    answers after 2 s (beyond the webhooks' 1 s timeout)
//   /record  allows, and records the object's name
class WebhookServer {
 public:
  explicit WebhookServer(const std::filesystem::path& dir)
      : ctx_(ssl::context::tls_server), acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    ctx_.use_certificate_chain_file((dir / "server.crt").string());
    ctx_.use_private_key_file((dir / "server.key").string(), ssl::context::pem);
    Accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~WebhookServer() {
    io_.stop();
    thread_.join();
    std::lock_guard lock(mu_);
    for (std::thread& t : connections_) t.join();
  }
  int port() const { return acceptor_.local_endpoint().port(); }

  // "PATH NAME" per call, in arrival order.
  std::vector<std::string> calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }
  void ClearCalls() {
    std::lock_guard lock(mu_);
    calls_.clear();
  }
  bool Called(const std::string& line) {
    auto all = calls();
    return std::find(all.begin(), all.end(), line) != all.end();
  }

 private:
  void Accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, asio::ip::tcp::socket socket) {
      if (ec) return;
      std::lock_guard lock(mu_);
      connections_.emplace_back([this, s = std::move(socket)]() mutable { Serve(std::move(s)); });
      Accept();
    });
  }

  void Serve(asio::ip::tcp::socket socket) {
    boost::system::error_code ec;
    ssl::stream<asio::ip::tcp::socket> stream(std::move(socket), ctx_);
    stream.handshake(ssl::stream_base::server, ec);
    if (ec) return;
    beast::flat_buffer buffer;
    bhttp::request<bhttp::string_body> req;
    bhttp::read(stream, buffer, req, ec);
    if (ec) return;
    bhttp::response<bhttp::string_body> res{bhttp::status::ok, 11};
    res.set(bhttp::field::content_type, "application/json");
    try {
      res.body() = Answer(std::string(req.target()), req.body());
    } catch (const std::exception& e) {
      res.result(bhttp::status::bad_request);
      res.body() = e.what();
      fprintf(stderr, "webhook server: %s\n", e.what());
    }
    res.prepare_payload();
    bhttp::write(stream, res, ec);
    stream.shutdown(ec);
  }

  std::string Answer(const std::string& target, const std::string& body) {
    std::string path = target.substr(0, target.find('?'));
    Json request = Json::parse(body)["request"];
    const Json& object = request["object"];
    const bool has_meta = object.is_object() && object.contains("metadata");
    std::string name = has_meta ? object["metadata"].value("name", "") : "";
    {
      std::lock_guard lock(mu_);
      calls_.push_back(path + " " + name);
    }
    Json response = {{"uid", request["uid"]}, {"allowed", true}};
    if (path == "/deny" && name.rfind("deny", 0) == 0) {
      response["allowed"] = false;
      response["status"] = {{"code", 403}, {"message", "pods named deny-* are not allowed"}};
    } else if (path == "/mutate") {
      Json patch =
          object["metadata"].contains("labels")
              ? Json::array(
                    {{{"op", "add"}, {"path", "/metadata/labels/mutated"}, {"value", "yes"}}})
              : Json::array({{{"op", "add"},
                              {"path", "/metadata/labels"},
                              {"value", {{"mutated", "yes"}}}}});
      response["patchType"] = "JSONPatch";
      response["patch"] = Base64(patch.dump());
    } else if (path == "/slow") {
      std::this_thread::sleep_for(std::chrono::seconds(2));
    }
    return Json{
        {"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"response", response}}
        .dump();
  }

  asio::io_context io_;
  ssl::context ctx_;
  asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::thread> connections_;  // guarded by mu_
  std::vector<std::string> calls_;        // guarded by mu_
};

class WebhookCluster {
 public:
  WebhookCluster() {
    MakeCertificates(dir_.path());
    ca_bundle_ = Base64(ReadFile(dir_.path() / "ca.crt"));
    server_ = std::make_unique<WebhookServer>(dir_.path());
    apiserver_ = std::make_unique<Process>(
        BinaryPath("apiserver"),
        std::vector<std::string>{"--data-dir=" + Path("data"), "--port=0",
                                 "--port-file=" + Path("port"), "--grpc-port=-1",
                                 // No controller-manager makes the "default" service
                                 // accounts here (Kubernetes' integration tests do the same).
                                 "--disable-admission-plugins=ServiceAccount"},
        Path("apiserver.log"));
    port_ = WaitForPortFile(Path("port"));
    std::ofstream(Path("kubeconfig")) << fmt::format(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: t\n  cluster:\n"
        "    server: http://127.0.0.1:{}\ncontexts:\n- name: t\n  context:\n"
        "    cluster: t\n    user: t\n    namespace: default\n"
        "current-context: t\nusers:\n- name: t\n  user: {{}}\n",
        port_);
  }

  std::string Path(const std::string& name) const { return (dir_.path() / name).string(); }
  WebhookServer& server() { return *server_; }
  uint16_t port() const { return static_cast<uint16_t>(port_); }

  std::string Kubectl(const std::string& args) const {
    return CommandOutput(fmt::format("/usr/bin/kubectl --kubeconfig={} --cache-dir={} {} 2>&1",
                                     Path("kubeconfig"), Path("kube-cache"), args));
  }

  // The clientConfig of the test server's `path`.
  // `ca_file`: the PEM file of caBundle, in the test's directory.
  std::string ClientConfig(const std::string& path, const std::string& ca_file) const {
    return fmt::format(R"({{"url":"https://127.0.0.1:{}{}","caBundle":"{}"}})", server_->port(),
                       path, Base64(ReadFile(Path(ca_file))));
  }
  std::string ClientConfig(const std::string& path) const {
    return fmt::format(R"({{"url":"https://127.0.0.1:{}{}","caBundle":"{}"}})", server_->port(),
                       path, ca_bundle_);
  }

  // A failed connection (the apiserver gone) is code -1 with the error as body.
  HttpAnswer Post(const std::string& target, const std::string& body) const {
    try {
      return Http(port(), bhttp::verb::post, target, body);
    } catch (const std::exception& e) {
      return {-1, "", e.what()};
    }
  }
  HttpAnswer Get(const std::string& target) const { return Http(port(), bhttp::verb::get, target); }

  // Creates a configuration over REST; fails the test unless it is created.
  void Configure(const std::string& kind, const std::string& body) const {
    std::string resource =
        kind == "Mutating" ? "mutatingwebhookconfigurations" : "validatingwebhookconfigurations";
    HttpAnswer a = Post("/apis/admissionregistration.k8s.io/v1/" + resource, body);
    REQUIRE_MESSAGE(a.code == 201, a.body);
  }

 private:
  TempDir dir_;
  std::string ca_bundle_;
  std::unique_ptr<WebhookServer> server_;
  std::unique_ptr<Process> apiserver_;
  int port_ = 0;
};

std::string PodJson(const std::string& name, const std::string& labels = "{}") {
  return fmt::format(R"({{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"{}","labels":{}}},
      "spec":{{"containers":[{{"name":"c","image":"nginx"}}]}}}})",
                     name, labels);
}

std::string Message(const HttpAnswer& a) {
  auto body = Json::parse(a.body, nullptr, false);
  return body.is_object() ? body.value("message", "") : "";
}

TEST_CASE("a validating webhook refuses with its message and code; kubectl shows it") {
  WebhookCluster c;
  std::string yaml = fmt::format(R"(apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: deny
webhooks:
- name: deny.webhook.test
  clientConfig: {}
  rules:
  - operations: ["CREATE"]
    apiGroups: [""]
    apiVersions: ["v1"]
    resources: ["pods"]
  sideEffects: None
  admissionReviewVersions: ["v1"]
)",
                                 c.ClientConfig("/deny"));
  std::ofstream(c.Path("deny.yaml")) << yaml;
  std::string applied = c.Kubectl("apply -f " + c.Path("deny.yaml"));
  REQUIRE_MESSAGE(applied.find("validatingwebhookconfiguration.admissionregistration.k8s.io/deny "
                               "created") != std::string::npos,
                  applied);
  std::string listed = c.Kubectl("get validatingwebhookconfigurations");
  CHECK_MESSAGE(listed.find("NAME   WEBHOOKS   AGE") != std::string::npos, listed);
  CHECK_MESSAGE(listed.find("deny   1 ") != std::string::npos, listed);

  const std::string expected =
      R"(admission webhook "deny.webhook.test" denied the request: pods named deny-* are not allowed)";
  // The configuration takes effect once the plugin's watch sees it: probe with dry runs.
  HttpAnswer denied;
  REQUIRE(Eventually([&] {
    denied = c.Post("/api/v1/namespaces/default/pods?dryRun=All", PodJson("deny-probe"));
    return denied.code == 403;
  }));
  CHECK(Message(denied) == expected);

  std::string out = c.Kubectl("run deny-me --image=nginx --restart=Never");
  CHECK_MESSAGE(out.find("Error from server: " + expected) != std::string::npos, out);
  CHECK(c.Get("/api/v1/namespaces/default/pods/deny-me").code == 404);

  HttpAnswer allowed = c.Post("/api/v1/namespaces/default/pods", PodJson("fine"));
  CHECK_MESSAGE(allowed.code == 201, allowed.body);
  CHECK(c.server().Called("/deny fine"));
}

TEST_CASE("a mutating webhook's patch is in the stored object") {
  WebhookCluster c;
  c.Configure("Mutating", fmt::format(R"({{"metadata":{{"name":"label"}},"webhooks":[{{
      "name":"label.webhook.test","clientConfig":{},
      "rules":[{{"operations":["CREATE"],"apiGroups":[""],"apiVersions":["v1"],
                 "resources":["pods"]}}],
      "sideEffects":"None","admissionReviewVersions":["v1"]}}]}})",
                                      c.ClientConfig("/mutate")));
  REQUIRE(Eventually([&] {
    HttpAnswer probe = c.Post("/api/v1/namespaces/default/pods?dryRun=All", PodJson("probe"));
    return probe.code == 201 && probe.body.find(R"("mutated":"yes")") != std::string::npos;
  }));
  HttpAnswer created =
      c.Post("/api/v1/namespaces/default/pods", PodJson("mutate-me", R"({"app":"web"})"));
  REQUIRE_MESSAGE(created.code == 201, created.body);
  auto stored = Json::parse(c.Get("/api/v1/namespaces/default/pods/mutate-me").body);
  CHECK(stored["metadata"]["labels"] == Json{{"app", "web"}, {"mutated", "yes"}});
  HttpAnswer bare = c.Post("/api/v1/namespaces/default/pods", PodJson("bare"));
  REQUIRE_MESSAGE(bare.code == 201, bare.body);
  stored = Json::parse(c.Get("/api/v1/namespaces/default/pods/bare").body);
  CHECK(stored["metadata"]["labels"] == Json{{"mutated", "yes"}});
}

TEST_CASE("a webhook past its timeoutSeconds fails the request under Fail, not under Ignore") {
  WebhookCluster c;
  auto slow = [&](const std::string& name, const std::string& policy, const std::string& resource) {
    c.Configure("Validating", fmt::format(R"({{"metadata":{{"name":"{}"}},"webhooks":[{{
        "name":"{}.webhook.test","clientConfig":{},"failurePolicy":"{}","timeoutSeconds":1,
        "rules":[{{"operations":["CREATE"],"apiGroups":[""],"apiVersions":["v1"],
                   "resources":["{}"]}}],
        "sideEffects":"None","admissionReviewVersions":["v1"]}}]}})",
                                          name, name, c.ClientConfig("/slow"), policy, resource));
  };
  slow("slow-fail", "Fail", "configmaps");
  slow("slow-ignore", "Ignore", "secrets");
  slow("slow-ignore-too", "Ignore", "secrets");
  const std::string configmap = R"({"metadata":{"name":"cm"},"data":{"a":"b"}})";
  REQUIRE(Eventually([&] {
    return c.Post("/api/v1/namespaces/default/configmaps?dryRun=All", configmap).code != 201;
  }));
  HttpAnswer failed = c.Post("/api/v1/namespaces/default/configmaps", configmap);
  CHECK(failed.code == 500);
  CHECK(Message(failed) ==
        fmt::format("Internal error occurred: failed calling webhook \"slow-fail.webhook.test\": "
                    "failed to call webhook: Post \"https://127.0.0.1:{}/slow?timeout=1s\": "
                    "context deadline exceeded",
                    c.server().port()));
  CHECK(failed.body.find(R"("reason":"InternalError")") != std::string::npos);
  CHECK(c.Get("/api/v1/namespaces/default/configmaps/cm").code == 404);

  // Ignore: the secrets are created; once both webhooks are configured, each secret has been
  // sent to both, called in parallel (one timeout, not two).
  int n = 0;
  std::chrono::milliseconds took{0};
  REQUIRE(Eventually([&] {
    std::string name = "s" + std::to_string(n++);
    auto start = std::chrono::steady_clock::now();
    HttpAnswer created =
        c.Post("/api/v1/namespaces/default/secrets", R"({"metadata":{"name":")" + name + R"("}})");
    took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start);
    REQUIRE_MESSAGE(created.code == 201, created.body);
    auto calls = c.server().calls();
    return std::count(calls.begin(), calls.end(), "/slow " + name) == 2;
  }));
  CHECK(took >= std::chrono::milliseconds(900));
  CHECK(took < std::chrono::milliseconds(1900));
}

TEST_CASE("a server the caBundle does not vouch for is never sent the review") {
  WebhookCluster c;
  // The server's own certificate is no CA: nothing chains to a trusted root.
  c.Configure("Validating", fmt::format(R"({{"metadata":{{"name":"untrusted"}},"webhooks":[{{
      "name":"untrusted.webhook.test","clientConfig":{},
      "rules":[{{"operations":["CREATE"],"apiGroups":[""],"apiVersions":["v1"],
                 "resources":["configmaps"]}}],
      "sideEffects":"None","admissionReviewVersions":["v1"]}}]}})",
                                        c.ClientConfig("/record", "server.crt")));
  const std::string configmap = R"({"metadata":{"name":"cm"}})";
  REQUIRE(Eventually([&] {
    return c.Post("/api/v1/namespaces/default/configmaps?dryRun=All", configmap).code != 201;
  }));
  HttpAnswer failed = c.Post("/api/v1/namespaces/default/configmaps", configmap);
  CHECK(failed.code == 500);
  CHECK(Message(failed) ==
        fmt::format("Internal error occurred: failed calling webhook \"untrusted.webhook.test\": "
                    "failed to call webhook: Post \"https://127.0.0.1:{}/record?timeout=10s\": "
                    "tls: failed to verify certificate: x509: certificate signed by unknown "
                    "authority",
                    c.server().port()));
  CHECK(c.server().calls().empty());
}

TEST_CASE("objectSelector and namespaceSelector limit what the webhook is sent") {
  WebhookCluster c;
  for (const auto& [name, labels] : std::vector<std::pair<std::string, std::string>>{
           {"watched", R"({"webhooks":"on"})"}, {"quiet", "{}"}}) {
    HttpAnswer ns = c.Post("/api/v1/namespaces", fmt::format(R"({{"metadata":{{"name":"{}",
        "labels":{}}}}})",
                                                             name, labels));
    REQUIRE_MESSAGE(ns.code == 201, ns.body);
  }
  c.Configure("Validating", fmt::format(R"({{"metadata":{{"name":"record"}},"webhooks":[{{
      "name":"record.webhook.test","clientConfig":{},
      "namespaceSelector":{{"matchLabels":{{"webhooks":"on"}}}},
      "objectSelector":{{"matchExpressions":[{{"key":"record","operator":"In",
                                               "values":["yes"]}}]}},
      "rules":[{{"operations":["CREATE"],"apiGroups":[""],"apiVersions":["v1"],
                 "resources":["serviceaccounts"]}}],
      "sideEffects":"None","admissionReviewVersions":["v1"]}}]}})",
                                        c.ClientConfig("/record")));
  auto create = [&](const std::string& ns, const std::string& name, const std::string& labels,
                    bool dry_run = false) {
    HttpAnswer a =
        c.Post("/api/v1/namespaces/" + ns + "/serviceaccounts" + (dry_run ? "?dryRun=All" : ""),
               fmt::format(R"({{"metadata":{{"name":"{}","labels":{}}}}})", name, labels));
    REQUIRE_MESSAGE(a.code == 201, a.body);
  };
  REQUIRE(Eventually([&] {
    create("watched", "probe", R"({"record":"yes"})", true);
    return c.server().Called("/record probe");
  }));
  c.server().ClearCalls();
  create("watched", "sent", R"({"record":"yes"})");
  create("watched", "unlabelled", "{}");
  create("watched", "other-value", R"({"record":"no"})");
  create("quiet", "quiet-ns", R"({"record":"yes"})");
  create("default", "default-ns", R"({"record":"yes"})");
  CHECK(c.server().calls() == std::vector<std::string>{"/record sent"});
}

}  // namespace
}  // namespace pk::testing
