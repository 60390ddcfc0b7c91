#include "apimachinery/process_tuning.h"

#include <absl/synchronization/mutex.h>
#include <malloc.h>

namespace pk {

void TuneProcess() {
  // Debian builds Abseil with Mutex deadlock detection on: every lock gRPC takes walks a
  // lock-order graph (GraphCycles), 2-4 % of a gRPC client's CPU in the scale benchmark's
  // profiles. Nothing here relies on it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // glibc gives freed heap tops back to the kernel past 128 KiB and maps large blocks
  // separately; under a steady request load that is a stream of page faults and heap
  // growths, dear on a VM. Keep up to 64 MiB of free heap per arena, grow it in 4 MiB
  // steps, and serve blocks below 4 MiB from the heap.
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  mallopt(M_TOP_PAD, 4 << 20);
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
}

}  // namespace pk
