#include "kubelet/container_logs.h"

#include <algorithm>
#include <filesystem>

#include "apimachinery/time.h"

namespace pk::kubelet {

bool ParseLogLine(std::string_view line, LogEntry* out) {
  auto first = line.find(' ');
  if (first == std::string_view::npos) return false;
  auto second = line.find(' ', first + 1);
  if (second == std::string_view::npos) return false;
  auto third = line.find(' ', second + 1);
  std::string_view tag = line.substr(
      second + 1, third == std::string_view::npos ? std::string_view::npos : third - second - 1);
  if (tag != "P" && tag != "F") return false;
  auto time = ParseRfc3339(line.substr(0, first));
  if (!time.ok()) return false;
  out->timestamp = std::string(line.substr(0, first));
  out->time_ns = time->seconds * 1'000'000'000 + time->nanos;
  out->stream = std::string(line.substr(first + 1, second - first - 1));
  out->partial = tag == "P";
  out->content = third == std::string_view::npos ? "" : std::string(line.substr(third + 1));
  return true;
}

std::string RenderLogs(const std::vector<std::string>& lines, const LogOptions& options) {
  // Whole output lines first (partial entries joined), each with its first entry's time.
  std::vector<std::pair<LogEntry, std::string>> out_lines;
  std::string pending;
  LogEntry pending_entry;
  for (const auto& line : lines) {
    LogEntry e;
    if (!ParseLogLine(line, &e)) continue;
    if (pending.empty()) pending_entry = e;
    pending += e.content;
    if (e.partial) continue;
    out_lines.emplace_back(pending_entry, pending + "\n");
    pending.clear();
  }
  if (options.since_seconds) {
    int64_t from = options.now_ns - *options.since_seconds * 1'000'000'000;
    std::erase_if(out_lines, [&](const auto& l) { return l.first.time_ns < from; });
  }
  size_t start = 0;
  if (options.tail_lines && *options.tail_lines >= 0 &&
      out_lines.size() > size_t(*options.tail_lines)) {
    start = out_lines.size() - size_t(*options.tail_lines);
  }
  std::string out;
  for (size_t i = start; i < out_lines.size(); ++i) {
    if (options.timestamps) out += out_lines[i].first.timestamp + " ";
    out += out_lines[i].second;
  }
  if (options.limit_bytes && *options.limit_bytes >= 0 &&
      out.size() > size_t(*options.limit_bytes)) {
    out.resize(size_t(*options.limit_bytes));
  }
  return out;
}

std::vector<std::string> ContainerLogFiles(const std::string& dir, const std::string& name) {
  std::vector<std::pair<long, std::string>> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir + "/" + name, error)) {
    const auto& path = entry.path();
    if (path.extension() != ".log") continue;
    char* end = nullptr;
    std::string stem = path.stem().string();
    long attempt = std::strtol(stem.c_str(), &end, 10);
    if (end == stem.c_str() || *end != '\0') continue;
    files.emplace_back(attempt, path.string());
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> out;
  for (auto& f : files) out.push_back(std::move(f.second));
  return out;
}

}  // namespace pk::kubelet
