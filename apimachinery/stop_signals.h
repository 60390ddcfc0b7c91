// A component's main and its stop signals: SIGINT and SIGTERM are blocked when this is made
// (before any thread starts, so that no thread gets them), and Wait() returns the one that
// came. Every process (apiserver, fake-cri, kubelet, ...) stops this way.
#pragma once

#include <pthread.h>
#include <signal.h>
#include <time.h>

#include <chrono>

namespace pk {

class StopSignals {
 public:
  StopSignals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
  }
  int Wait() {
    int signal = 0;
    sigwait(&set_, &signal);
    return signal;
  }
  // The signal that came within `timeout`, or 0 (for mains that also watch something else).
  int WaitFor(std::chrono::milliseconds timeout) {
    timespec ts{static_cast<time_t>(timeout.count() / 1000),
                static_cast<long>(timeout.count() % 1000) * 1000000L};
    int signal = sigtimedwait(&set_, nullptr, &ts);
    return signal > 0 ? signal : 0;
  }

 private:
  sigset_t set_;
};

}  // namespace pk
