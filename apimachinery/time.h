// Time as Kubernetes writes it: RFC 3339 (metav1.Time, MicroTime) and Go durations.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "apimachinery/status.h"
#include "proto/meta/v1/time.pb.h"

namespace pk {

struct Timestamp {
  int64_t seconds = 0;  // since the Unix epoch, UTC
  int32_t nanos = 0;
};

// "2026-01-02T03:04:05Z" (fraction dropped, as metav1.Time does).
std::string FormatRfc3339(int64_t seconds);
// "2026-01-02T03:04:05.123456Z" (metav1.MicroTime).
std::string FormatRfc3339Micro(Timestamp t);
// "Sun, 06 Dec 2026 13:02:58 GMT": HTTP's Date (RFC 9110 IMF-fixdate), English whatever the
// locale.
std::string FormatHttpDate(int64_t seconds);
// Accepts RFC 3339 with or without a fraction and with "Z" or a "+hh:mm" offset; BadRequest
// in Go's wording otherwise.
Result<Timestamp> ParseRfc3339(std::string_view text);

// Go's time.Duration.String(): "1h2m3s", "1.5s", "250ms", "0s".
std::string FormatGoDuration(int64_t nanos);
Result<int64_t> ParseGoDuration(std::string_view text);

// The wall clock now.
Timestamp NowTimestamp();
k8s::meta::v1::Time NowTime();            // to the second, as the apiserver stores it
k8s::meta::v1::MicroTime NowMicroTime();  // to the microsecond

}  // namespace pk
