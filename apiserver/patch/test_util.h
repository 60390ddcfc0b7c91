// Test helpers: JSON literals and the Pod descriptor.
#pragma once

#include <google/protobuf/descriptor.h>

#include <string>

#include "apiserver/patch/patch.h"
#include "proto/apps/v1/apps.pb.h"
#include "proto/core/v1/config.pb.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::patch::testing {

inline Json J(const std::string& text) { return Json::parse(text); }
inline const google::protobuf::Descriptor* PodType() { return k8s::core::v1::Pod::descriptor(); }
inline const google::protobuf::Descriptor* ConfigMapType() {
  return k8s::core::v1::ConfigMap::descriptor();
}

}  // namespace pk::patch::testing
