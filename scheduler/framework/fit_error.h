// The "0/N nodes are available: ..." message of a pod that fits no node (Kubernetes'
// framework.FitError.Error()): the FailedScheduling event's text, and preemption's message when
// no node can be made room on.
#pragma once

#include <string>

#include "scheduler/framework/plugin_status.h"

namespace pk::scheduler {

// "0/N nodes are available: <pre_filter_msg>. <histogram>. <post_filter_msg>" where the
// histogram is "<count> <reason>" over every reason of every status in `statuses`, sorted as
// strings and joined with ", ". With a PreFilter message the histogram is left out (the
// framework then gave every node that same status). The post-filter message is appended as is
// (it ends with its own period). Nodes absent from `statuses` add nothing: callers put every
// node they want counted into the map.
std::string FitErrorMessage(int num_all_nodes, const NodeToStatus& statuses,
                            const std::string& pre_filter_msg = "",
                            const std::string& post_filter_msg = "");

}  // namespace pk::scheduler
