#include "apiserver/storage/filter.h"

#include <deque>
#include <memory>

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
  if (now) {
    out.type = Event::Type::kAdded;
    return out;
  }
  // Left the selection: a DELETED of the last state the watcher was shown, at this event's
  // revision (as Kubernetes' cacheWatcher does), never a state outside its selection.
  out.type = Event::Type::kDeleted;
  std::shared_ptr<google::protobuf::Message> last(event.prev_object->New());
  last->CopyFrom(*event.prev_object);
  if (auto* meta = MutableObjectMeta(last.get())) {
    meta->set_resource_version(std::to_string(event.revision));
  }
  out.object = std::move(last);
  return out;
}

}  // namespace pk::storage
