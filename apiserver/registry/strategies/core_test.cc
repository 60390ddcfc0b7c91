#include <doctest/doctest.h>

#include "apiserver/registry/strategies/test_util.h"
#include "proto/core/v1/config.pb.h"
#include "proto/core/v1/namespace.pb.h"
#include "proto/core/v1/node.pb.h"
#include "proto/core/v1/service.pb.h"
#include "proto/rbac/v1/rbac.pb.h"

namespace pk::registry {
namespace {

using testing::FromJson;
using testing::StrategyOf;

TEST_CASE("namespaces: Active, finalized by kubernetes, labelled with their name") {
  const Strategy& namespaces = StrategyOf("", "namespaces");
  auto ns = FromJson<k8s::core::v1::Namespace>(R"({"metadata":{"name":"team-a"},
    "status":{"phase":"Terminating"}})");
  CHECK(testing::Create(namespaces, &ns).empty());
  CHECK(ns.status().phase() == "Active");
  REQUIRE(ns.spec().finalizers_size() == 1);
  CHECK(ns.spec().finalizers(0) == "kubernetes");
  CHECK(ns.metadata().labels().at("kubernetes.io/metadata.name") == "team-a");

  auto update = ns;
  update.mutable_spec()->clear_finalizers();
  update.mutable_status()->set_phase("Terminating");
  namespaces.PrepareForUpdate(&update, ns);
  CHECK(update.spec().finalizers_size() == 1);
  CHECK(update.status().phase() == "Active");

  // Deletion waits for the finalizer and marks the namespace Terminating.
  CHECK(namespaces.HasPendingFinalizers(ns));
  namespaces.PrepareForDelete(&ns);
  CHECK(ns.status().phase() == "Terminating");
  ns.mutable_spec()->clear_finalizers();
  CHECK_FALSE(namespaces.HasPendingFinalizers(ns));
}

TEST_CASE("PUT creates events, leases, endpoints and RBAC objects, not pods") {
  CHECK(StrategyOf("", "events").AllowCreateOnUpdate());
  CHECK(StrategyOf("", "endpoints").AllowCreateOnUpdate());
  CHECK(StrategyOf("coordination.k8s.io", "leases").AllowCreateOnUpdate());
  CHECK(StrategyOf("rbac.authorization.k8s.io", "roles").AllowCreateOnUpdate());
  CHECK_FALSE(StrategyOf("", "pods").AllowCreateOnUpdate());
  CHECK_FALSE(StrategyOf("apps", "deployments").AllowCreateOnUpdate());
}

TEST_CASE("nodes keep the status they are created with") {
  const Strategy& nodes = StrategyOf("", "nodes");
  auto node = FromJson<k8s::core::v1::Node>(R"({"metadata":{"name":"n1"},
    "status":{"capacity":{"cpu":"4"}}})");
  testing::Create(nodes, &node);
  CHECK(node.status().allocatable().at("cpu").string() == "4");
  CHECK(nodes.FieldSelectors() == std::vector<std::string>{"spec.unschedulable"});
}

TEST_CASE("secrets: stringData is merged into data, type defaults to Opaque") {
  const Strategy& secrets = StrategyOf("", "secrets");
  auto secret = FromJson<k8s::core::v1::Secret>(R"({"metadata":{"name":"s","namespace":"d"},
    "data":{"a":"b2xk","b":"Yg=="},"stringData":{"a":"new"}})");
  CHECK(testing::Create(secrets, &secret).empty());
  CHECK(secret.data().at("a") == "new");
  CHECK(secret.data().at("b") == "b");
  CHECK(secret.string_data().empty());
  CHECK(secret.type() == "Opaque");

  auto tls =
      FromJson<k8s::core::v1::Secret>(R"({"type":"kubernetes.io/tls","data":{"tls.crt":""}})");
  const Causes causes = testing::Create(secrets, &tls);
  REQUIRE(causes.size() == 1);
  CHECK(causes[0] == StatusCause{"FieldValueRequired", "Required value", "data[tls.key]"});

  auto changed = secret;
  changed.set_type("kubernetes.io/tls");
  const Causes update = secrets.ValidateUpdate(changed, secret);
  REQUIRE(update.size() == 1);
  CHECK(update[0] == StatusCause{"FieldValueInvalid",
                                 "Invalid value: \"kubernetes.io/tls\": field is immutable",
                                 "type"});
}

TEST_CASE("configmap keys and immutable configmaps") {
  const Strategy& configmaps = StrategyOf("", "configmaps");
  auto cm = FromJson<k8s::core::v1::ConfigMap>(R"({"data":{"bad key":"v"}})");
  Causes causes = configmaps.Validate(cm);
  REQUIRE(causes.size() == 1);
  CHECK(causes[0].field == "data[bad key]");
  CHECK(causes[0].message ==
        "Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, "
        "'-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for "
        "validation is '[-._a-zA-Z0-9]+')");

  auto old = FromJson<k8s::core::v1::ConfigMap>(R"({"immutable":true,"data":{"k":"v"}})");
  auto now = old;
  (*now.mutable_data())["k"] = std::string("w");
  causes = configmaps.ValidateUpdate(now, old);
  REQUIRE(causes.size() == 1);
  CHECK(causes[0] == StatusCause{"FieldValueForbidden",
                                 "Forbidden: field is immutable when `immutable` is set", "data"});
}

TEST_CASE("service defaults and port validation") {
  const Strategy& services = StrategyOf("", "services");
  auto svc = FromJson<k8s::core::v1::Service>(R"({"metadata":{"name":"web","namespace":"d"},
    "spec":{"selector":{"app":"web"},"ports":[{"port":80}]}})");
  CHECK(testing::Create(services, &svc).empty());
  const auto& spec = svc.spec();
  CHECK(spec.type() == "ClusterIP");
  CHECK(spec.session_affinity() == "None");
  CHECK(spec.ports(0).protocol() == "TCP");
  CHECK(spec.ports(0).target_port().int_val() == 80);
  CHECK(spec.internal_traffic_policy() == "Cluster");
  CHECK(spec.ip_family_policy() == "SingleStack");
  CHECK(spec.ip_families(0) == "IPv4");

  auto two = FromJson<k8s::core::v1::Service>(R"({"spec":{"ports":[{"port":80},{"port":0}]}})");
  const Causes causes = testing::Create(services, &two);
  REQUIRE(causes.size() == 4);
  CHECK(causes[0] == StatusCause{"FieldValueRequired", "Required value", "spec.ports[0].name"});
  CHECK(causes[2] == StatusCause{"FieldValueInvalid",
                                 "Invalid value: 0: must be between 1 and 65535, inclusive",
                                 "spec.ports[1].port"});
}

TEST_CASE("service updates keep allocated cluster IPs") {
  const Strategy& services = StrategyOf("", "services");
  auto old = FromJson<k8s::core::v1::Service>(R"({"spec":{"type":"ClusterIP",
    "clusterIP":"10.96.0.10","clusterIPs":["10.96.0.10"],"ports":[{"port":80}]}})");
  auto now = FromJson<k8s::core::v1::Service>(R"({"spec":{"ports":[{"port":8080}]}})");
  services.Default(&now);
  services.PrepareForUpdate(&now, old);
  CHECK(now.spec().cluster_ip() == "10.96.0.10");
  CHECK(services.ValidateUpdate(now, old).empty());
}

TEST_CASE("rbac rules need verbs; roleRef never changes") {
  auto role =
      FromJson<k8s::rbac::v1::Role>(R"({"rules":[{"apiGroups":[""],"resources":["pods"]}]})");
  Causes causes = StrategyOf("rbac.authorization.k8s.io", "roles").Validate(role);
  REQUIRE(causes.size() == 1);
  CHECK(causes[0] == StatusCause{"FieldValueRequired",
                                 "Required value: verbs must contain at least one value",
                                 "rules[0].verbs"});

  const Strategy& bindings = StrategyOf("rbac.authorization.k8s.io", "rolebindings");
  auto old = FromJson<k8s::rbac::v1::RoleBinding>(R"({"roleRef":{"kind":"Role","name":"a"},
    "subjects":[{"kind":"User","name":"jane"}]})");
  bindings.Default(&old);
  CHECK(bindings.Validate(old).empty());
  auto now = old;
  now.mutable_role_ref()->set_name("b");
  causes = bindings.ValidateUpdate(now, old);
  REQUIRE(causes.size() == 1);
  CHECK(causes[0].message ==
        "Invalid value: rbac.RoleRef{APIGroup:\"rbac.authorization.k8s.io\", Kind:\"Role\", "
        "Name:\"b\"}: cannot change roleRef");
}

TEST_CASE("field selectors of events and secrets") {
  const auto events = StrategyOf("", "events").FieldSelectors();
  CHECK(std::find(events.begin(), events.end(), "involvedObject.name") != events.end());
  CHECK(StrategyOf("", "secrets").FieldSelectors() == std::vector<std::string>{"type"});
}

}  // namespace
}  // namespace pk::registry
