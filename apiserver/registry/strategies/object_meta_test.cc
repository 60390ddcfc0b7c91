#include <doctest/doctest.h>

#include "apimachinery/validation.h"
#include "apiserver/registry/strategies/test_util.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::registry {
namespace {

using testing::TypeOf;
using Meta = k8s::meta::v1::ObjectMeta;

Meta Named(std::string name, std::string ns = "default") {
  Meta meta;
  meta.set_name(std::move(name));
  meta.set_namespace_(std::move(ns));
  return meta;
}

TEST_CASE("a name or generateName is required") {
  Meta meta = Named("");
  const Causes causes = ValidateObjectMeta(TypeOf("", "pods"), meta);
  REQUIRE(causes.size() == 1);
  CHECK(causes[0] == StatusCause{"FieldValueRequired",
                                 "Required value: name or generateName is required",
                                 "metadata.name"});
  meta.set_generate_name("web-");
  meta.set_name("web-x7k2p");
  CHECK(ValidateObjectMeta(TypeOf("", "pods"), meta).empty());
}

TEST_CASE("object names are DNS-1123 subdomains, in Kubernetes' words") {
  const Causes causes = ValidateObjectMeta(TypeOf("", "pods"), Named("Web_1"));
  REQUIRE(causes.size() == 1);
  CHECK(causes[0].reason == "FieldValueInvalid");
  CHECK(causes[0].field == "metadata.name");
  CHECK(causes[0].message ==
        "Invalid value: \"Web_1\": a lowercase RFC 1123 subdomain must consist of lower case "
        "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric "
        "character (e.g. 'example.com', regex used for validation is "
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
  CHECK(testing::InvalidMessage("Pod", "Web_1", causes)
            .rfind("Pod \"Web_1\" is invalid: metadata.name: Invalid value: \"Web_1\": a lowercase",
                   0) == 0);
}

TEST_CASE("namespaces are DNS labels, services DNS-1035 labels, events path segments") {
  Causes causes = ValidateObjectMeta(TypeOf("", "namespaces"), Named("a.b", ""));
  REQUIRE(causes.size() == 1);
  CHECK(causes[0].message == "Invalid value: \"a.b\": must not contain dots");

  causes = ValidateObjectMeta(TypeOf("", "services"), Named("1web"));
  REQUIRE(causes.size() == 1);
  CHECK(causes[0].message ==
        "Invalid value: \"1web\": a DNS-1035 label must consist of lower case alphanumeric "
        "characters or '-', start with an alphabetic character, and end with an alphanumeric "
        "character (e.g. 'my-name',  or 'abc-123', regex used for validation is "
        "'[a-z]([-a-z0-9]*[a-z0-9])?')");

  CHECK(ValidateObjectMeta(TypeOf("", "events"), Named("web.17a3f9c2b1e0d4f5")).empty());
  CHECK(ValidateObjectMeta(TypeOf("", "events"), Named("Web:Event")).empty());
  causes = ValidateObjectMeta(TypeOf("", "events"), Named("a/b"));
  REQUIRE(causes.size() == 1);
  CHECK(causes[0].message == "Invalid value: \"a/b\": may not contain '/'");
}

TEST_CASE("namespace presence follows the resource's scope") {
  Causes causes = ValidateObjectMeta(TypeOf("", "pods"), Named("web", ""));
  REQUIRE(causes.size() == 1);
  CHECK(causes[0] == StatusCause{"FieldValueRequired", "Required value", "metadata.namespace"});

  causes = ValidateObjectMeta(TypeOf("", "nodes"), Named("node-1", "default"));
  REQUIRE(causes.size() == 1);
  CHECK(causes[0] == StatusCause{"FieldValueForbidden", "Forbidden: not allowed on this type",
                                 "metadata.namespace"});
}

TEST_CASE("labels and annotations are checked, annotations for their total size") {
  Meta meta = Named("web");
  (*meta.mutable_labels())["app"] = std::string("bad value");
  Causes causes = ValidateObjectMeta(TypeOf("", "pods"), meta);
  REQUIRE(causes.size() == 1);
  CHECK(causes[0].field == "metadata.labels");
  CHECK(causes[0].message.rfind("Invalid value: \"bad value\": a valid label must be an empty "
                                "string or consist of alphanumeric characters",
                                0) == 0);

  meta = Named("web");
  (*meta.mutable_annotations())["big"] = std::string(256 * 1024, 'x');
  causes = ValidateObjectMeta(TypeOf("", "pods"), meta);
  REQUIRE(causes.size() == 1);
  CHECK(causes[0] == StatusCause{"FieldValueTooLong", "Too long: may not be more than 262144 bytes",
                                 "metadata.annotations"});
}

TEST_CASE("review resources carry no metadata rules") {
  CHECK(ValidateObjectMeta(TypeOf("authorization.k8s.io", "selfsubjectaccessreviews"), Meta())
            .empty());
}

TEST_CASE("every resource has a strategy") {
  for (const ResourceType& type : Scheme::Builtin().resources()) {
    const Strategy& strategy = StrategyFor(type);
    std::unique_ptr<Message> object = type.New();
    strategy.Default(object.get());  // never aborts on the resource's own message
    CHECK(&strategy == &StrategyFor(type));
  }
}

TEST_CASE("generic validators") {
  using validation::IsConfigMapKey;
  CHECK(IsConfigMapKey("app.properties").empty());
  CHECK(IsConfigMapKey("..data") == validation::Errors{"must not start with '..'"});
  CHECK(validation::IsValidPortName("http").empty());
  CHECK(validation::IsValidPortName("80") ==
        validation::Errors{"must contain at least one letter (a-z)"});
  CHECK(validation::IsValidPortNum(0) ==
        validation::Errors{"must be between 1 and 65535, inclusive"});
  CHECK(validation::NameIsDNSSubdomain("web-", true).empty());
  CHECK(!validation::NameIsDNSSubdomain("web-", false).empty());
}

}  // namespace
}  // namespace pk::registry
