// A component's main and its stop signals: SIGINT and SIGTERM are blocked when this is made
// (before any thread starts, so that no thread gets them), and Wait() returns the one that
// came. Every process (apiserver, fake-cri, kubelet, ...) stops this way.
#pragma once

#include <pthread.h>
#include <signal.h>

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

 private:
  sigset_t set_;
};

}  // namespace pk
