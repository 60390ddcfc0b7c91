#include "apimachinery/status.h"

#include <doctest/doctest.h>

#include "apimachinery/api_status.h"

namespace pk {
namespace {

TEST_CASE("errors carry Kubernetes' reasons, codes and wording") {
  Status s = Status::NotFound({"", "pods"}, "nginx");
  CHECK(s.code() == 404);
  CHECK(s.message() == "pods \"nginx\" not found");
  CHECK(s.details().kind == "pods");

  s = Status::AlreadyExists({"apps", "deployments"}, "web");
  CHECK(s.code() == 409);
  CHECK(s.message() == "deployments.apps \"web\" already exists");
  CHECK(s.details().group == "apps");

  s = Status::ObjectModified({"", "pods"}, "nginx");
  CHECK(s.reason() == Reason::kConflict);
  CHECK(s.message() ==
        "Operation cannot be fulfilled on pods \"nginx\": the object has been modified; please "
        "apply your changes to the latest version and try again");

  s = Status::Invalid({"", "v1", "Pod"}, "nginx",
                      {{"FieldValueRequired", "Required value", "spec.containers[0].image"}});
  CHECK(s.code() == 422);
  CHECK(s.message() == "Pod \"nginx\" is invalid: spec.containers[0].image: Required value");
  s = Status::Invalid({"", "v1", "Pod"}, "x",
                      {{"FieldValueRequired", "Required value", "a"},
                       {"FieldValueInvalid", "Invalid value: 1", "b"}});
  CHECK(s.message() == "Pod \"x\" is invalid: [a: Required value, b: Invalid value: 1]");

  CHECK(Status::Expired("too old").code() == 410);
  CHECK(Status::TooManyRequests("slow down", 1).details().retry_after_seconds == 1);
  CHECK(Status::TooManyRequests("slow down", 1).code() == 429);
  CHECK(Status::Timeout("t").code() == 504);
  CHECK(Status::Unauthorized("u").code() == 401);
  CHECK(Status::Forbidden("f").code() == 403);
  CHECK(Status::BadRequest("b").code() == 400);
  CHECK(Status::InternalError("i").code() == 500);
  CHECK(Status().ok());
  CHECK(Status().code() == 200);
}

TEST_CASE("Status round-trips through its wire document") {
  Status s = Status::Invalid({"", "v1", "Pod"}, "x", {{"FieldValueRequired", "Required", "a"}});
  Status back = FromApiStatus(ToApiStatus(s));
  CHECK(back.reason() == Reason::kInvalid);
  CHECK(back.code() == 422);
  CHECK(back.message() == s.message());
  CHECK(back.details().causes == s.details().causes);
  CHECK(ToApiStatus(Status()).status() == "Success");
  CHECK(FromApiStatus(ToApiStatus(Status())).ok());
}

TEST_CASE("Result holds a value or a status; Prefix adds context") {
  Result<int> ok = 7;
  CHECK(ok.ok());
  CHECK(*ok == 7);
  Result<int> bad = Status::BadRequest("no");
  CHECK(!bad.ok());
  CHECK(bad.status().code() == 400);
  Status s = Status::InternalError("disk full");
  s.Prefix("writing pods");
  CHECK(s.message() == "writing pods: disk full");
  CHECK(s.ToString() == "InternalError: writing pods: disk full");
  Status copy = s;
  CHECK(copy.message() == s.message());
}

}  // namespace
}  // namespace pk
