// Printers of workloads, config objects and cluster-scoped resources: real documents from
// tests/fixtures where there is one, small objects for the rules printers.go spells out.
#include <doctest/doctest.h>

#include "apiserver/printers/printers_test_util.h"
#include "proto/apps/v1/apps.pb.h"
#include "proto/batch/v1/batch.pb.h"
#include "proto/coordination/v1/coordination.pb.h"
#include "proto/core/v1/config.pb.h"
#include "proto/core/v1/namespace.pb.h"
#include "proto/core/v1/policy.pb.h"
#include "proto/core/v1/volume.pb.h"
#include "proto/rbac/v1/rbac.pb.h"
#include "proto/scheduling/v1/scheduling.pb.h"
#include "tests/testing.h"

namespace pk::printers {
namespace {

using namespace pk::printers::testing;  // NOLINT: test helpers

constexpr int64_t kCreated = 1700000000;  // 2023-11-14T22:13:20Z
constexpr int64_t kNow = kCreated + 600;  // Age "10m"
constexpr std::string_view kMeta = R"("creationTimestamp":"2023-11-14T22:13:20Z")";

// `{"metadata":{"name":<name>,"creationTimestamp":...}` + rest + `}`.
std::string Doc(std::string_view name, std::string_view rest) {
  return std::string(R"({"metadata":{"name":")") + std::string(name) + "\"," + std::string(kMeta) +
         "}" + std::string(rest) + "}";
}

TEST_CASE("deployments: the GKE deployment") {
  auto d = Decode<k8s::apps::v1::Deployment>(pk::testing::Fixture("deployment.json"));
  const Printer& printer = For("apps", "deployments");
  CHECK(ColumnNames(printer) == "Name,Ready,Up-to-date,Available,Age|Containers,Images,Selector");
  CHECK(CellsOf(printer, d, Unix("2019-07-14T04:54:17Z") + 100 * 86400) ==
        Json(R"(["icx-db","1/1",1,1,"100d","icx-db","postgres:9.2-alpine","app=icx-db"])"));

  auto expr = Decode<k8s::apps::v1::Deployment>(Doc("d", R"(,"spec":{"selector":{
      "matchLabels":{"a":"b"},"matchExpressions":[{"key":"env","operator":"In",
      "values":["prod","dev"]}]}},"status":{"readyReplicas":0})"));
  CHECK(CellsOf(printer, expr, kNow) ==
        Json(R"j(["d","0/1",0,0,"10m","","","a=b,env in (dev,prod)"])j"));
}

TEST_CASE("replicasets: the k9s replicaset") {
  auto rs = Decode<k8s::apps::v1::ReplicaSet>(pk::testing::Fixture("replicaset.json"));
  const Printer& printer = For("apps", "replicasets");
  CHECK(ColumnNames(printer) == "Name,Desired,Current,Ready,Age|Containers,Images,Selector");
  CHECK(CellsOf(printer, rs, Unix("2019-07-14T04:54:17Z") + 100 * 86400) ==
        Json(R"(["icx-db-7d4b578979",1,1,1,"100d","icx-db","postgres:9.2-alpine",
                 "app=icx-db,pod-template-hash=7d4b578979"])"));
}

TEST_CASE("daemonsets and statefulsets") {
  auto ds = Decode<k8s::apps::v1::DaemonSet>(Doc("ds", R"(,"spec":{
      "selector":{"matchLabels":{"app":"ds"}},
      "template":{"spec":{"nodeSelector":{"kubernetes.io/os":"linux"},
        "containers":[{"name":"a","image":"i1"},{"name":"b","image":"i2"}]}}},
      "status":{"desiredNumberScheduled":3,"currentNumberScheduled":3,"numberReady":2,
        "updatedNumberScheduled":3,"numberAvailable":2})"));
  const Printer& dsp = For("apps", "daemonsets");
  CHECK(ColumnNames(dsp) ==
        "Name,Desired,Current,Ready,Up-to-date,Available,Node Selector,"
        "Age|Containers,Images,Selector");
  CHECK(CellsOf(dsp, ds, kNow) ==
        Json(R"(["ds",3,3,2,3,2,"kubernetes.io/os=linux","10m","a,b","i1,i2","app=ds"])"));

  auto sts = Decode<k8s::apps::v1::StatefulSet>(Doc("web", R"(,"spec":{"replicas":3,
      "template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.25"}]}}},
      "status":{"readyReplicas":2})"));
  const Printer& stsp = For("apps", "statefulsets");
  CHECK(ColumnNames(stsp) == "Name,Ready,Age|Containers,Images");
  CHECK(CellsOf(stsp, sts, kNow) == Json(R"(["web","2/3","10m","nginx","nginx:1.25"])"));
}

TEST_CASE("controllerrevisions name their controller with its group") {
  const Printer& printer = For("apps", "controllerrevisions");
  CHECK(ColumnNames(printer) == "Name,Controller,Revision,Age");
  auto owned = Decode<k8s::apps::v1::ControllerRevision>(R"({"metadata":{"name":"ds-5d4f",
      "creationTimestamp":"2023-11-14T22:13:20Z","ownerReferences":[
      {"apiVersion":"apps/v1","kind":"DaemonSet","name":"other","uid":"u0"},
      {"apiVersion":"apps/v1","kind":"DaemonSet","name":"ds","uid":"u1","controller":true}]},
      "revision":3})");
  CHECK(CellsOf(printer, owned, kNow) == Json(R"(["ds-5d4f","daemonset.apps/ds",3,"10m"])"));
  auto orphan = Decode<k8s::apps::v1::ControllerRevision>(Doc("r", R"(,"revision":1)"));
  CHECK(CellsOf(printer, orphan, kNow) == Json(R"(["r","<none>",1,"10m"])"));
}

// A Job's Status, Completions and Duration cells.
nlohmann::ordered_json JobCells(std::string_view rest, std::string_view extra_meta = "") {
  std::string doc = std::string(R"({"metadata":{"name":"j",)") + std::string(kMeta) +
                    std::string(extra_meta) + "}" + std::string(rest) + "}";
  auto job = Decode<k8s::batch::v1::Job>(doc);
  auto cells = CellsOf(For("batch", "jobs"), job, kNow);
  return nlohmann::ordered_json::array({cells[1], cells[2], cells[3]});
}

TEST_CASE("jobs: status, completions and duration") {
  CHECK(ColumnNames(For("batch", "jobs")) ==
        "Name,Status,Completions,Duration,Age|Containers,Images,Selector");
  CHECK(JobCells(R"(,"spec":{"completions":3},
      "status":{"succeeded":2,"startTime":"2023-11-14T22:13:20Z"})") ==
        Json(R"(["Running","2/3","10m"])"));
  CHECK(JobCells(R"(,"status":{"succeeded":1,"startTime":"2023-11-14T22:13:20Z",
      "completionTime":"2023-11-14T22:14:25Z",
      "conditions":[{"type":"Complete","status":"True"}]})") ==
        Json(R"(["Complete","1/1","65s"])"));
  CHECK(JobCells(R"(,"spec":{"parallelism":4},"status":{})") ==
        Json(R"(["Running","0/1 of 4",""])"));
  CHECK(JobCells(R"(,"status":{"conditions":[{"type":"Failed","status":"True"}]})") ==
        Json(R"(["Failed","0/1",""])"));
  CHECK(JobCells(R"(,"status":{"conditions":[{"type":"Suspended","status":"True"}]})") ==
        Json(R"(["Suspended","0/1",""])"));
  CHECK(JobCells(R"(,"status":{"conditions":[{"type":"FailureTarget","status":"True"}]})") ==
        Json(R"(["FailureTarget","0/1",""])"));
  CHECK(JobCells(R"(,"status":{"conditions":[{"type":"Suspended","status":"True"}]})",
                 R"(,"deletionTimestamp":"2023-11-14T22:20:00Z")") ==
        Json(R"(["Terminating","0/1",""])"));

  auto job = Decode<k8s::batch::v1::Job>(Doc("j", R"(,"spec":{
      "selector":{"matchLabels":{"batch.kubernetes.io/controller-uid":"abc"}},
      "template":{"spec":{"containers":[{"name":"pi","image":"perl:5.34"}]}}})"));
  auto cells = CellsOf(For("batch", "jobs"), job, kNow);
  CHECK(cells[5] == "pi");
  CHECK(cells[6] == "perl:5.34");
  CHECK(cells[7] == "batch.kubernetes.io/controller-uid=abc");
}

TEST_CASE("leases: the kube-apiserver identity lease") {
  auto lease = DecodeYaml<k8s::coordination::v1::Lease>(pk::testing::Fixture("lease.yaml"));
  const Printer& printer = For("coordination.k8s.io", "leases");
  CHECK(ColumnNames(printer) == "Name,Holder,Age");
  CHECK(CellsOf(printer, lease, Unix("2023-07-02T13:16:48Z") + 2 * 86400) ==
        Json(R"(["apiserver-07a5ea9b9b072c4a5f3d1c3702",
                 "apiserver-07a5ea9b9b072c4a5f3d1c3702_0c8914f7-0f35-440e-8676-7844977d3a05",
                 "2d"])"));
}

TEST_CASE("rolebindings and clusterrolebindings list their subjects by kind") {
  const std::string subjects = R"(,"roleRef":{"apiGroup":"rbac.authorization.k8s.io",
      "kind":"ClusterRole","name":"view"},"subjects":[{"kind":"User","name":"alice"},
      {"kind":"Group","name":"devs"},{"kind":"ServiceAccount","name":"sa","namespace":"ns"},
      {"kind":"User","name":"bob"}])";
  auto rb = Decode<k8s::rbac::v1::RoleBinding>(Doc("rb", subjects));
  const Printer& rbp = For("rbac.authorization.k8s.io", "rolebindings");
  CHECK(ColumnNames(rbp) == "Name,Role,Age|Users,Groups,ServiceAccounts");
  CHECK(CellsOf(rbp, rb, kNow) ==
        Json(R"(["rb","ClusterRole/view","10m","alice, bob","devs","ns/sa"])"));
  CHECK(rbp.Columns()[3].description == "Users in the roleBinding");

  auto crb = Decode<k8s::rbac::v1::ClusterRoleBinding>(Doc("crb", R"(,"roleRef":{
      "apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"admin"})"));
  const Printer& crbp = For("rbac.authorization.k8s.io", "clusterrolebindings");
  CHECK(CellsOf(crbp, crb, kNow) == Json(R"(["crb","ClusterRole/admin","10m","","",""])"));
  CHECK(crbp.Columns()[5].description == "ServiceAccounts in the clusterRoleBinding");
}

TEST_CASE("priorityclasses") {
  const Printer& printer = For("scheduling.k8s.io", "priorityclasses");
  CHECK(ColumnNames(printer) == "Name,Value,Global-Default,Age,PreemptionPolicy");
  auto pc = Decode<k8s::scheduling::v1::PriorityClass>(
      Doc("high", R"(,"value":1000000,"globalDefault":true,"preemptionPolicy":"Never")"));
  CHECK(CellsOf(printer, pc, kNow) == Json(R"(["high",1000000,true,"10m","Never"])"));
  auto defaulted = Decode<k8s::scheduling::v1::PriorityClass>(Doc("low", R"(,"value":-5)"));
  CHECK(CellsOf(printer, defaulted, kNow) ==
        Json(R"(["low",-5,false,"10m","PreemptLowerPriority"])"));
}

TEST_CASE("resourcequotas split requests from limits.* resources") {
  const Printer& printer = For("", "resourcequotas");
  CHECK(ColumnNames(printer) == "Name,Request,Limit,Age");
  auto quota = Decode<k8s::core::v1::ResourceQuota>(Doc("q", R"(,"status":{
      "hard":{"cpu":"2","limits.memory":"2Gi","pods":"10","requests.memory":"1Gi"},
      "used":{"cpu":"500m","limits.memory":"512Mi","pods":"3"}})"));
  CHECK(CellsOf(printer, quota, kNow) ==
        Json(R"(["q","cpu: 500m/2, pods: 3/10, requests.memory: 0/1Gi",
                 "limits.memory: 512Mi/2Gi","10m"])"));
}

TEST_CASE("persistentvolumeclaims show capacity and modes once bound") {
  const Printer& printer = For("", "persistentvolumeclaims");
  CHECK(ColumnNames(printer) ==
        "Name,Status,Volume,Capacity,Access Modes,StorageClass,"
        "VolumeAttributesClass,Age|VolumeMode");
  auto bound = Decode<k8s::core::v1::PersistentVolumeClaim>(Doc("data", R"(,"spec":{
      "accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}},
      "volumeName":"pv-1","storageClassName":"standard","volumeMode":"Filesystem"},
      "status":{"phase":"Bound","accessModes":["ReadOnlyMany","ReadWriteOnce"],
                "capacity":{"storage":"10Gi"}})"));
  CHECK(CellsOf(printer, bound, kNow) ==
        Json(R"(["data","Bound","pv-1","10Gi","RWO,ROX","standard","<unset>","10m",
                 "Filesystem"])"));
  auto pending = Decode<k8s::core::v1::PersistentVolumeClaim>(R"({"metadata":{"name":"p",
      "annotations":{"volume.beta.kubernetes.io/storage-class":"beta"},
      "deletionTimestamp":"2023-11-14T22:20:00Z"},
      "spec":{"storageClassName":"standard","volumeAttributesClassName":"gold"},
      "status":{"phase":"Pending"}})");
  CHECK(CellsOf(printer, pending, kNow) ==
        Json(R"(["p","Terminating","","","","beta","gold","<unknown>","<unset>"])"));
}

TEST_CASE("configmaps, secrets, serviceaccounts and namespaces count and name things") {
  auto cm = Decode<k8s::core::v1::ConfigMap>(
      Doc("cm", R"(,"data":{"a":"1","b":"2"},"binaryData":{"c":"AA=="})"));
  CHECK(ColumnNames(For("", "configmaps")) == "Name,Data,Age");
  CHECK(CellsOf(For("", "configmaps"), cm, kNow) == Json(R"(["cm",3,"10m"])"));

  auto secret =
      Decode<k8s::core::v1::Secret>(Doc("s", R"(,"type":"Opaque","data":{"u":"YQ==","p":"Yg=="})"));
  CHECK(ColumnNames(For("", "secrets")) == "Name,Type,Data,Age");
  CHECK(CellsOf(For("", "secrets"), secret, kNow) == Json(R"(["s","Opaque",2,"10m"])"));

  auto sa = Decode<k8s::core::v1::ServiceAccount>(Doc("default", R"(,"secrets":[{"name":"t"}])"));
  CHECK(ColumnNames(For("", "serviceaccounts")) == "Name,Secrets,Age");
  CHECK(CellsOf(For("", "serviceaccounts"), sa, kNow) == Json(R"(["default",1,"10m"])"));

  auto ns = Decode<k8s::core::v1::Namespace>(Doc("default", R"(,"status":{"phase":"Active"})"));
  CHECK(ColumnNames(For("", "namespaces")) == "Name,Status,Age");
  CHECK(CellsOf(For("", "namespaces"), ns, kNow) == Json(R"(["default","Active","10m"])"));
}

}  // namespace
}  // namespace pk::printers
