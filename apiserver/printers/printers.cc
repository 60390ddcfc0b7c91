#include "apiserver/printers/printers.h"

#include <fmt/format.h>

#include "apimachinery/object.h"
#include "apimachinery/time.h"
#include "apiserver/printers/printers_internal.h"

namespace pk::printers {

const char* const kNameDescription =
    "Name must be unique within a namespace. Is required when creating resources, although "
    "some resources may allow a client to request the generation of an appropriate name "
    "automatically. Name is primarily intended for creation idempotence and configuration "
    "definition. Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

const char* const kCreationTimestampDescription =
    "CreationTimestamp is a timestamp representing the server time when this object was "
    "created. It is not guaranteed to be set in happens-before order across separate "
    "operations. Clients may not set this value. It is represented in RFC3339 form and is in "
    "UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/"
    "api-conventions.md#metadata";

const char* const kContainersDescription = "Names of each container in the template.";
const char* const kImagesDescription = "Images referenced by each container in the template.";

Column NameColumn() { return {"Name", "string", "name", kNameDescription, 0}; }
Column AgeColumn() { return {"Age", "string", "", kCreationTimestampDescription, 0}; }

namespace {

// Go's time.Time{}.UTC().Format(time.RFC3339), what the default table shows for an object
// without a creationTimestamp.
constexpr const char* kGoZeroTimeRfc3339 = "0001-01-01T00:00:00Z";

// rest.defaultTableConvertor (k8s.io/apiserver/pkg/registry/rest/table.go): what every
// resource without a printer in printers.go gets, built-in ones included (roles,
// clusterroles, limitranges...).
class DefaultPrinter : public Printer {
 public:
  DefaultPrinter()
      : columns_{NameColumn(), {"Created At", "date", "", kCreationTimestampDescription, 0}} {}

  const std::vector<Column>& Columns() const override { return columns_; }

  Row Cells(const google::protobuf::Message& object, int64_t) const override {
    const k8s::meta::v1::ObjectMeta* meta = GetObjectMeta(object);
    if (meta == nullptr) return {"", kGoZeroTimeRfc3339};
    const k8s::meta::v1::Time& created = meta->creation_timestamp();
    std::string at = IsZero(created) ? kGoZeroTimeRfc3339 : FormatRfc3339(created.seconds());
    return {meta->name(), at};
  }

 private:
  const std::vector<Column> columns_;
};

const PrinterMap& Printers() {
  static const PrinterMap* map = [] {
    auto* m = new PrinterMap();
    AddPodPrinters(m);
    AddCorePrinters(m);
    AddConfigPrinters(m);
    AddServicePrinters(m);
    AddAppsPrinters(m);
    AddClusterPrinters(m);
    return m;
  }();
  return *map;
}

}  // namespace

const Printer& PrinterFor(const ResourceType& type) {
  static const Printer* fallback = new DefaultPrinter();
  if (type.prototype == nullptr) return *fallback;
  const PrinterMap& map = Printers();
  auto it = map.find(type.prototype->GetDescriptor()->full_name());
  return it == map.end() ? *fallback : *it->second;
}

std::string HumanDuration(int64_t seconds) { return HumanDurationNanos(seconds * 1'000'000'000); }

// k8s.io/apimachinery/pkg/util/duration.HumanDuration, branch for branch.
std::string HumanDurationNanos(int64_t nanos) {
  const int64_t seconds = nanos / 1'000'000'000;  // truncates toward zero, as int(d.Seconds())
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return fmt::format("{}s", seconds);
  const int64_t minutes = seconds / 60;
  if (minutes < 10) {
    const int64_t s = seconds % 60;
    return s == 0 ? fmt::format("{}m", minutes) : fmt::format("{}m{}s", minutes, s);
  }
  if (minutes < 60 * 3) return fmt::format("{}m", minutes);
  const int64_t hours = minutes / 60;
  if (hours < 8) {
    const int64_t m = minutes % 60;
    return m == 0 ? fmt::format("{}h", hours) : fmt::format("{}h{}m", hours, m);
  }
  if (hours < 48) return fmt::format("{}h", hours);
  if (hours < 24 * 8) {
    const int64_t h = hours % 24;
    return h == 0 ? fmt::format("{}d", hours / 24) : fmt::format("{}d{}h", hours / 24, h);
  }
  if (hours < 24 * 365 * 2) return fmt::format("{}d", hours / 24);
  if (hours < 24 * 365 * 8) {
    const int64_t dy = (hours / 24) % 365;
    return dy == 0 ? fmt::format("{}y", hours / 24 / 365)
                   : fmt::format("{}y{}d", hours / 24 / 365, dy);
  }
  return fmt::format("{}y", hours / 24 / 365);
}

}  // namespace pk::printers
