// An apiserver with --authorization-mode=Node,RBAC, asked over REST: SubjectAccessReviews for
// a matrix of users and verbs, the bootstrap policy and its aggregation, a binding that
// grants at once, and the other reviews. (Requests themselves run as system:admin, a static
// token in system:masters, so the authorizer is reached through the reviews.)
#include "apiserver/apiserver.h"

#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "apiserver/testing_http.h"
#include "tests/testing.h"

namespace pk::apiserver {
namespace {

namespace bhttp = boost::beast::http;
using http_testing::Http;
using http_testing::HttpWithHeaders;
using nlohmann::json;

const std::vector<std::pair<std::string, std::string>> kAdmin = {
    {"Authorization", "Bearer admin-token"}};

struct Server {
  testing::TempDir dir;
  std::unique_ptr<ApiServer> server;

  explicit Server(const std::string& mode = "Node,RBAC") {
    Options options;
    options.data_dir = (dir.path() / "data").string();
    options.grpc_port = -1;
    options.authorization_mode = mode;
    options.admission.enable = {"NodeRestriction"};  // as every cluster (kubeadm, scripts/up)
    options.admission.disable = {"ServiceAccount"};  // no controller makes "default"
    options.authentication.token_auth_file = (dir.path() / "tokens.csv").string();
    std::ofstream(options.authentication.token_auth_file)
        << "admin-token,system:admin,admin,system:masters\n"
        << "node-token,system:node:n1,n1,system:nodes\n";
    auto started = ApiServer::Start(options);
    REQUIRE_MESSAGE(started.ok(), started.status().ToString());
    server = std::move(started).value();
  }
  json Post(const std::string& path, const json& body, int want = 201) {
    auto answer = HttpWithHeaders(server->port(), bhttp::verb::post, path, body.dump(), kAdmin);
    CHECK_MESSAGE(answer.code == want, answer.body);
    return json::parse(answer.body);
  }
  json Get(const std::string& path) {
    auto answer = HttpWithHeaders(server->port(), bhttp::verb::get, path, "", kAdmin);
    REQUIRE_MESSAGE(answer.code == 200, answer.body);
    return json::parse(answer.body);
  }
  // A SubjectAccessReview's status.
  json Review(const std::string& user, const std::vector<std::string>& groups,
              const json& attributes, bool non_resource = false) {
    json sar = {{"apiVersion", "authorization.k8s.io/v1"},
                {"kind", "SubjectAccessReview"},
                {"spec", {{"user", user}, {"groups", groups}}}};
    sar["spec"][non_resource ? "nonResourceAttributes" : "resourceAttributes"] = attributes;
    return Post("/apis/authorization.k8s.io/v1/subjectaccessreviews", sar)["status"];
  }
  bool Allowed(const std::string& user, const std::vector<std::string>& groups,
               const json& attributes) {
    return Review(user, groups, attributes).value("allowed", false);
  }
};

json Attr(std::string verb, std::string resource, std::string ns = "", std::string name = "",
          std::string group = "", std::string sub = "") {
  json a = {{"verb", verb}, {"resource", resource}};
  if (!ns.empty()) a["namespace"] = ns;
  if (!name.empty()) a["name"] = name;
  if (!group.empty()) a["group"] = group;
  if (!sub.empty()) a["subresource"] = sub;
  return a;
}

const std::vector<std::string> kAuthenticated = {"system:authenticated"};

TEST_CASE("Node,RBAC: SubjectAccessReviews over REST for a matrix of users and verbs") {
  Server s;
  struct Case {
    std::string user;
    std::vector<std::string> groups;
    json attributes;
    bool allowed;
  };
  const std::vector<Case> cases = {
      {"jane", kAuthenticated, Attr("list", "pods", "default"), false},
      {"root", {"system:masters"}, Attr("delete", "nodes", "", "n1"), true},
      {"system:kube-scheduler", kAuthenticated, Attr("create", "bindings", "default"), true},
      {"system:kube-scheduler", kAuthenticated,
       Attr("create", "pods", "default", "", "", "binding"), true},
      {"system:kube-scheduler", kAuthenticated, Attr("create", "pods", "default"), false},
      {"system:kube-controller-manager", kAuthenticated, Attr("create", "pods", "default"), true},
      {"system:kube-controller-manager", kAuthenticated,
       Attr("create", "clusterrolebindings", "", "", "rbac.authorization.k8s.io"), false},
      {"system:node:n1", {"system:nodes"}, Attr("get", "nodes", "", "n1"), true},
      {"system:node:n1", {"system:nodes"}, Attr("update", "nodes", "", "n2", "", "status"), false},
      {"system:node:n1",
       {"system:nodes"},
       Attr("update", "leases", "kube-node-lease", "n1", "coordination.k8s.io"),
       true},
      {"system:node:n1", {"system:nodes"}, Attr("create", "events", "default"), true},
      {"system:node:n1", {"system:nodes"}, Attr("get", "secrets", "default", "s1"), false},
  };
  for (const Case& c : cases) {
    CAPTURE(c.user);
    CAPTURE(c.attributes.dump());
    CHECK(s.Allowed(c.user, c.groups, c.attributes) == c.allowed);
  }

  json status = s.Review("root", {"system:masters"}, Attr("get", "pods", "default"));
  CHECK(status["allowed"] == true);
  status = s.Review("system:kube-scheduler", kAuthenticated, Attr("create", "bindings", "default"));
  CHECK(status["reason"] ==
        R"(RBAC: allowed by ClusterRoleBinding "system:kube-scheduler" of ClusterRole )"
        R"("system:kube-scheduler" to User "system:kube-scheduler")");
  status = s.Review("system:node:n1", {"system:nodes"}, Attr("update", "nodes", "", "n2"));
  CHECK(status["allowed"] == false);
  CHECK(status["reason"] == R"(node "n1" is not allowed to modify node "n2")");

  // Non-resource paths: discovery for the authenticated, health for everyone.
  CHECK(s.Review("jane", kAuthenticated, {{"verb", "get"}, {"path", "/apis/apps"}}, true)
            .value("allowed", false));
  CHECK(s.Review("system:anonymous", {"system:unauthenticated"},
                 {{"verb", "get"}, {"path", "/healthz"}}, true)
            .value("allowed", false));
  CHECK_FALSE(s.Review("system:anonymous", {"system:unauthenticated"},
                       {{"verb", "get"}, {"path", "/apis"}}, true)
                  .value("allowed", false));
}

// As in Kubernetes, the Node authorizer lets a kubelet write any pod's status and leaves the
// pod's binding to the NodeRestriction admission plugin, which sees the stored pod: a pod that
// is gone meets NotFound (the kubelet then stops quietly), another node's pod a refusal.
TEST_CASE("Node,RBAC and NodeRestriction: a node's status writes to pods not its own") {
  Server s;
  for (const char* name : {"mine", "theirs"}) {
    json pod = {{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata", {{"name", name}}},
                {"spec",
                 {{"nodeName", std::string(name) == "mine" ? "n1" : "n2"},
                  {"containers", {{{"name", "c"}, {"image", "nginx"}}}}}}};
    s.Post("/api/v1/namespaces/default/pods", pod);
  }
  const std::vector<std::pair<std::string, std::string>> node = {
      {"Authorization", "Bearer node-token"}, {"Content-Type", "application/merge-patch+json"}};
  auto patch = [&](const std::string& pod) {
    return HttpWithHeaders(s.server->port(), bhttp::verb::patch,
                           "/api/v1/namespaces/default/pods/" + pod + "/status",
                           R"({"status":{"phase":"Running"}})", node);
  };
  auto mine = patch("mine");
  CHECK_MESSAGE(mine.code == 200, mine.body);
  auto theirs = patch("theirs");
  CHECK(theirs.code == 403);
  CHECK(json::parse(theirs.body)["message"] ==
        R"(pods "theirs" is forbidden: node "n1" can only update pod status for pods with )"
        R"(spec.nodeName set to itself)");
  auto gone = patch("gone");
  CHECK(gone.code == 404);
  CHECK(json::parse(gone.body)["message"] == R"(pods "gone" not found)");
}

TEST_CASE("Node,RBAC: a RoleBinding grants at once; aggregation follows new ClusterRoles") {
  Server s;
  CHECK_FALSE(s.Allowed("jane", kAuthenticated, Attr("list", "pods", "default")));
  s.Post(
      "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
      {{"apiVersion", "rbac.authorization.k8s.io/v1"},
       {"kind", "RoleBinding"},
       {"metadata", {{"name", "jane-view"}}},
       {"subjects", {{{"kind", "User"}, {"name", "jane"}}}},
       {"roleRef",
        {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", "view"}}}});
  // The very next review sees the binding (the denial waits for the index to catch up).
  CHECK(s.Allowed("jane", kAuthenticated, Attr("list", "pods", "default")));
  CHECK_FALSE(s.Allowed("jane", kAuthenticated, Attr("get", "secrets", "default", "s")));
  CHECK_FALSE(s.Allowed("jane", kAuthenticated, Attr("list", "pods", "other")));

  // The bootstrap admin role got its rules by aggregation.
  CHECK(testing::Eventually([&] {
    return !s.Get("/apis/rbac.authorization.k8s.io/v1/clusterroles/admin")
                .value("rules", json::array())
                .empty();
  }));
  // A new ClusterRole labelled aggregate-to-view extends view, edit and admin.
  s.Post("/apis/rbac.authorization.k8s.io/v1/clusterroles",
         {{"apiVersion", "rbac.authorization.k8s.io/v1"},
          {"kind", "ClusterRole"},
          {"metadata",
           {{"name", "widgets-view"},
            {"labels", {{"rbac.authorization.k8s.io/aggregate-to-view", "true"}}}}},
          {"rules",
           {{{"verbs", {"get", "list"}},
             {"apiGroups", {"example.com"}},
             {"resources", {"widgets"}}}}}});
  CHECK(testing::Eventually([&] {
    return s.Allowed("jane", kAuthenticated, Attr("list", "widgets", "default", "", "example.com"));
  }));
}

TEST_CASE("Node,RBAC: the other reviews, and invalid ones") {
  Server s;
  json ssar = s.Post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                     {{"apiVersion", "authorization.k8s.io/v1"},
                      {"kind", "SelfSubjectAccessReview"},
                      {"spec", {{"resourceAttributes", Attr("delete", "nodes")}}}});
  CHECK(ssar["status"]["allowed"] == true);  // system:admin is in system:masters

  json rules = s.Post("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
                      {{"apiVersion", "authorization.k8s.io/v1"},
                       {"kind", "SelfSubjectRulesReview"},
                       {"spec", {{"namespace", "default"}}}});
  bool star = false;
  for (const json& r : rules["status"]["resourceRules"]) {
    if (r["verbs"] == json::array({"*"}) && r["resources"] == json::array({"*"})) star = true;
  }
  CHECK(star);  // cluster-admin's rule, through the system:masters binding
  CHECK_FALSE(rules["status"]["nonResourceRules"].empty());

  json local =
      s.Post("/apis/authorization.k8s.io/v1/namespaces/default/localsubjectaccessreviews",
             {{"apiVersion", "authorization.k8s.io/v1"},
              {"kind", "LocalSubjectAccessReview"},
              {"metadata", {{"namespace", "default"}}},
              {"spec", {{"user", "jane"}, {"resourceAttributes", Attr("get", "pods", "other")}}}},
             400);
  CHECK(local["message"] == "spec.resourceAttributes.namespace must match namespace: default");

  json invalid = s.Post("/apis/authorization.k8s.io/v1/subjectaccessreviews",
                        {{"apiVersion", "authorization.k8s.io/v1"},
                         {"kind", "SubjectAccessReview"},
                         {"spec", {{"resourceAttributes", Attr("get", "pods")}}}},
                        422);
  CHECK(
      invalid["message"] ==
      R"(SubjectAccessReview.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified)");
}

TEST_CASE("--authorization-mode: AlwaysAllow answers yes; unknown modes are refused") {
  {
    Server s("AlwaysAllow");
    CHECK(s.Allowed("jane", kAuthenticated, Attr("delete", "nodes", "", "n1")));
    auto answer = Http(s.server->port(), bhttp::verb::get,
                       "/apis/rbac.authorization.k8s.io/v1/clusterroles/cluster-admin");
    CHECK(answer.code == 404);  // no bootstrap policy without RBAC
  }
  testing::TempDir dir;
  Options options;
  options.data_dir = (dir.path() / "data").string();
  options.grpc_port = -1;
  options.authorization_mode = "Node,Bogus";
  auto started = ApiServer::Start(options);
  REQUIRE_FALSE(started.ok());
  CHECK(started.status().message() ==
        R"(--authorization-mode: authorization-mode "Bogus" is not a valid mode)");
}

}  // namespace
}  // namespace pk::apiserver
