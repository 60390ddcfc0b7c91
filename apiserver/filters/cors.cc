// Kubernetes' WithCORS (k8s.io/apiserver/pkg/server/filters/cors.go), before authentication:
// a request whose Origin matches one of --cors-allowed-origins gets the origin echoed in
// Access-Control-Allow-Origin with the allowed methods, headers, exposed headers and
// credentials, and a preflight OPTIONS is answered there (204). A request from another
// origin is served without these headers: the browser then refuses the answer to the page.
#include <fmt/format.h>

#include <memory>
#include <regex>

#include "apiserver/filters/chain.h"

namespace pk::apiserver::filters {
namespace {

constexpr const char* kHelp =
    "List of allowed origins for CORS, comma separated. An allowed origin can be a regular "
    "expression to support subdomain matching. If this list is empty CORS will not be enabled. "
    "Please ensure each expression matches the entire hostname by anchoring to the start with "
    "'^' or including the '//' prefix, and by anchoring to the end with '$' or including the "
    "':' port separator suffix. Examples of valid expressions are '//example\\.com(:|$)' and "
    "'^https://example\\.com(:|$)'";

const std::vector<std::pair<std::string, std::string>>& AllowHeaders() {
  static const std::vector<std::pair<std::string, std::string>> headers = {
      {"Access-Control-Allow-Methods", "POST, GET, OPTIONS, PUT, DELETE, PATCH"},
      {"Access-Control-Allow-Headers",
       "Content-Type, Content-Length, Accept-Encoding, X-CSRF-Token, Authorization, "
       "X-Requested-With, If-Modified-Since"},
      {"Access-Control-Expose-Headers", "Date"},
      {"Access-Control-Allow-Credentials", "true"},
  };
  return headers;
}

}  // namespace

Status ValidateCorsAllowedOrigins(const std::vector<std::string>& origins) {
  std::vector<std::string> errors;
  for (const std::string& origin : origins) {
    if (origin.empty()) {
      errors.push_back(fmt::format("empty value in --cors-allowed-origins, help: {}", kHelp));
      continue;
    }
    std::string why;
    try {
      std::regex compiled(origin);
    } catch (const std::regex_error& e) {
      why = e.what();
    }
    bool start = origin.find('^') != std::string::npos || origin.find("//") != std::string::npos;
    bool end = origin.find('$') != std::string::npos || origin.find(':') != std::string::npos;
    if (why.empty() && (!start || !end)) {
      why = "regular expression does not pin to start/end of host in the origin header";
    }
    if (!why.empty()) {
      errors.push_back(fmt::format(
          "--cors-allowed-origins has an invalid regular expression: {}, help: {}", why, kHelp));
    }
  }
  if (errors.empty()) return Status();
  if (errors.size() == 1) return Status::BadRequest(errors[0]);
  return Status::BadRequest(fmt::format("[{}]", fmt::join(errors, ", ")));
}

Handler WithCORS(Handler next, const std::vector<std::string>& allowed_origins) {
  if (allowed_origins.empty()) return next;
  auto patterns = std::make_shared<std::vector<std::regex>>();
  for (const std::string& origin : allowed_origins) {
    try {
      patterns->emplace_back(origin);
    } catch (const std::regex_error&) {
      // Refused at start by ValidateCorsAllowedOrigins; an unparsable pattern allows nothing.
    }
  }
  return [next = std::move(next), patterns](Request& request) -> Response {
    const std::string origin = request.Header("origin");
    if (origin.empty()) return next(request);
    bool allowed = false;
    for (const std::regex& re : *patterns) {
      if ((allowed = std::regex_search(origin, re))) break;
    }
    if (!allowed) return next(request);
    Response response;
    if (request.method == "OPTIONS") {
      response.code = 204;
    } else {
      response = next(request);
    }
    response.headers.emplace_back("Access-Control-Allow-Origin", origin);
    for (const auto& header : AllowHeaders()) response.headers.push_back(header);
    return response;
  };
}

}  // namespace pk::apiserver::filters
