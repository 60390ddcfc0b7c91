#include "apimachinery/slow_motion.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "apimachinery/log.h"

namespace pk::slowmotion {
namespace {
std::atomic<double> seconds{0};
}  // namespace

void Set(double s) { seconds.store(s > 0 ? s : 0, std::memory_order_relaxed); }

double Seconds() { return seconds.load(std::memory_order_relaxed); }

void Pause(std::string_view hop) {
  const double s = Seconds();
  if (s <= 0) return;
  pk::Logf("slow motion: %.*s (%.1f s)\n", int(hop.size()), hop.data(), s);
  std::this_thread::sleep_for(std::chrono::duration<double>(s));
}

}  // namespace pk::slowmotion
