// Container lifecycle calls, and the admin calls that act on containers.
#include <fmt/format.h>

#include "fake-cri/runtime_impl.h"

namespace pk::fakecri {
namespace {

Status BadAnnotation(const char* key, const std::string& value, const char* want) {
  return Status::BadRequest(fmt::format("annotation {}: \"{}\" is not {}", key, value, want));
}

// Reads the scripting annotations into the record; Invalid names the bad one.
Status ReadAnnotations(const cri::ContainerConfig& config, ContainerRecord& c) {
  const auto& a = config.annotations();
  std::pair<const char*, std::optional<Nanos>*> durations[] = {
      {kExitAfter, &c.exit_after},
      {kOomAfter, &c.oom_after},
      {kReadyAfter, &c.ready_after},
      {kProbeFailAfter, &c.probe_fail_after}};
  for (auto [key, field] : durations) {
    auto it = a.find(key);
    if (it == a.end()) continue;
    Nanos d;
    if (!ParseDuration(it->second, d)) {
      return BadAnnotation(key, it->second, "a duration (\"5s\", \"500ms\", \"2m\" or seconds)");
    }
    *field = d;
  }
  if (auto it = a.find(kExitCode); it != a.end()) {
    int code = -1;
    try {
      size_t used = 0;
      code = std::stoi(it->second, &used);
      if (used != it->second.size()) code = -1;
    } catch (...) {
    }
    if (code < 0 || code > 255) return BadAnnotation(kExitCode, it->second, "a number 0-255");
    c.exit_code_override = code;
  }
  return Status::OK();
}

}  // namespace

Result<std::string> Runtime::CreateContainer(const std::string& sandbox_id,
                                             const cri::ContainerConfig& config) {
  Impl::Locked lock(*impl_);
  auto sandbox = impl_->sandboxes.find(sandbox_id);
  if (sandbox == impl_->sandboxes.end()) {
    return Status(Reason::kNotFound, "pod sandbox \"" + sandbox_id + "\" not found");
  }
  if (sandbox->second.status.state() != cri::SANDBOX_READY) {
    return Status(Reason::kConflict, "pod sandbox \"" + sandbox_id + "\" is not ready");
  }
  if (config.metadata().name().empty()) return Status::BadRequest("container name is empty");
  const std::string reserved =
      fmt::format("{}_{}_{}", config.metadata().name(), sandbox_id, config.metadata().attempt());
  for (const auto& [id, other] : impl_->containers) {
    if (other.sandbox_id == sandbox_id &&
        other.status.metadata().name() == config.metadata().name() &&
        other.status.metadata().attempt() == config.metadata().attempt()) {
      return Status(Reason::kAlreadyExists, "failed to reserve container name \"" + reserved +
                                                "\": name is reserved for \"" + id + "\"");
    }
  }
  const cri::Image* image = impl_->FindImage(config.image().image());
  if (image == nullptr) {
    return Status(Reason::kNotFound,
                  "image \"" + config.image().image() + "\" not found: pull it first");
  }
  ContainerRecord c;
  PK_RETURN_IF_ERROR(ReadAnnotations(config, c));
  Result<ImageRef> ref = ParseImageRef(image->spec().image());
  c.image = ref.ok() ? impl_->options.catalog.Find(*ref) : nullptr;
  std::string id = impl_->NextId("container");
  c.sandbox_id = sandbox_id;
  c.config = config;
  cri::ContainerStatus& s = c.status;
  s.set_id(id);
  *s.mutable_metadata() = config.metadata();
  s.set_state(cri::CONTAINER_CREATED);
  s.set_created_at(impl_->WallNanos());
  *s.mutable_image() = config.image();
  s.set_image_ref(image->id());
  *s.mutable_labels() = config.labels();
  *s.mutable_annotations() = config.annotations();
  impl_->containers_by_pod.Add(c.status.labels(), id);
  ContainerRecord& stored = impl_->containers[id] = std::move(c);
  stored.status.set_log_path(impl_->LogPath(stored));
  impl_->Publish(stored, cri::CONTAINER_CREATED_EVENT);
  return id;
}

Status Runtime::StartContainer(const std::string& id) {
  Impl::Locked lock(*impl_);
  ContainerRecord* c = impl_->FindContainer(id);
  if (c == nullptr) return Status(Reason::kNotFound, "container \"" + id + "\" not found");
  if (c->status.state() != cri::CONTAINER_CREATED) {
    return Status(Reason::kConflict, "container \"" + id + "\" is in state " +
                                         cri::ContainerState_Name(c->status.state()) +
                                         ", not CONTAINER_CREATED");
  }
  return impl_->Launch(*c);
}

void Runtime::StopContainer(const std::string& id, int64_t timeout_seconds,
                            std::function<void(Status)> done) {
  Impl::Locked lock(*impl_);
  ContainerRecord* c = impl_->FindContainer(id);
  if (c == nullptr) {
    Status missing(Reason::kNotFound, "container \"" + id + "\" not found");
    return impl_->Defer([done, missing] { done(missing); });
  }
  if (c->status.state() != cri::CONTAINER_RUNNING) {
    return impl_->Defer([done] { done(Status::OK()); });
  }
  c->stop_waiters.push_back(std::move(done));
  if (c->process.serve != nullptr && c->process.serve->exits_on_sigterm) {
    return impl_->Finish(*c, 0, "Completed");
  }
  if (c->stopping) return;
  c->stopping = true;  // SIGTERM is ignored (a shell as PID 1): SIGKILL at the timeout
  if (timeout_seconds <= 0) return impl_->Finish(*c, 137, "Error");
  impl_->AtContainer(impl_->After(std::chrono::seconds(timeout_seconds)), id,
                     [impl = impl_.get()](ContainerRecord& c) { impl->Finish(c, 137, "Error"); });
}

Status Runtime::RemoveContainer(const std::string& id) {
  Impl::Locked lock(*impl_);
  impl_->Remove(id);
  return Status::OK();
}

Result<cri::ContainerStatus> Runtime::ContainerStatus(const std::string& id) {
  Impl::Locked lock(*impl_);
  ContainerRecord* c = impl_->FindContainer(id);
  if (c == nullptr) return Status(Reason::kNotFound, "container \"" + id + "\" not found");
  return c->status;
}

Status Runtime::ReopenContainerLog(const std::string& id) {
  Impl::Locked lock(*impl_);
  ContainerRecord* c = impl_->FindContainer(id);
  if (c == nullptr) return Status(Reason::kNotFound, "container \"" + id + "\" not found");
  if (c->status.state() != cri::CONTAINER_RUNNING) {
    return Status(Reason::kConflict, "container is not running");
  }
  return Status::OK();  // every write opens the file anew: a rotated file is picked up
}

Result<std::string> Runtime::Kill(const std::string& container, int exit_code, bool oom) {
  Impl::Locked lock(*impl_);
  ContainerRecord* found = impl_->FindContainer(container);
  for (auto& [id, c] : impl_->containers) {
    if (found != nullptr) break;
    const auto& m = impl_->sandboxes[c.sandbox_id].status.metadata();
    if (c.status.state() == cri::CONTAINER_RUNNING &&
        (id.rfind(container, 0) == 0 ||
         m.namespace_() + "/" + m.name() + "/" + c.status.metadata().name() == container)) {
      found = &c;
    }
  }
  if (found == nullptr) {
    return Status(Reason::kNotFound, "no running container \"" + container + "\"");
  }
  if (found->status.state() != cri::CONTAINER_RUNNING) {
    return Status(Reason::kConflict, "container is not running");
  }
  impl_->Finish(*found, oom ? 137 : exit_code, oom ? "OOMKilled" : "");
  return found->status.id();
}

int Runtime::Reboot() {
  Impl::Locked lock(*impl_);
  Impl& impl = *impl_;
  Status lost(Reason::kServiceUnavailable, "fake-cri restarted (node reboot)");
  int count = static_cast<int>(impl.containers.size());
  ++impl.epoch;
  for (auto& [ref, pull] : impl.pulls) {
    for (auto& w : pull.waiters) impl.Defer([w, lost] { w(lost); });
  }
  for (auto& [id, c] : impl.containers) {
    for (auto& w : c.stop_waiters) impl.Defer([w, lost] { w(lost); });
  }
  for (auto& [id, e] : impl.execs) impl.Defer([done = e.done, lost] { done(lost); });
  impl.pulls.clear();
  impl.containers.clear();
  impl.containers_by_pod.Clear();
  impl.execs.clear();
  impl.sandboxes.clear();
  impl.sandboxes_by_pod.Clear();
  impl.used_ips.clear();
  std::erase_if(impl.images, [&](const auto& kv) {
    Result<ImageRef> ref = ParseImageRef(kv.first);
    const ImageInfo* info = ref.ok() ? impl.options.catalog.Find(*ref) : nullptr;
    return info == nullptr || !info->preloaded;
  });
  return count;
}

std::string Runtime::Dump() {
  Impl::Locked lock(*impl_);
  std::string out;
  for (const auto& [id, s] : impl_->sandboxes) {
    const auto& m = s.status.metadata();
    out += fmt::format("sandbox   {} {}/{} {} ip={}\n", id.substr(0, 13), m.namespace_(), m.name(),
                       cri::PodSandboxState_Name(s.status.state()), s.status.network().ip());
  }
  for (const auto& [id, c] : impl_->containers) {
    const auto& m = impl_->sandboxes[c.sandbox_id].status.metadata();
    const auto& s = c.status;
    out += fmt::format("container {} {}/{}/{} attempt={} {} exit={} {}\n", id.substr(0, 13),
                       m.namespace_(), m.name(), s.metadata().name(), s.metadata().attempt(),
                       cri::ContainerState_Name(s.state()), s.exit_code(), s.reason());
  }
  return out;
}

uint64_t Runtime::Subscribe(std::function<void(const cri::ContainerEventResponse&)> on_event) {
  Impl::Locked lock(*impl_);
  impl_->subscribers[++impl_->next_subscriber] = std::move(on_event);
  return impl_->next_subscriber;
}

void Runtime::Unsubscribe(uint64_t subscription) {
  Impl::Locked lock(*impl_);
  impl_->subscribers.erase(subscription);
}

}  // namespace pk::fakecri
