#include "trace/install.h"

namespace pk::trace {

GlobalRecorder::GlobalRecorder(std::shared_ptr<grpc::Channel> channel, std::string component,
                               std::string token, bool enabled) {
  if (!enabled || !channel) return;
  RecorderOptions options;
  options.component = std::move(component);
  options.bearer_token = std::move(token);
  recorder_ = std::make_unique<Recorder>(std::move(channel), std::move(options));
  SetGlobal(recorder_.get());
}

// A thread still finishing a step may hold Global() after the uninstall: the recorder is
// flushed and then left alive (the process is exiting) rather than destroyed under it.
GlobalRecorder::~GlobalRecorder() {
  if (!recorder_) return;
  SetGlobal(nullptr);
  recorder_->Flush();
  (void)recorder_.release();
}

}  // namespace pk::trace
