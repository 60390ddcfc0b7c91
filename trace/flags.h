// The flags every component of the pod flow shares (header-only: the mains link CLI11):
//   --trace          send pod-flow trace spans to the apiserver (trace/install.h)
//   --slow-motion S  each hop of a pod's flow waits S seconds (apimachinery/slow_motion.h)
//   pk::trace::FlowFlags flow;
//   flow.Add(app);             // before CLI11_PARSE
//   flow.Apply();              // after it: sets slow motion
//   pk::trace::GlobalRecorder recorder(target, "kubelet", token, flow.trace);  // after StopSignals
#pragma once

#include <CLI/CLI.hpp>

#include "apimachinery/slow_motion.h"

namespace pk::trace {

struct FlowFlags {
  bool trace = true;
  double slow_motion = 0;

  void Add(CLI::App& app, bool with_trace = true) {
    if (with_trace) {
      app.add_option("--trace", trace, "Send pod-flow trace spans to the apiserver")
          ->capture_default_str();
    }
    app.add_option("--slow-motion", slow_motion,
                   "Seconds each hop of a pod's flow waits, for teaching (0: off)");
  }
  void Apply() const { slowmotion::Set(slow_motion); }
};

}  // namespace pk::trace
