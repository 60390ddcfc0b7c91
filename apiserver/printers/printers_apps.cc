// Workloads: Deployments, ReplicaSets, DaemonSets, StatefulSets, ControllerRevisions (apps/v1)
// and Jobs (batch/v1), as printers.go prints them.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "apiserver/printers/printers_internal.h"
#include "proto/apps/v1/apps.pb.h"
#include "proto/batch/v1/batch.pb.h"

namespace pk::printers {

namespace {

using k8s::apps::v1::ControllerRevision;
using k8s::apps::v1::DaemonSet;
using k8s::apps::v1::Deployment;
using k8s::apps::v1::ReplicaSet;
using k8s::apps::v1::StatefulSet;
using k8s::batch::v1::Job;

// spec.replicas as the stored object has it: v1 defaulting turns an unset one into 1.
template <class Spec>
int64_t DesiredReplicas(const Spec& spec) {
  return spec.has_replicas() ? spec.replicas() : 1;
}

// Appends the wide Containers and Images cells of a pod template.
void AddContainerCells(const k8s::core::v1::PodTemplateSpec& tmpl, Row* row) {
  auto [names, images] = ContainerCells(tmpl.spec().containers());
  row->push_back(names);
  row->push_back(images);
}

const k8s::meta::v1::LabelSelector* SelectorOf(bool has, const k8s::meta::v1::LabelSelector& s) {
  return has ? &s : nullptr;
}

Row DeploymentRow(const Deployment& d, int64_t now) {
  const auto& status = d.status();
  Row row{d.metadata().name(),
          fmt::format("{}/{}", status.ready_replicas(), DesiredReplicas(d.spec())),
          static_cast<int64_t>(status.updated_replicas()),
          static_cast<int64_t>(status.available_replicas()), Age(d.metadata(), now)};
  AddContainerCells(d.spec().template_(), &row);
  row.push_back(LabelSelectorString(SelectorOf(d.spec().has_selector(), d.spec().selector())));
  return row;
}

Row ReplicaSetRow(const ReplicaSet& rs, int64_t now) {
  const auto& status = rs.status();
  Row row{rs.metadata().name(), DesiredReplicas(rs.spec()), static_cast<int64_t>(status.replicas()),
          static_cast<int64_t>(status.ready_replicas()), Age(rs.metadata(), now)};
  AddContainerCells(rs.spec().template_(), &row);
  row.push_back(FormatLabelSelector(SelectorOf(rs.spec().has_selector(), rs.spec().selector())));
  return row;
}

Row DaemonSetRow(const DaemonSet& ds, int64_t now) {
  const auto& status = ds.status();
  Row row{ds.metadata().name(),
          static_cast<int64_t>(status.desired_number_scheduled()),
          static_cast<int64_t>(status.current_number_scheduled()),
          static_cast<int64_t>(status.number_ready()),
          static_cast<int64_t>(status.updated_number_scheduled()),
          static_cast<int64_t>(status.number_available()),
          FormatLabels(ds.spec().template_().spec().node_selector()),
          Age(ds.metadata(), now)};
  AddContainerCells(ds.spec().template_(), &row);
  row.push_back(FormatLabelSelector(SelectorOf(ds.spec().has_selector(), ds.spec().selector())));
  return row;
}

Row StatefulSetRow(const StatefulSet& sts, int64_t now) {
  Row row{sts.metadata().name(),
          fmt::format("{}/{}", sts.status().ready_replicas(), DesiredReplicas(sts.spec())),
          Age(sts.metadata(), now)};
  AddContainerCells(sts.spec().template_(), &row);
  return row;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The controller ownerReference as "daemonset.apps/name" (formatResourceName with its kind),
// "<none>" without one.
std::string ControllerName(const ControllerRevision& rev) {
  for (const auto& ref : rev.metadata().owner_references()) {
    if (!ref.has_controller() || !ref.controller()) continue;
    const std::string& api_version = ref.api_version();
    const size_t slash = api_version.find('/');
    const std::string group = slash == std::string::npos ? "" : api_version.substr(0, slash);
    if (group.empty() && ref.kind().empty()) return ref.name();
    const std::string kind = group.empty() ? ref.kind() : ref.kind() + "." + group;
    return Lower(kind) + "/" + ref.name();
  }
  return "<none>";
}

Row ControllerRevisionRow(const ControllerRevision& rev, int64_t now) {
  return {rev.metadata().name(), ControllerName(rev), rev.revision(), Age(rev.metadata(), now)};
}

// hasJobCondition: the first condition of the type decides.
bool HasJobCondition(const Job& job, const std::string& type) {
  for (const auto& c : job.status().conditions()) {
    if (c.type() == type) return c.status() == "True";
  }
  return false;
}

std::string JobStatus(const Job& job) {
  if (HasJobCondition(job, "Complete")) return "Complete";
  if (HasJobCondition(job, "Failed")) return "Failed";
  if (job.metadata().has_deletion_timestamp()) return "Terminating";
  if (HasJobCondition(job, "Suspended")) return "Suspended";
  if (HasJobCondition(job, "FailureTarget")) return "FailureTarget";
  return "Running";
}

// "2/3", or without completions "1/1" ("1/1 of 4" when more than one pod runs in parallel).
std::string JobCompletions(const Job& job) {
  const int32_t succeeded = job.status().succeeded();
  if (job.spec().has_completions())
    return fmt::format("{}/{}", succeeded, job.spec().completions());
  const int32_t parallelism = job.spec().has_parallelism() ? job.spec().parallelism() : 0;
  if (parallelism > 1) return fmt::format("{}/1 of {}", succeeded, parallelism);
  return fmt::format("{}/1", succeeded);
}

// Running time so far, or start to completion; "" before the job starts.
std::string JobDuration(const Job& job, int64_t now) {
  const auto& status = job.status();
  if (!status.has_start_time()) return "";
  const auto& start = status.start_time();
  if (!status.has_completion_time()) return TimestampSince(start, now);
  const auto& done = status.completion_time();
  const int64_t nanos =
      (done.seconds() - start.seconds()) * 1'000'000'000 + (done.nanos() - start.nanos());
  return HumanDurationNanos(nanos);
}

Row JobRow(const Job& job, int64_t now) {
  Row row{job.metadata().name(), JobStatus(job), JobCompletions(job), JobDuration(job, now),
          Age(job.metadata(), now)};
  AddContainerCells(job.spec().template_(), &row);
  row.push_back(FormatLabelSelector(SelectorOf(job.spec().has_selector(), job.spec().selector())));
  return row;
}

}  // namespace

void AddAppsPrinters(PrinterMap* map) {
  AddPrinter<Deployment>(map, DeploymentColumns(), DeploymentRow);
  AddPrinter<ReplicaSet>(map, ReplicaSetColumns(), ReplicaSetRow);
  AddPrinter<DaemonSet>(map, DaemonSetColumns(), DaemonSetRow);
  AddPrinter<StatefulSet>(map, StatefulSetColumns(), StatefulSetRow);
  AddPrinter<ControllerRevision>(map, ControllerRevisionColumns(), ControllerRevisionRow);
  AddPrinter<Job>(map, JobColumns(), JobRow);
}

}  // namespace pk::printers
