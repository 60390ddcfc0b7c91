// A component's log line. Each component writes its log to stderr, which the launcher appends
// to DIR/logs/COMPONENT.log; every line starts with the time (UTC, to the microsecond), so that
// the logs of several components, and gRPC's own trace lines among them, read as one timeline:
// when the apiserver came back, when a controller's sync last failed, each hop of a pod in
// slow motion.
//
//   pk::Logf("kubelet: sync of pod %s failed: %s", key.c_str(), message.c_str());
//   2026-12-06T15:26:33.223446Z kubelet: sync of pod default/web-1 failed: ...
//
// Command-line errors a process prints before it starts ("Error: ...") are not log lines and
// keep their plain form.
#pragma once

#include <cstdint>
#include <string>

namespace pk {

// printf-style. Adds the newline when `format`'s text lacks one. One write(2) per line, so
// the lines of concurrent threads never interleave.
void Logf(const char* format, ...) __attribute__((format(printf, 1, 2)));

// The prefix of a line logged at `unix_micros` (microseconds since the epoch):
// "2026-12-06T15:26:33.223446Z ".
std::string LogTimestamp(int64_t unix_micros);

}  // namespace pk
