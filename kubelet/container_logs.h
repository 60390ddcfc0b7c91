// Reading a container's log as `kubectl logs` wants it: the CRI log files the runtime writes
// (`TIMESTAMP STREAM P|F CONTENT`, one per line; P = a partial line continued by the next
// entry) turned back into the container's output, with Kubernetes' options (tailLines,
// sinceSeconds, timestamps, limitBytes).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pk::kubelet {

struct LogOptions {
  std::optional<int64_t> tail_lines;     // the last N lines only
  std::optional<int64_t> since_seconds;  // entries at most this old (relative to `now_ns`)
  std::optional<int64_t> limit_bytes;    // stop after this many bytes
  bool timestamps = false;               // each line prefixed with its RFC 3339 time
  int64_t now_ns = 0;
};

// One entry of a CRI log file; false when the line is not in the format.
struct LogEntry {
  int64_t time_ns = 0;
  std::string timestamp;  // as written
  std::string stream;     // stdout, stderr
  bool partial = false;
  std::string content;
};
bool ParseLogLine(std::string_view line, LogEntry* out);

// The output of `entries` (complete lines of a CRI log file) under `options`.
std::string RenderLogs(const std::vector<std::string>& lines, const LogOptions& options);

// The log files of container `name` in pod log directory `dir`: DIR/NAME/ATTEMPT.log by
// attempt, newest last.
std::vector<std::string> ContainerLogFiles(const std::string& dir, const std::string& name);

}  // namespace pk::kubelet
