#include "apimachinery/log.h"

#include <unistd.h>

#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <ctime>

namespace pk {

std::string LogTimestamp(int64_t unix_micros) {
  const time_t seconds = static_cast<time_t>(unix_micros / 1000000);
  tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof text - n, ".%06lldZ ",
                static_cast<long long>(unix_micros % 1000000));
  return text;
}

void Logf(const char* format, ...) {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  std::string line =
      LogTimestamp(std::chrono::duration_cast<std::chrono::microseconds>(now).count());
  const size_t prefix = line.size();
  va_list args;
  va_start(args, format);
  va_list again;
  va_copy(again, args);
  const int size = std::vsnprintf(nullptr, 0, format, args);
  va_end(args);
  if (size > 0) {
    line.resize(prefix + static_cast<size_t>(size) + 1);  // vsnprintf writes the NUL too
    std::vsnprintf(line.data() + prefix, static_cast<size_t>(size) + 1, format, again);
    line.resize(prefix + static_cast<size_t>(size));
  }
  va_end(again);
  if (line.back() != '\n') line.push_back('\n');
  for (size_t done = 0; done < line.size();) {
    ssize_t n = ::write(STDERR_FILENO, line.data() + done, line.size() - done);
    if (n <= 0) break;  // nowhere to report a failing stderr
    done += static_cast<size_t>(n);
  }
}

}  // namespace pk
