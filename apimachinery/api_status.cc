#include "apimachinery/api_status.h"

namespace pk {

k8s::meta::v1::Status ToApiStatus(const Status& status) {
  k8s::meta::v1::Status out;
  if (status.ok()) {
    out.set_status("Success");
    return out;
  }
  out.set_status("Failure");
  out.set_message(status.message());
  out.set_reason(std::string(ReasonName(status.reason())));
  const StatusDetails& d = status.details();
  if (!d.name.empty() || !d.group.empty() || !d.kind.empty() || !d.uid.empty() ||
      !d.causes.empty() || d.retry_after_seconds != 0) {
    auto* details = out.mutable_details();
    details->set_name(d.name);
    details->set_group(d.group);
    details->set_kind(d.kind);
    details->set_uid(d.uid);
    for (const auto& c : d.causes) {
      auto* cause = details->add_causes();
      cause->set_reason(c.reason);
      cause->set_message(c.message);
      cause->set_field(c.field);
    }
    details->set_retry_after_seconds(d.retry_after_seconds);
  }
  out.set_code(status.code());
  return out;
}

Status FromApiStatus(const k8s::meta::v1::Status& status) {
  if (status.status() == "Success") return Status();
  Status out(ReasonFromName(status.reason()), status.message(), status.code());
  StatusDetails& d = out.mutable_details();
  d.name = status.details().name();
  d.group = status.details().group();
  d.kind = status.details().kind();
  d.uid = status.details().uid();
  d.retry_after_seconds = status.details().retry_after_seconds();
  for (const auto& c : status.details().causes()) {
    d.causes.push_back({c.reason(), c.message(), c.field()});
  }
  return out;
}

}  // namespace pk
