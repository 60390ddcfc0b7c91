// pk::Status <-> the meta/v1 Status document that travels on the wire.
#pragma once

#include "apimachinery/status.h"
#include "proto/meta/v1/meta.pb.h"

namespace pk {

// {"status":"Failure","message":...,"reason":...,"details":...,"code":...}; an OK status
// becomes {"status":"Success"}.
k8s::meta::v1::Status ToApiStatus(const Status& status);
// The reverse, for clients reading an error response; a Success document is OK.
Status FromApiStatus(const k8s::meta::v1::Status& status);

}  // namespace pk
