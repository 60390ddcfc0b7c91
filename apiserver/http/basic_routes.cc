#include "apiserver/http/basic_routes.h"

#include "apimachinery/api_status.h"
#include "apimachinery/scheme.h"

namespace pk::http {
namespace beast = boost::beast;

namespace {

Response Text(std::string body) {
  Response r{beast::http::status::ok, 11};
  r.set(beast::http::field::content_type, "text/plain; charset=utf-8");
  r.body() = std::move(body);
  return r;
}

Response VersionInfo() {
  Response r{beast::http::status::ok, 11};
  r.set(beast::http::field::content_type, "application/json");
  r.body() = std::string(R"({"major":"1","minor":"32","gitVersion":")") + kKubernetesVersion +
             R"(","gitCommit":"picokube","gitTreeState":"clean",)"
             R"("buildDate":"1970-01-01T00:00:00Z","goVersion":"none","compiler":"picokube",)"
             R"("platform":"linux/amd64"})";
  return r;
}

}  // namespace

Response ErrorResponse(const Status& status, unsigned http_version) {
  Response r{static_cast<beast::http::status>(status.code()), http_version};
  r.set(beast::http::field::content_type, "application/json");
  if (status.details().retry_after_seconds > 0) {
    r.set(beast::http::field::retry_after, std::to_string(status.details().retry_after_seconds));
  }
  r.body() = Scheme::Builtin().Encode(ToApiStatus(status));
  return r;
}

Handler BasicRoutes() {
  return [](const Request& request) -> Response {
    std::string_view target(request.target().data(), request.target().size());
    std::string_view path = target.substr(0, target.find('?'));
    if (path == "/healthz" || path == "/livez" || path == "/readyz") return Text("ok");
    if (path == "/version") return VersionInfo();
    Status s(Reason::kNotFound, "the server could not find the requested resource");
    return ErrorResponse(s, request.version());
  };
}

}  // namespace pk::http
