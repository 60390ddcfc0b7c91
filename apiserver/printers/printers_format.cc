// Formatting helpers shared by the printers, ported from printers.go and the apimachinery
// functions it calls.
#include <algorithm>
#include <limits>

#include "apimachinery/quantity.h"
#include "apimachinery/selectors.h"
#include "apiserver/printers/printers_internal.h"

namespace pk::printers {

namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;
// Go's zero time.Time, 0001-01-01T00:00:00Z, in Unix seconds.
constexpr int64_t kGoZeroUnixSeconds = -62135596800;

// time.Since(t) in nanoseconds, saturating as Go's Time.Sub does.
int64_t NanosSince(int64_t seconds, int32_t nanos, int64_t now_unix) {
  constexpr int64_t kMaxSeconds = std::numeric_limits<int64_t>::max() / kNanosPerSecond - 1;
  const int64_t diff = now_unix - seconds;
  if (diff > kMaxSeconds) return std::numeric_limits<int64_t>::max();
  if (diff < -kMaxSeconds) return std::numeric_limits<int64_t>::min();
  return diff * kNanosPerSecond - nanos;
}

}  // namespace

bool IsZeroTime(int64_t seconds, int32_t nanos) {
  return (seconds == 0 && nanos == 0) || (seconds == kGoZeroUnixSeconds && nanos == 0);
}

std::string TimestampSince(const k8s::meta::v1::Time& t, int64_t now_unix) {
  if (IsZero(t)) return "<unknown>";
  return HumanDurationNanos(NanosSince(t.seconds(), t.nanos(), now_unix));
}

std::string TimestampSince(const k8s::meta::v1::MicroTime& t, int64_t now_unix) {
  if (IsZero(t)) return "<unknown>";
  return HumanDurationNanos(NanosSince(t.seconds(), t.nanos(), now_unix));
}

std::string Age(const k8s::meta::v1::ObjectMeta& meta, int64_t now_unix) {
  return TimestampSince(meta.creation_timestamp(), now_unix);
}

std::string FormatLabels(const google::protobuf::Map<std::string, std::string>& labels) {
  std::vector<std::string> pairs;
  pairs.reserve(labels.size());
  for (const auto& [key, value] : labels) pairs.push_back(key + "=" + value);
  std::sort(pairs.begin(), pairs.end());  // labels.Set.String() sorts; keys are unique
  std::string out = Join(pairs, ",");
  return out.empty() ? "<none>" : out;
}

std::string FormatLabelSelector(const k8s::meta::v1::LabelSelector* selector) {
  if (selector == nullptr) return "<none>";  // labels.Nothing().String() is ""
  Result<LabelSelector> parsed = LabelSelector::FromProto(*selector);
  if (!parsed.ok()) return "<error>";
  std::string out = parsed->String();
  return out.empty() ? "<none>" : out;
}

std::string LabelSelectorString(const k8s::meta::v1::LabelSelector* selector) {
  if (selector == nullptr) return "";
  Result<LabelSelector> parsed = LabelSelector::FromProto(*selector);
  if (!parsed.ok()) return "<invalid>";
  return parsed->String();
}

std::pair<std::string, std::string> ContainerCells(
    const google::protobuf::RepeatedPtrField<k8s::core::v1::Container>& containers) {
  std::vector<std::string> names;
  std::vector<std::string> images;
  for (const k8s::core::v1::Container& c : containers) {
    names.push_back(c.name());
    images.push_back(c.image());
  }
  return {Join(names, ","), Join(images, ",")};
}

std::string QuantityString(const k8s::resource::Quantity* quantity) {
  if (quantity == nullptr || quantity->string().empty()) return "0";
  Result<Quantity> parsed = Quantity::Parse(quantity->string());
  // Stored quantities were validated on the way in; print anything else as it is.
  return parsed.ok() ? parsed->ToString() : quantity->string();
}

std::string QuantityAt(const google::protobuf::Map<std::string, k8s::resource::Quantity>& map,
                       const std::string& key) {
  auto it = map.find(key);
  return QuantityString(it == map.end() ? nullptr : &it->second);
}

std::string Join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

}  // namespace pk::printers
