// Indexed completion mode (pkg/controller/job/indexed_job_utils.go): each pod has a
// completion index in [0, completions) -- the batch.kubernetes.io/job-completion-index
// annotation and label, hostname "<job>-<index>", JOB_COMPLETION_INDEX in its containers --
// and the job completes when every index has a Succeeded pod. status.completedIndexes
// lists the succeeded ones as Kubernetes writes them ("0,1,3-5": a pair as two numbers).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "controller-manager/job/job_util.h"

namespace pk::controllers::job {

inline constexpr char kCompletionIndexKey[] = "batch.kubernetes.io/job-completion-index";

bool IsIndexed(const Job& job);
// The pod's completion index, or -1 when it has none or a malformed one.
int CompletionIndex(const Pod& pod);

// "1,3-5" as a set; entries at or beyond `completions`, and malformed ones, are dropped.
std::set<int> ParseIndexes(const std::string& text, int completions);
std::string FormatIndexes(const std::set<int>& indexes);

// The indexes of status.completedIndexes and those of the Succeeded pods.
std::set<int> SucceededIndexes(const Job& job, const std::vector<client::Ptr<Pod>>& pods);

// Active pods to remove whatever the parallelism: no valid index, an index at or beyond
// completions, or a second pod for the same index (the first Running one is kept).
std::vector<client::Ptr<Pod>> DuplicatedIndexPods(const std::vector<client::Ptr<Pod>>& active,
                                                  int completions);

// The lowest `count` indexes neither succeeded nor held by one of `holders` (firstPendingIndexes).
std::vector<int> PendingIndexes(const std::set<int>& succeeded,
                                const std::vector<client::Ptr<Pod>>& holders, int completions,
                                int count);

// Makes `pod` (from NewPodFromTemplate) the pod of `index`.
void SetCompletionIndex(const Job& job, int index, Pod* pod);

}  // namespace pk::controllers::job
