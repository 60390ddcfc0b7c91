// The attributes of a request (authorizer.AttributesRecord from the RequestInfo) and the
// wording of a denial (responsewriters.ForbiddenStatusError).
#include <fmt/format.h>

#include "apimachinery/selectors.h"
#include "apiserver/authorization/authorization.h"

namespace pk::apiserver::authorization {
namespace {

// Go's %q for the strings that appear here.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

Attributes AttributesOf(const Request& request) {
  const RequestInfo& info = request.info;
  Attributes a;
  a.user = request.user;
  a.verb = info.verb;
  a.resource_request = info.is_resource_request;
  a.path = request.path;
  a.ns = info.ns;
  a.api_group = info.api_group;
  a.api_version = info.api_version;
  a.resource = info.resource;
  a.subresource = info.subresource;
  a.name = info.name;
  a.field_selector = request.QueryOr("fieldSelector", "");
  // A list or watch of one object by metadata.name is about that object (requestinfo.go).
  if (a.resource_request && a.name.empty() && (a.verb == "list" || a.verb == "watch") &&
      !a.field_selector.empty()) {
    auto fields = FieldSelector::Parse(a.field_selector);
    if (fields.ok()) {
      for (const auto& r : fields->requirements()) {
        if (r.field == "metadata.name" && r.op == FieldSelector::Op::kEquals &&
            r.value.find('/') == std::string::npos && !r.value.empty()) {
          a.name = r.value;
        }
      }
    }
  }
  return a;
}

Status Forbidden(const Attributes& a, std::string_view reason) {
  std::string msg = fmt::format("User {} cannot {}", Quote(a.user.name), a.verb);
  if (a.resource_request) {
    std::string resource = a.resource;
    if (!a.subresource.empty()) resource += "/" + a.subresource;
    if (!a.ns.empty()) {
      msg += fmt::format(" resource {} in API group {} in the namespace {}", Quote(resource),
                         Quote(a.api_group), Quote(a.ns));
    } else {
      msg += fmt::format(" resource {} in API group {} at the cluster scope", Quote(resource),
                         Quote(a.api_group));
    }
  } else {
    msg += fmt::format(" path {}", Quote(a.path));
  }
  if (!reason.empty()) msg += fmt::format(": {}", reason);
  // apierrors.NewForbidden over the group and resource (without the subresource).
  std::string qualified = a.resource_request ? a.resource : "";
  if (!qualified.empty() && !a.api_group.empty()) qualified += "." + a.api_group;
  std::string message;
  if (qualified.empty()) {
    message = "forbidden: " + msg;
  } else if (a.name.empty() || !a.resource_request) {
    message = fmt::format("{} is forbidden: {}", qualified, msg);
  } else {
    message = fmt::format("{} {} is forbidden: {}", qualified, Quote(a.name), msg);
  }
  Status status = Status::Forbidden(std::move(message));
  if (a.resource_request) {
    status.mutable_details().group = a.api_group;
    status.mutable_details().kind = a.resource;
    status.mutable_details().name = a.name;
  }
  return status;
}

}  // namespace pk::apiserver::authorization
