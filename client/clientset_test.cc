// Typed clients against an in-process apiserver: CRUD, watch, and the Kubernetes errors a
// caller branches on (reason and HTTP code as REST would give them).
#include "client/clientset.h"

#include <doctest/doctest.h>

#include "client/errors.h"
#include "client/test_apiserver.h"

namespace pk::client {
namespace {

using k8s::core::v1::Pod;
using testing::MakePod;
using testing::TestApiServer;

TEST_CASE("typed client: create, get, list, update, status, patch, delete") {
  TestApiServer server;
  Clientset cs = server.NewClientset();
  auto pods = cs.Pods("default");

  auto created = pods.Create(MakePod("web"));
  REQUIRE_MESSAGE(created.ok(), created.status().ToString());
  CHECK(!(*created)->metadata().uid().empty());
  CHECK(!(*created)->metadata().resource_version().empty());

  auto got = pods.Get("web");
  REQUIRE(got.ok());
  CHECK((*got)->metadata().uid() == (*created)->metadata().uid());

  REQUIRE(pods.Create(MakePod("db")).ok());
  auto list = pods.List();
  REQUIRE(list.ok());
  CHECK(list->items.size() == 2);
  CHECK(!list->metadata.resource_version().empty());
  ListOptions only_web;
  only_web.field_selector = "metadata.name=web";
  CHECK(pods.List(only_web)->items.size() == 1);

  Pod changed = **got;
  (*changed.mutable_metadata()->mutable_labels())["tier"] = "front";
  auto updated = pods.Update(changed);
  REQUIRE_MESSAGE(updated.ok(), updated.status().ToString());
  CHECK((*updated)->metadata().labels().at("tier") == "front");
  CHECK((*updated)->metadata().resource_version() != (*got)->metadata().resource_version());

  Pod with_status = **updated;
  with_status.mutable_status()->set_phase("Running");
  (*with_status.mutable_metadata()->mutable_labels())["ignored"] = "yes";  // status keeps meta
  auto status = pods.UpdateStatus(with_status);
  REQUIRE_MESSAGE(status.ok(), status.status().ToString());
  CHECK((*status)->status().phase() == "Running");

  auto patched = pods.Patch("web", "application/merge-patch+json",
                            R"({"metadata":{"labels":{"patched":"true"}}})");
  REQUIRE_MESSAGE(patched.ok(), patched.status().ToString());
  CHECK((*patched)->metadata().labels().at("patched") == "true");
  CHECK((*patched)->status().phase() == "Running");

  DeleteOptions now;
  now.grace_period_seconds = 0;
  REQUIRE(pods.Delete("web", now).ok());
  auto gone = pods.Get("web");
  REQUIRE(!gone.ok());
  CHECK(IsNotFound(gone.status()));
}

TEST_CASE("typed client: cluster-scoped nodes and generic Resource<T>") {
  TestApiServer server;
  Clientset cs = server.NewClientset();
  k8s::core::v1::Node node;
  node.mutable_metadata()->set_name("n1");
  auto created = cs.Nodes().Create(node);
  REQUIRE_MESSAGE(created.ok(), created.status().ToString());
  CHECK((*created)->metadata().namespace_().empty());
  auto listed = cs.Resource<k8s::core::v1::Node>().List();
  REQUIRE(listed.ok());
  CHECK(listed->items.size() == 1);
}

TEST_CASE("errors: NotFound, AlreadyExists, Conflict, Invalid, precondition") {
  TestApiServer server;
  Clientset cs = server.NewClientset();
  auto pods = cs.Pods("default");

  auto missing = pods.Get("nope");
  CHECK(missing.status().reason() == Reason::kNotFound);
  CHECK(missing.status().code() == 404);
  CHECK(missing.status().message() == R"(pods "nope" not found)");

  auto first = pods.Create(MakePod("p"));
  REQUIRE(first.ok());
  auto again = pods.Create(MakePod("p"));
  CHECK(again.status().reason() == Reason::kAlreadyExists);
  CHECK(again.status().code() == 409);

  Pod stale = **first;
  (*stale.mutable_metadata()->mutable_labels())["a"] = "1";
  REQUIRE(pods.Update(stale).ok());
  (*stale.mutable_metadata()->mutable_labels())["a"] = "2";  // still the first version
  auto conflict = pods.Update(stale);
  CHECK(conflict.status().reason() == Reason::kConflict);
  CHECK(conflict.status().code() == 409);

  Pod invalid = MakePod("bad");
  invalid.mutable_spec()->mutable_containers(0)->clear_image();
  auto rejected = pods.Create(invalid);
  CHECK(rejected.status().reason() == Reason::kInvalid);
  CHECK(rejected.status().code() == 422);
  CHECK(!rejected.status().details().causes.empty());

  DeleteOptions wrong_uid;
  wrong_uid.precondition_uid = "not-the-uid";
  auto precondition = pods.Delete("p", wrong_uid);
  CHECK(precondition.status().code() == 409);
}

TEST_CASE("errors: an apiserver that is away is ServiceUnavailable") {
  TestApiServer server;
  Clientset cs = server.NewClientset();
  server.Stop();
  auto away = cs.Pods("default").Get("x");
  REQUIRE(!away.ok());
  CHECK(away.status().code() == 503);
  CHECK(IsUnavailable(away.status()));

  CHECK(FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE, "down")).code() == 503);
  CHECK(FromGrpcStatus(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "slow")).code() == 504);
  CHECK(FromGrpcStatus(grpc::Status::OK).ok());
}

TEST_CASE("watch: typed events from a resourceVersion, then Stop") {
  TestApiServer server;
  Clientset cs = server.NewClientset();
  auto pods = cs.Pods("default");
  auto list = pods.List();
  REQUIRE(list.ok());
  ListOptions from;
  from.resource_version = list->metadata.resource_version();
  auto watch = pods.Watch(from);
  REQUIRE(watch.ok());

  auto created = pods.Create(MakePod("w"));
  REQUIRE(created.ok());
  DeleteOptions now;
  now.grace_period_seconds = 0;
  REQUIRE(pods.Delete("w", now).ok());

  std::vector<EventType> seen;
  for (int i = 0; i < 50 && seen.size() < 2; ++i) {
    auto event = (*watch)->Next(std::chrono::milliseconds(200));
    if (!event || event->type == EventType::kBookmark) continue;
    CHECK(event->object->metadata().name() == "w");
    seen.push_back(event->type);
  }
  REQUIRE(seen.size() == 2);
  CHECK(seen[0] == EventType::kAdded);
  CHECK(seen[1] == EventType::kDeleted);
  (*watch)->Stop();
  CHECK((*watch)->done());
}

}  // namespace
}  // namespace pk::client
