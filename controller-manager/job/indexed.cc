#include "controller-manager/job/indexed.h"

#include <charconv>
#include <map>

namespace pk::controllers::job {
namespace {

// A non-negative decimal, or -1.
int ParseIndex(std::string_view text) {
  int value = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return -1;
  return value;
}

// addCompletionIndexEnvVariables: JOB_COMPLETION_INDEX from the annotation, unless set.
void AddIndexEnv(google::protobuf::RepeatedPtrField<k8s::core::v1::Container>* containers) {
  for (auto& c : *containers) {
    bool present = false;
    for (const auto& e : c.env()) present = present || e.name() == "JOB_COMPLETION_INDEX";
    if (present) continue;
    auto* env = c.add_env();
    env->set_name("JOB_COMPLETION_INDEX");
    env->mutable_value_from()->mutable_field_ref()->set_field_path(
        std::string("metadata.annotations['") + kCompletionIndexKey + "']");
  }
}

}  // namespace

bool IsIndexed(const Job& job) { return job.spec().completion_mode() == "Indexed"; }

int CompletionIndex(const Pod& pod) {
  const auto& annotations = pod.metadata().annotations();
  auto it = annotations.find(kCompletionIndexKey);
  return it == annotations.end() ? -1 : ParseIndex(it->second);
}

std::set<int> ParseIndexes(const std::string& text, int completions) {
  std::set<int> out;
  std::string_view rest = text;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    auto dash = item.find('-');
    int first = ParseIndex(item.substr(0, dash));
    int last = dash == std::string_view::npos ? first : ParseIndex(item.substr(dash + 1));
    if (first < 0 || last < first) continue;
    for (int i = first; i <= last && i < completions; ++i) out.insert(i);
  }
  return out;
}

std::string FormatIndexes(const std::set<int>& indexes) {
  std::string out;
  for (auto it = indexes.begin(); it != indexes.end();) {
    int first = *it, last = first;
    for (++it; it != indexes.end() && *it == last + 1; ++it) last = *it;
    if (!out.empty()) out += ',';
    out += std::to_string(first);
    if (last > first) out += (last == first + 1 ? "," : "-") + std::to_string(last);
  }
  return out;
}

std::set<int> SucceededIndexes(const Job& job, const std::vector<client::Ptr<Pod>>& pods) {
  int completions = job.spec().completions();
  std::set<int> out = ParseIndexes(job.status().completed_indexes(), completions);
  for (const auto& pod : pods) {
    int index = CompletionIndex(*pod);
    if (pod->status().phase() == "Succeeded" && index >= 0 && index < completions) {
      out.insert(index);
    }
  }
  return out;
}

std::vector<client::Ptr<Pod>> DuplicatedIndexPods(const std::vector<client::Ptr<Pod>>& active,
                                                  int completions) {
  std::vector<client::Ptr<Pod>> out;
  std::map<int, std::vector<client::Ptr<Pod>>> by_index;
  for (const auto& pod : active) {
    int index = CompletionIndex(*pod);
    if (index < 0 || index >= completions) {
      out.push_back(pod);
    } else {
      by_index[index].push_back(pod);
    }
  }
  for (auto& [index, pods] : by_index) {
    size_t keep = 0;
    for (size_t i = 0; i < pods.size(); ++i) {
      if (pods[i]->status().phase() == "Running") {
        keep = i;
        break;
      }
    }
    for (size_t i = 0; i < pods.size(); ++i) {
      if (i != keep) out.push_back(pods[i]);
    }
  }
  return out;
}

std::vector<int> PendingIndexes(const std::set<int>& succeeded,
                                const std::vector<client::Ptr<Pod>>& holders, int completions,
                                int count) {
  std::set<int> taken = succeeded;
  for (const auto& pod : holders) taken.insert(CompletionIndex(*pod));
  std::vector<int> out;
  for (int i = 0; i < completions && static_cast<int>(out.size()) < count; ++i) {
    if (!taken.count(i)) out.push_back(i);
  }
  return out;
}

void SetCompletionIndex(const Job& job, int index, Pod* pod) {
  std::string value = std::to_string(index);
  auto* meta = pod->mutable_metadata();
  (*meta->mutable_annotations())[kCompletionIndexKey] = value;
  (*meta->mutable_labels())[kCompletionIndexKey] = value;
  meta->set_generate_name(job.metadata().name() + "-" + value + "-");
  pod->mutable_spec()->set_hostname(job.metadata().name() + "-" + value);
  AddIndexEnv(pod->mutable_spec()->mutable_init_containers());
  AddIndexEnv(pod->mutable_spec()->mutable_containers());
}

}  // namespace pk::controllers::job
