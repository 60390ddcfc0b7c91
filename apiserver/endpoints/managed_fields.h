// metadata.managedFields tracking for writes that are not server-side apply.
#pragma once

#include <google/protobuf/message.h>

#include <memory>
#include <string_view>

namespace pk::apiserver::handlers {

// Records `manager` (at `now`, an RFC 3339 time) as the owner of what changed from `old`
// (nullptr for a create) to `updated` in updated's metadata.managedFields, exactly as
// patch::TrackUpdate does on the objects' JSON. Leaves `updated` as it is if the JSON does
// not round-trip.
void TrackUpdatedFields(const google::protobuf::Message* old, google::protobuf::Message* updated,
                        std::string_view manager, std::string_view now,
                        std::string_view api_version);

// The reference: TrackUpdate on the JSON of the whole objects, taken through their text (for
// tests of the above).
void TrackUpdatedFieldsOnWholeObjects(const google::protobuf::Message* old,
                                      google::protobuf::Message* updated, std::string_view manager,
                                      std::string_view now, std::string_view api_version);

}  // namespace pk::apiserver::handlers
