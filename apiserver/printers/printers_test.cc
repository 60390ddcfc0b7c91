// The printers against real documents: the pod Table a v1.32-era apiserver sent
// (tests/fixtures/table-pods.json) is the golden one; the other fixtures are real objects whose
// expected cells follow printers.go.
#include "apiserver/printers/printers.h"

#include <doctest/doctest.h>

#include "apiserver/printers/printers_test_util.h"
#include "proto/core/v1/event.pb.h"
#include "proto/core/v1/node.pb.h"
#include "proto/core/v1/pod.pb.h"
#include "proto/core/v1/service.pb.h"
#include "proto/rbac/v1/rbac.pb.h"
#include "tests/testing.h"

namespace pk::printers {
namespace {

using namespace pk::printers::testing;  // NOLINT: test helpers
using k8s::core::v1::Pod;

TEST_CASE("HumanDuration matches k8s.io/apimachinery/pkg/util/duration") {
  const std::pair<int64_t, const char*> cases[] = {
      {-2, "<invalid>"},
      {-1, "0s"},
      {0, "0s"},
      {119, "119s"},
      {120, "2m"},
      {125, "2m5s"},
      {599, "9m59s"},
      {600, "10m"},
      {10799, "179m"},
      {10800, "3h"},
      {12600, "3h30m"},
      {28800, "8h"},
      {47 * 3600, "47h"},
      {48 * 3600, "2d"},
      {53 * 3600, "2d5h"},
      {8 * 86400, "8d"},
      {729 * 86400, "729d"},
      {730 * 86400, "2y"},
      {731 * 86400, "2y1d"},
      {2920 * 86400, "8y"},
      {4000 * 86400, "10y"},
  };
  for (const auto& [seconds, want] : cases) CHECK_MESSAGE(HumanDuration(seconds) == want, seconds);
}

TEST_CASE("pods: the captured Table's columns and cells, exactly") {
  auto table = Json(pk::testing::Fixture("table-pods.json"));
  const Printer& printer = For("", "pods");

  nlohmann::ordered_json columns = nlohmann::ordered_json::array();
  for (const Column& c : printer.Columns()) {
    columns.push_back({{"name", c.name},
                       {"type", c.type},
                       {"format", c.format},
                       {"description", c.description},
                       {"priority", c.priority}});
  }
  CHECK(columns == table["columnDefinitions"]);

  // The same pod, same resourceVersion, as the Table's row; the Table said "34m".
  Pod pod = Decode<Pod>(pk::testing::Fixture("pod-pretty.json"));
  const int64_t now = Unix("2024-06-25T14:48:12Z") + 34 * 60 + 20;
  CHECK(CellsOf(printer, pod, now) == table["rows"][0]["cells"]);
}

TEST_CASE("pods: a restarted container shows when it last restarted") {
  Pod pod = Decode<Pod>(pk::testing::Fixture("pod-running.json"));
  // lastState.terminated.finishedAt is 2023-03-10T13:31:39Z.
  const int64_t now = Unix("2023-03-10T13:36:39Z");
  CHECK(CellsOf(For("", "pods"), pod, now) ==
        Json(R"j(["network-tool1","1/1","Running","1 (5m ago)","30h","10.244.0.6",
                 "aeraki-control-plane","<none>","<none>"])j"));
}

// A pod from its JSON; `now` is 10 minutes after its creation.
constexpr int64_t kCreated = 1700000000;  // 2023-11-14T22:13:20Z
constexpr int64_t kNow = kCreated + 600;

nlohmann::ordered_json PodCells(std::string_view spec, std::string_view status,
                                std::string_view extra_meta = "") {
  std::string doc =
      std::string(R"({"metadata":{"name":"p","creationTimestamp":"2023-11-14T22:13:20Z")") +
      std::string(extra_meta) + "},\"spec\":" + std::string(spec) +
      ",\"status\":" + std::string(status) + "}";
  Pod pod = Decode<Pod>(doc);
  nlohmann::ordered_json cells = CellsOf(For("", "pods"), pod, kNow);
  return nlohmann::ordered_json::array({cells[1], cells[2], cells[3]});  // Ready, Status, Restarts
}

constexpr std::string_view kTwoInits =
    R"({"initContainers":[{"name":"i1"},{"name":"i2"}],"containers":[{"name":"app"}]})";

TEST_CASE("pods: init containers") {
  CHECK(PodCells(kTwoInits, R"({"phase":"Pending","initContainerStatuses":[
      {"name":"i1","state":{"terminated":{"exitCode":0,"reason":"Completed"}},"restartCount":0},
      {"name":"i2","state":{"running":{}},"restartCount":0}]})") ==
        Json(R"(["0/1","Init:1/2","0"])"));
  CHECK(PodCells(kTwoInits, R"({"phase":"Pending","initContainerStatuses":[
      {"name":"i1","state":{"waiting":{"reason":"CrashLoopBackOff"}},"restartCount":3}]})") ==
        Json(R"(["0/1","Init:CrashLoopBackOff","3"])"));
  CHECK(PodCells(kTwoInits, R"({"phase":"Pending","initContainerStatuses":[
      {"name":"i1","state":{"waiting":{"reason":"PodInitializing"}}}]})") ==
        Json(R"(["0/1","Init:0/2","0"])"));
  CHECK(PodCells(kTwoInits, R"({"phase":"Pending","initContainerStatuses":[
      {"name":"i1","state":{"terminated":{"exitCode":137,"signal":9}}}]})") ==
        Json(R"(["0/1","Init:Signal:9","0"])"));
  CHECK(PodCells(kTwoInits, R"({"phase":"Pending","initContainerStatuses":[
      {"name":"i1","state":{"terminated":{"exitCode":2}}}]})") ==
        Json(R"(["0/1","Init:ExitCode:2","0"])"));
  CHECK(PodCells(kTwoInits, R"({"phase":"Failed","initContainerStatuses":[
      {"name":"i1","state":{"terminated":{"exitCode":1,"reason":"Error"}}}]})") ==
        Json(R"(["0/1","Init:Error","0"])"));
}

TEST_CASE("pods: a started sidecar counts as a container and its restarts count") {
  CHECK(PodCells(R"({"initContainers":[{"name":"side","restartPolicy":"Always"}],
                     "containers":[{"name":"app"}]})",
                 R"({"phase":"Running","conditions":[{"type":"Initialized","status":"True"},
                     {"type":"Ready","status":"True"}],
                     "initContainerStatuses":[{"name":"side","state":{"running":{}},"ready":true,
                       "started":true,"restartCount":2,
                       "lastState":{"terminated":{"exitCode":1,
                                                  "finishedAt":"2023-11-14T22:20:20Z"}}}],
                     "containerStatuses":[{"name":"app","state":{"running":{}},"ready":true}]})") ==
        Json(R"j(["2/2","Running","2 (3m ago)"])j"));
}

TEST_CASE("pods: container states") {
  const std::string_view one = R"({"containers":[{"name":"app"}]})";
  CHECK(PodCells(one, R"({"phase":"Running","containerStatuses":[{"name":"app","restartCount":5,
      "state":{"waiting":{"reason":"CrashLoopBackOff"}},
      "lastState":{"terminated":{"exitCode":1,"finishedAt":"2023-11-14T22:22:20Z"}}}]})") ==
        Json(R"j(["0/1","CrashLoopBackOff","5 (60s ago)"])j"));
  CHECK(PodCells(one, R"({"phase":"Running","containerStatuses":[{"name":"app","restartCount":3,
      "state":{"running":{}},"ready":false}]})") == Json(R"(["0/1","Running","3"])"));
  CHECK(PodCells(one, R"({"phase":"Failed","containerStatuses":[{"name":"app",
      "state":{"terminated":{"exitCode":143,"signal":15}}}]})") ==
        Json(R"(["0/1","Signal:15","0"])"));
  CHECK(PodCells(one, R"({"phase":"Failed","containerStatuses":[{"name":"app",
      "state":{"terminated":{"exitCode":1}}}]})") == Json(R"(["0/1","ExitCode:1","0"])"));
  CHECK(PodCells(one, R"({"phase":"Succeeded","containerStatuses":[{"name":"app",
      "state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]})") ==
        Json(R"(["0/1","Completed","0"])"));
  CHECK(PodCells(one, R"({"phase":"Failed","reason":"Evicted"})") ==
        Json(R"(["0/1","Evicted","0"])"));
}

TEST_CASE("pods: a completed container next to a running one") {
  const std::string_view two = R"({"containers":[{"name":"a"},{"name":"b"}]})";
  const std::string_view statuses = R"("containerStatuses":[
      {"name":"a","state":{"terminated":{"exitCode":0,"reason":"Completed"}}},
      {"name":"b","state":{"running":{}},"ready":true}])";
  CHECK(PodCells(
            two,
            std::string(R"({"phase":"Running","conditions":[{"type":"Ready","status":"False"}],)") +
                std::string(statuses) + "}") == Json(R"(["1/2","NotReady","0"])"));
  CHECK(PodCells(
            two,
            std::string(R"({"phase":"Running","conditions":[{"type":"Ready","status":"True"}],)") +
                std::string(statuses) + "}") == Json(R"(["1/2","Running","0"])"));
}

TEST_CASE("pods: deletion, lost nodes and scheduling gates") {
  const std::string_view one = R"({"containers":[{"name":"app"}]})";
  const std::string_view deleting = R"(,"deletionTimestamp":"2023-11-14T22:23:00Z")";
  CHECK(PodCells(one, R"({"phase":"Running"})", deleting) == Json(R"(["0/1","Terminating","0"])"));
  CHECK(PodCells(one, R"({"phase":"Running","reason":"NodeLost"})", deleting) ==
        Json(R"(["0/1","Unknown","0"])"));
  CHECK(PodCells(one, R"({"phase":"Succeeded"})", deleting) == Json(R"(["0/1","Succeeded","0"])"));
  CHECK(PodCells(one, R"({"phase":"Pending","conditions":[{"type":"PodScheduled",
      "status":"False","reason":"SchedulingGated"}]})") ==
        Json(R"(["0/1","SchedulingGated","0"])"));
}

TEST_CASE("pods: wide cells") {
  Pod pod = Decode<Pod>(R"({"metadata":{"name":"p"},
      "spec":{"containers":[{"name":"a"}],"nodeName":"n1",
              "readinessGates":[{"conditionType":"x"},{"conditionType":"y"}]},
      "status":{"phase":"Running","nominatedNodeName":"n2","podIP":"10.0.0.9",
                "podIPs":[{"ip":"10.0.0.9"},{"ip":"fd00::9"}],
                "conditions":[{"type":"x","status":"True"},{"type":"y","status":"False"}]}})");
  CHECK(CellsOf(For("", "pods"), pod, kNow) ==
        Json(R"(["p","0/1","Running","0","<unknown>","10.0.0.9","n1","n2","1/2"])"));
}

TEST_CASE("nodes: the minikube node") {
  auto node = Decode<k8s::core::v1::Node>(pk::testing::Fixture("node.json"));
  const Printer& printer = For("", "nodes");
  CHECK(ColumnNames(printer) ==
        "Name,Status,Roles,Age,Version|Internal-IP,External-IP,OS-Image,Kernel-Version,"
        "Container-Runtime");
  const int64_t now = Unix("2019-08-26T21:52:09Z") + 4 * 86400 + 5 * 3600;
  CHECK(CellsOf(printer, node, now) ==
        Json(R"(["minikube","Ready","master","4d5h","v1.15.2","192.168.64.107","<none>",
                 "Buildroot 2018.05.3","4.15.0","docker://18.9.8"])"));
}

TEST_CASE("nodes: status and roles") {
  auto node = Decode<k8s::core::v1::Node>(R"({"metadata":{"name":"n","labels":{
      "node-role.kubernetes.io/worker":"","node-role.kubernetes.io/control-plane":"",
      "node-role.kubernetes.io/":"","kubernetes.io/role":"edge"}},
      "spec":{"unschedulable":true},
      "status":{"conditions":[{"type":"Ready","status":"Unknown"}]}})");
  auto cells = CellsOf(For("", "nodes"), node, kNow);
  CHECK(cells[1] == "NotReady,SchedulingDisabled");
  CHECK(cells[2] == "control-plane,edge,worker");
  CHECK(cells[7] == "<unknown>");  // no OS image reported
  auto bare = Decode<k8s::core::v1::Node>(R"({"metadata":{"name":"n"}})");
  cells = CellsOf(For("", "nodes"), bare, kNow);
  CHECK(cells[1] == "Unknown");
  CHECK(cells[2] == "<none>");
}

TEST_CASE("events: the GKE event, all columns as the apiserver sends them") {
  auto event = Decode<k8s::core::v1::Event>(pk::testing::Fixture("event.json"));
  const Printer& printer = For("", "events");
  CHECK(ColumnNames(printer) ==
        "Last Seen,Type,Reason,Object,Message|Subobject,Source,First Seen,Count,Name");
  const int64_t now = Unix("2019-08-30T20:43:05Z") + 90;
  CHECK(CellsOf(printer, event, now) ==
        Json(R"(["90s","Normal","Pulled","pod/hello-1567197780-mn4mv","spec.containers{c1}",
                 "kubelet, gke-k9s-default-pool-0fa2fb89-qnkc",
                 "Successfully pulled image \"blang/busybox-bash\"","90s",1,
                 "hello-1567197780-mn4mv.15bfce150bd764dd"])"));
}

TEST_CASE("events: events.k8s.io style events (eventTime, series, reporting controller)") {
  auto event = Decode<k8s::core::v1::Event>(R"({"metadata":{"name":"e"},
      "involvedObject":{"kind":"Node"},"reason":"R","message":"  m \n","type":"Warning",
      "eventTime":"2023-11-14T22:13:20.000000Z",
      "series":{"count":4,"lastObservedTime":"2023-11-14T22:22:20.500000Z"},
      "reportingComponent":"kubelet","reportingInstance":"n1"})");
  CHECK(CellsOf(For("", "events"), event, kNow) ==
        Json(R"(["59s","Warning","R","node","","kubelet, n1","m","10m",4,"e"])"));
}

TEST_CASE("services: the k9s ClusterIP service and the external IP rules") {
  auto svc = Decode<k8s::core::v1::Service>(pk::testing::Fixture("service.json"));
  const Printer& printer = For("", "services");
  CHECK(ColumnNames(printer) == "Name,Type,Cluster-IP,External-IP,Port(s),Age|Selector");
  CHECK(CellsOf(printer, svc, Unix("2019-07-10T23:10:43Z") + 3 * 3600) ==
        Json(R"(["dictionary1","ClusterIP","10.47.248.116","<none>","4001/TCP","3h",
                 "app=dictionary1"])"));

  auto lb = Decode<k8s::core::v1::Service>(R"({"metadata":{"name":"lb"},
      "spec":{"type":"LoadBalancer","clusterIPs":["10.0.0.1"],"externalIPs":["9.9.9.9"],
              "ports":[{"port":80,"nodePort":30080,"protocol":"TCP"},{"port":53,"protocol":"UDP"}]},
      "status":{"loadBalancer":{"ingress":[{"ip":"5.6.7.8"},{"hostname":"a.example.com"},
                                           {"ip":"1.2.3.4"}]}}})");
  CHECK(CellsOf(printer, lb, kNow) ==
        Json(R"(["lb","LoadBalancer","10.0.0.1","1.2.3.4,5.6.7.8,a.example.com,9.9.9.9",
                 "80:30080/TCP,53/UDP","<unknown>","<none>"])"));
  auto pending =
      Decode<k8s::core::v1::Service>(R"({"metadata":{"name":"p"},"spec":{"type":"LoadBalancer"}})");
  CHECK(CellsOf(printer, pending, kNow)[3] == "<pending>");
  auto external = Decode<k8s::core::v1::Service>(
      R"({"metadata":{"name":"x"},"spec":{"type":"ExternalName","externalName":"db.example"}})");
  CHECK(CellsOf(printer, external, kNow) ==
        Json(R"(["x","ExternalName","<none>","db.example","<none>","<unknown>","<none>"])"));
}

TEST_CASE("endpoints: the GKE endpoints and the three-address limit") {
  auto ep = Decode<k8s::core::v1::Endpoints>(pk::testing::Fixture("endpoints.json"));
  const Printer& printer = For("", "endpoints");
  CHECK(CellsOf(printer, ep, Unix("2017-09-12T14:32:35Z") + 50) ==
        Json(R"(["world-v1","10.196.5.84:7778,10.196.5.85:7778,10.196.5.86:7778","50s"])"));
  auto many = Decode<k8s::core::v1::Endpoints>(R"({"metadata":{"name":"m"},"subsets":[
      {"addresses":[{"ip":"10.0.0.1"},{"ip":"fd00::2"}],"ports":[{"port":80},{"port":443}]}]})");
  CHECK(CellsOf(printer, many, kNow)[1] == "10.0.0.1:80,[fd00::2]:80,10.0.0.1:443 + 1 more...");
  auto none = Decode<k8s::core::v1::Endpoints>(R"({"metadata":{"name":"n"}})");
  CHECK(CellsOf(printer, none, kNow)[1] == "<none>");
}

TEST_CASE("resources without a printer get the default Name / Created At table") {
  const Printer& printer = For("rbac.authorization.k8s.io", "roles");
  REQUIRE(printer.Columns().size() == 2);
  CHECK(printer.Columns()[1].name == "Created At");
  CHECK(printer.Columns()[1].type == "date");
  auto role = Decode<k8s::rbac::v1::Role>(
      R"({"metadata":{"name":"r","creationTimestamp":"2024-01-02T03:04:05Z"}})");
  CHECK(CellsOf(printer, role, kNow) == Json(R"(["r","2024-01-02T03:04:05Z"])"));
  auto unset = Decode<k8s::rbac::v1::Role>(R"({"metadata":{"name":"r"}})");
  CHECK(CellsOf(printer, unset, kNow) == Json(R"(["r","0001-01-01T00:00:00Z"])"));
  CHECK(ColumnNames(For("", "limitranges")) == "Name,Created At");
  CHECK(ColumnNames(For("rbac.authorization.k8s.io", "clusterroles")) == "Name,Created At");
}

TEST_CASE("every resource's printer gives one cell per column, even for an empty object") {
  for (const ResourceType& type : Scheme::Builtin().resources()) {
    const Printer& printer = PrinterFor(type);
    auto object = type.New();
    CHECK_MESSAGE(printer.Cells(*object, kNow).size() == printer.Columns().size(), type.resource);
    int names = 0;
    for (const Column& c : printer.Columns()) names += c.format == "name" ? 1 : 0;
    CHECK_MESSAGE(names == 1, type.resource);
  }
}

}  // namespace
}  // namespace pk::printers
