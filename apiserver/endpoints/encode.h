// The JSON the REST face answers with: objects, lists, Tables, PartialObjectMetadata, watch
// events and Status. Kubernetes' exact shapes (KUBECTL-WIRE.md).
#pragma once

#include <google/protobuf/message.h>

#include <string>
#include <vector>

#include "apimachinery/scheme.h"
#include "apiserver/endpoints/negotiation.h"
#include "apiserver/endpoints/request.h"
#include "apiserver/storage/store.h"
#include "proto/meta/v1/meta.pb.h"

namespace pk::apiserver {

// An object in the shape the client negotiated (the object, a one-row Table, or its
// PartialObjectMetadata). `columns` false leaves the Table's columnDefinitions out.
std::string EncodeObject(const ResourceType& type, const google::protobuf::Message& object,
                         const Output& output, bool columns = true);
std::string EncodeList(const ResourceType& type, const storage::ListResult& list,
                       const Output& output);
// {"type":"ADDED","object":{...}} plus a newline.
std::string EncodeWatchEvent(const ResourceType& type, const storage::Event& event,
                             const Output& output, bool columns);

// A response carrying `body` (JSON) with the code, formatted as negotiated.
Response JsonResponse(int code, std::string body, const Output& output);
// The answer with one object / one list in the negotiated shape (typed ones unencoded).
Response ObjectResponse(int code, const ResourceType& type, storage::ObjectPtr object,
                        const Output& output);
Response ListResponse(const ResourceType& type, storage::ListResult list, const Output& output);
// The Status answer for a failed request.
Response ErrorResponse(const Status& status);
// A Status with status Success (binding, deleting some resources).
std::string SuccessStatus(int code, const k8s::meta::v1::StatusDetails* details = nullptr);

}  // namespace pk::apiserver
