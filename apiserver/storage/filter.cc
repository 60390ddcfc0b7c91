#include "apiserver/storage/filter.h"

#include <deque>

#include "apimachinery/object.h"

namespace pk::storage {

ObjectFilter::ObjectFilter(std::string prefix, LabelSelector labels, FieldSelector fields)
    : prefix_(std::move(prefix)),
      labels_(std::move(labels)),
      fields_(std::move(fields)),
      everything_(labels_.Empty() && fields_.Empty()) {}

bool ObjectFilter::Matches(const google::protobuf::Message& object) const {
  if (everything_) return true;
  if (!labels_.Empty()) {
    const k8s::meta::v1::ObjectMeta* meta = GetObjectMeta(object);
    const auto& labels =
        meta ? meta->labels() : k8s::meta::v1::ObjectMeta::default_instance().labels();
    if (!labels_.MatchesMap(labels)) return false;
  }
  if (fields_.Empty()) return true;
  // The views handed to the selector must outlive its whole Matches call.
  std::deque<std::string> values;
  return fields_.Matches([&](std::string_view path) -> std::optional<std::string_view> {
    std::optional<std::string> value = FieldValue(object, path);
    values.push_back(value ? std::move(*value) : std::string());
    return std::string_view(values.back());
  });
}

std::optional<Event> ObjectFilter::Apply(const Event& event) const {
  if (event.type == Event::Type::kBookmark || event.type == Event::Type::kError) return event;
  if (!InRange(event.key)) return std::nullopt;
  if (everything_) return event;
  bool now = event.type != Event::Type::kDeleted && event.object && Matches(*event.object);
  bool before = event.prev_object && Matches(*event.prev_object);
  if (event.type == Event::Type::kDeleted) {
    if (!before) return std::nullopt;
    return event;
  }
  if (now && before) return event;
  if (!now && !before) return std::nullopt;
  Event out = event;
  out.type = now ? Event::Type::kAdded : Event::Type::kDeleted;
  return out;
}

}  // namespace pk::storage
