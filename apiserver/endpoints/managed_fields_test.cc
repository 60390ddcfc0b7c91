// TrackUpdatedFields, which takes only the differing fields through JSON, writes exactly the
// managedFields that TrackUpdate on the whole objects' JSON writes.
#include "apiserver/endpoints/managed_fields.h"

#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "apimachinery/codec.h"
#include "apimachinery/object.h"
#include "apimachinery/scheme.h"
#include "apiserver/patch/patch.h"
#include "proto/apps/v1/apps.pb.h"
#include "proto/core/v1/config.pb.h"
#include "proto/core/v1/pod.pb.h"
#include "tests/testing.h"

namespace pk::apiserver::handlers {
namespace {

using google::protobuf::Message;

template <typename T>
std::unique_ptr<Message> FromJson(const std::string& text) {
  auto message = std::make_unique<T>();
  json::DecodeReport report;
  Status s = json::Decode(text, message.get(), &report);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  return message;
}

// Writes `next` over `current` (nullptr: a create) both ways, checks they agree, and returns
// the tracked object.
std::unique_ptr<Message> Write(const Message* current, std::unique_ptr<Message> next,
                               const std::string& manager, const std::string& now) {
  std::unique_ptr<Message> reference(next->New());
  reference->CopyFrom(*next);
  TrackUpdatedFieldsOnWholeObjects(current, reference.get(), manager, now, "v1");
  TrackUpdatedFields(current, next.get(), manager, now, "v1");
  CHECK(json::Encode(*next) == json::Encode(*reference));
  return next;
}

// `current` with the JSON merge of `change` (applied through the codec: decode into a copy).
std::unique_ptr<Message> Changed(const Message& current, const std::string& change) {
  std::unique_ptr<Message> next(current.New());
  next->CopyFrom(current);
  std::unique_ptr<Message> delta(current.New());
  json::DecodeReport report;
  REQUIRE(json::Decode(change, delta.get(), &report).ok());
  next->MergeFrom(*delta);
  return next;
}

const char* kPod = R"({"metadata":{"name":"p","namespace":"default","labels":{"app":"web"},
  "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"u1",
  "controller":true}]},"spec":{"containers":[{"name":"c","image":"nginx",
  "ports":[{"containerPort":80}],"resources":{"requests":{"cpu":"100m"}}}],
  "restartPolicy":"Always"}})";

TEST_CASE("a pod's life: create, binding, status writes, label edits, dropped managedFields") {
  auto pod = Write(nullptr, FromJson<k8s::core::v1::Pod>(kPod), "kube-controller-manager",
                   "2024-01-01T00:00:00Z");
  pod = Write(pod.get(), Changed(*pod, R"({"spec":{"nodeName":"n1"}})"), "kube-scheduler",
              "2024-01-01T00:00:01Z");
  pod = Write(pod.get(), Changed(*pod, R"({"status":{"conditions":[{"type":"PodScheduled",
                  "status":"True"}]}})"),
              "kube-scheduler", "2024-01-01T00:00:01Z");
  pod = Write(pod.get(), Changed(*pod, R"({"status":{"phase":"Running","podIP":"10.0.0.5",
                  "containerStatuses":[{"name":"c","ready":true,"image":"nginx"}]}})"),
              "kubelet", "2024-01-01T00:00:02Z");
  pod = Write(pod.get(), Changed(*pod, R"({"metadata":{"labels":{"tier":"front"}}})"),
              "kubectl-label", "2024-01-01T00:00:03Z");
  auto dropped = Changed(*pod, R"({"metadata":{"annotations":{"a":"b"}}})");
  static_cast<k8s::core::v1::Pod*>(dropped.get())->mutable_metadata()->clear_managed_fields();
  pod = Write(pod.get(), std::move(dropped), "kubectl-annotate", "2024-01-01T00:00:04Z");
  pod = Write(pod.get(), Changed(*pod, "{}"), "kubelet", "2024-01-01T00:00:05Z");
  auto no_meta = Changed(*pod, R"({"spec":{"activeDeadlineSeconds":5}})");
  static_cast<k8s::core::v1::Pod*>(no_meta.get())->clear_metadata();
  Write(pod.get(), std::move(no_meta), "x", "2024-01-01T00:00:06Z");
  auto cleared = Changed(*pod, "{}");
  static_cast<k8s::core::v1::Pod*>(cleared.get())->clear_status();
  Write(pod.get(), std::move(cleared), "y", "2024-01-01T00:00:07Z");
}

TEST_CASE("a Deployment scaled and a ConfigMap's data edited") {
  auto d = Write(nullptr,
                 FromJson<k8s::apps::v1::Deployment>(
                     R"({"metadata":{"name":"d"},"spec":{"replicas":1,"selector":
                     {"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":
                     {"app":"web"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}})"),
                 "kubectl-create", "2024-01-01T00:00:00Z");
  d = Write(d.get(), Changed(*d, R"({"spec":{"replicas":1000}})"), "kubectl-scale",
            "2024-01-01T00:00:01Z");
  Write(d.get(), Changed(*d, R"({"status":{"replicas":1000,"readyReplicas":3}})"),
        "kube-controller-manager", "2024-01-01T00:00:02Z");
  auto cm = Write(
      nullptr, FromJson<k8s::core::v1::ConfigMap>(R"({"metadata":{"name":"c"},"data":{"a":"1"}})"),
      "kubectl", "2024-01-01T00:00:00Z");
  Write(cm.get(), Changed(*cm, R"({"data":{"b":"2"}})"), "kubectl-edit", "2024-01-01T00:00:01Z");
}

// Creates take the message walk (patch::TrackCreate) unless the object carries managedFields or
// what the walk leaves to JSON; either way Write checks them against the whole objects' JSON.
TEST_CASE("creates of real objects: every fixture, managedFields cleared") {
  for (const char* name :
       {"pod-pretty.json", "pod-running.json", "node.json", "deployment.json", "service.json",
        "endpoints.json", "event.json", "kubectl-run-body.json", "protobuf/clusterrole.json",
        "protobuf/configmap.json", "protobuf/job.json", "protobuf/namespace.json",
        "protobuf/priorityclass.json", "protobuf/resourcequota.json", "protobuf/role.json",
        "protobuf/rolebinding.json", "protobuf/secret.json", "protobuf/serviceaccount.json"}) {
    const std::string fixture = name;
    CAPTURE(fixture);
    auto object = Scheme::Builtin().DecodeAny(testing::Fixture(name), nullptr);
    REQUIRE_MESSAGE(object.ok(), object.status().ToString());
    std::unique_ptr<Message> created = std::move(object).value();
    if (auto* meta = MutableObjectMeta(created.get())) meta->clear_managed_fields();
    CHECK(patch::TrackCreate(*created, "m", "2024-01-01T00:00:00Z", "v1").has_value());
    auto tracked = Write(nullptr, std::move(created), "kubectl-create", "2024-01-01T00:00:00Z");
    CHECK(GetObjectMeta(*tracked)->managed_fields_size() <= 1);  // none for a bare name
  }
}

TEST_CASE("creates the walk must mirror exactly: always-written fields, keys, sets, maps") {
  const char* pods[] = {
      // Duplicate keys stand for the first item; ports default their protocol.
      R"({"metadata":{"name":"p","finalizers":["a","b","a"],"labels":{"x":"1","y":""}},
      "spec":{"containers":[{"name":"c","image":"i","ports":[{"containerPort":80},
      {"containerPort":80,"protocol":"UDP"},{"containerPort":80,"name":"dup"}],
      "env":[{"name":"A","value":"1"},{"name":"A","valueFrom":{"fieldRef":{"fieldPath":
      "metadata.name"}}}],"resources":{"limits":{"cpu":"1"},"requests":{}}},
      {"name":"c","image":"j"}],"tolerations":[{"key":"k","operator":"Exists"}],
      "nodeSelector":{},"securityContext":{}}})",
      // Empty objects and lists, a status, an int-or-string, a quantity map.
      R"({"metadata":{"name":"q","annotations":{}},"spec":{"containers":[{"name":"c",
      "livenessProbe":{"httpGet":{"port":"http","path":"/"}},"volumeMounts":[]}],
      "volumes":[{"name":"v","emptyDir":{}}]},"status":{"phase":"Pending",
      "conditions":[{"type":"Ready","status":"False"}]}})",
      // Nothing but a name: every tracked field is one Go always writes.
      R"({"metadata":{"name":"r"}})",
      // Non-ASCII is left to the JSON path.
      R"({"metadata":{"name":"s","labels":{"k":"v"},"annotations":{"é":"1"}},
      "spec":{"containers":[{"name":"c","args":["é"]}]}})",
  };
  for (const char* text : pods) {
    const std::string pod = text;
    CAPTURE(pod);
    Write(nullptr, FromJson<k8s::core::v1::Pod>(text), "m", "2024-01-01T00:00:00Z");
  }
}

}  // namespace
}  // namespace pk::apiserver::handlers
