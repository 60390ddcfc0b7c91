// Shared pieces of the printers: the typed-printer adapter, the registry the group files fill,
// and the formatting helpers of Kubernetes' printers.go (translateTimestampSince,
// labels.FormatLabels, metav1.FormatLabelSelector, layoutContainerCells).
#pragma once

#include <google/protobuf/map.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "apiserver/printers/printers.h"
#include "proto/core/v1/container.pb.h"
#include "proto/meta/v1/meta.pb.h"
#include "proto/meta/v1/time.pb.h"
#include "proto/resource/quantity.pb.h"

namespace pk::printers {

// One row's cells.
using Row = std::vector<nlohmann::ordered_json>;

// metav1.ObjectMeta's swagger docs, which Kubernetes uses for every Name and Age column.
extern const char* const kNameDescription;
extern const char* const kCreationTimestampDescription;
// The two shared by every workload's wide columns.
extern const char* const kContainersDescription;
extern const char* const kImagesDescription;

Column NameColumn();
Column AgeColumn();

// A printer for one generated message type T. Cells are always computed as with
// GenerateOptions{Wide: true}: the apiserver sends every column and kubectl hides priority 1.
template <class T>
class TypedPrinter : public Printer {
 public:
  using CellsFn = std::function<Row(const T&, int64_t now_unix)>;
  TypedPrinter(std::vector<Column> columns, CellsFn fn)
      : columns_(std::move(columns)), fn_(std::move(fn)) {}

  const std::vector<Column>& Columns() const override { return columns_; }
  Row Cells(const google::protobuf::Message& object, int64_t now_unix) const override {
    if (const T* typed = dynamic_cast<const T*>(&object)) return fn_(*typed, now_unix);
    T copy;  // same descriptor, other class (a dynamic message): go through reflection
    copy.CopyFrom(object);
    return fn_(copy, now_unix);
  }

 private:
  const std::vector<Column> columns_;
  const CellsFn fn_;
};

// Printers by protobuf message full name ("k8s.core.v1.Pod"). Each group file adds its own.
using PrinterMap = std::map<std::string, std::unique_ptr<Printer>>;

template <class T>
void AddPrinter(PrinterMap* map, std::vector<Column> columns,
                typename TypedPrinter<T>::CellsFn fn) {
  (*map)[T::descriptor()->full_name()] =
      std::make_unique<TypedPrinter<T>>(std::move(columns), std::move(fn));
}

void AddPodPrinters(PrinterMap* map);
void AddCorePrinters(PrinterMap* map);
void AddConfigPrinters(PrinterMap* map);
void AddServicePrinters(PrinterMap* map);
void AddAppsPrinters(PrinterMap* map);
void AddClusterPrinters(PrinterMap* map);

// Column definitions of the workload printers (printers_apps_columns.cc).
std::vector<Column> DeploymentColumns();
std::vector<Column> ReplicaSetColumns();
std::vector<Column> DaemonSetColumns();
std::vector<Column> StatefulSetColumns();
std::vector<Column> ControllerRevisionColumns();
std::vector<Column> JobColumns();

// HumanDuration at nanosecond precision, as Go computes it from a time.Duration.
std::string HumanDurationNanos(int64_t nanos);

// Go's zero metav1.Time is what an unset (or null) time decodes to; the codec leaves such a
// field at 0/0. The Unix epoch itself is never a real Kubernetes timestamp.
bool IsZeroTime(int64_t seconds, int32_t nanos);
inline bool IsZero(const k8s::meta::v1::Time& t) { return IsZeroTime(t.seconds(), t.nanos()); }
inline bool IsZero(const k8s::meta::v1::MicroTime& t) { return IsZeroTime(t.seconds(), t.nanos()); }
// translateTimestampSince / translateMicroTimestampSince: "<unknown>" for a zero time.
std::string TimestampSince(const k8s::meta::v1::Time& t, int64_t now_unix);
std::string TimestampSince(const k8s::meta::v1::MicroTime& t, int64_t now_unix);
// The Age cell of any object.
std::string Age(const k8s::meta::v1::ObjectMeta& meta, int64_t now_unix);

// labels.FormatLabels: "a=b,c=d" sorted by key, "<none>" when empty.
std::string FormatLabels(const google::protobuf::Map<std::string, std::string>& labels);
// metav1.FormatLabelSelector: "<none>" for nil or empty, "<error>" for an invalid one.
std::string FormatLabelSelector(const k8s::meta::v1::LabelSelector* selector);
// metav1.LabelSelectorAsSelector(s).String(): "" for nil or empty, "<invalid>" on error
// (printDeployment's form).
std::string LabelSelectorString(const k8s::meta::v1::LabelSelector* selector);

// layoutContainerCells: names and images, comma-joined.
std::pair<std::string, std::string> ContainerCells(
    const google::protobuf::RepeatedPtrField<k8s::core::v1::Container>& containers);

// Quantity.String() of a quantity as stored (canonical form); "0" for an absent one.
std::string QuantityString(const k8s::resource::Quantity* quantity);
// The canonical string of map[key], "0" when the key is absent (Go's zero Quantity).
std::string QuantityAt(const google::protobuf::Map<std::string, k8s::resource::Quantity>& map,
                       const std::string& key);

// Go's strings.Join.
std::string Join(const std::vector<std::string>& parts, const std::string& sep);

}  // namespace pk::printers
