// Parses what the request is about once, for every later filter and the handler.
#include "apiserver/endpoints/request_info.h"

#include "apiserver/filters/chain.h"

namespace pk::apiserver::filters {

Handler WithRequestInfo(Handler next) {
  return [next = std::move(next)](Request& request) -> Response {
    request.info = ParseRequestInfo(request);
    return next(request);
  };
}

}  // namespace pk::apiserver::filters
