// Which objects a list or watch wants: a key range and label/field selectors, and how a
// change looks to a filtered watcher (Kubernetes' rules for objects entering or leaving the
// selection).
#pragma once

#include <google/protobuf/message.h>

#include <optional>
#include <string>

#include "apiserver/storage/keys.h"
#include "apiserver/storage/store.h"

namespace pk::storage {

class ObjectFilter {
 public:
  ObjectFilter(std::string prefix, LabelSelector labels, FieldSelector fields);

  const std::string& prefix() const { return prefix_; }
  bool InRange(std::string_view key) const { return KeyInRange(key, prefix_); }
  // Labels match metadata.labels; fields match apimachinery FieldValue, a path the type lacks
  // counting as "". Does not look at the key.
  bool Matches(const google::protobuf::Message& object) const;
  bool selects_everything() const { return everything_; }

  // `event` as this filter's watcher sees it, or nullopt when it does not see it at all:
  // selected before and after -> as is; only after -> ADDED; only before -> DELETED carrying
  // the previous (last selected) state with resourceVersion = the event's revision, as
  // Kubernetes' cacher does; neither -> nothing. Bookmarks and errors pass unchanged.
  std::optional<Event> Apply(const Event& event) const;

 private:
  // Constant after construction.
  std::string prefix_;
  LabelSelector labels_;
  FieldSelector fields_;
  bool everything_;  // both selectors empty
};

}  // namespace pk::storage
