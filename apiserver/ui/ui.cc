#include "apiserver/ui/ui.h"

namespace pk::apiserver::ui {

std::optional<Response> Serve(const Request& request) {
  if (request.method != "GET" && request.method != "HEAD") return std::nullopt;
  Response r;
  if (request.path == "/ui") {
    r.code = 301;
    r.content_type = "text/plain; charset=utf-8";
    r.headers = {{"Location", "/ui/"}};
    r.body = "Moved to /ui/\n";
    return r;
  }
  if (request.path != "/ui/" && request.path != "/ui/index.html") return std::nullopt;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::string(kIndexHtml);
  r.headers = {
      {"X-Content-Type-Options", "nosniff"},
      // The page's own inline script and style, and requests to this apiserver only; the
      // diagram is inline SVG (sanitized by the page), images only as data: URLs.
      {"Content-Security-Policy",
       "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
       "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
       "frame-ancestors 'none'"},
      {"Referrer-Policy", "no-referrer"},
  };
  return r;
}

}  // namespace pk::apiserver::ui
