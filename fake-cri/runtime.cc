// Runtime: construction, the shared helpers, images and pulls.
#include <fmt/format.h>

#include "fake-cri/runtime_impl.h"

namespace pk::fakecri {

Runtime::Impl::Locked::~Locked() {
  std::vector<std::function<void()>> run;
  run.swap(impl_.deferred);
  lock_.unlock();
  for (auto& f : run) f();
}

int64_t Runtime::Impl::WallNanos() const {
  return std::chrono::duration_cast<Nanos>(options.clock->WallNow().time_since_epoch()).count();
}

Clock::TimePoint Runtime::Impl::After(Nanos simulated) const {
  double scaled = static_cast<double>(simulated.count()) * options.time_scale;
  return Now() + std::chrono::duration_cast<Clock::Duration>(
                     Nanos(static_cast<int64_t>(std::min(scaled, 1e18))));
}

std::string Runtime::Impl::NextId(const char* kind) {
  return HexDigest(
      fmt::format("{}/{}/{}/{}/{}", kind, options.seed, options.boot, epoch, next_id++));
}

void Runtime::Impl::AtContainer(Clock::TimePoint when, const std::string& id,
                                std::function<void(ContainerRecord&)> f) {
  ContainerRecord* c = FindContainer(id);
  if (c == nullptr) return;
  uint64_t generation = c->generation;
  timer.At(when, [this, id, generation, f = std::move(f)] {
    Locked lock(*this);
    ContainerRecord* c = FindContainer(id);
    if (c != nullptr && c->generation == generation) f(*c);
  });
}

ContainerRecord* Runtime::Impl::FindContainer(const std::string& id) {
  auto it = containers.find(id);
  return it == containers.end() ? nullptr : &it->second;
}

const cri::Image* Runtime::Impl::FindImage(const std::string& image) {
  for (const auto& [ref, img] : images) {
    if (img.id() == image || img.id() == "sha256:" + image) return &img;
  }
  Result<ImageRef> ref = ParseImageRef(image);
  if (!ref.ok()) return nullptr;
  auto it = images.find(ref->Canonical());
  return it == images.end() ? nullptr : &it->second;
}

namespace {

cri::Image MakeImage(const ImageRef& ref, const ImageInfo& info) {
  cri::Image image;
  image.set_id("sha256:" + HexDigest(ref.Canonical()));
  if (!ref.tag.empty()) image.add_repo_tags(ref.Canonical());
  std::string digest =
      ref.digest.empty() ? "sha256:" + HexDigest("digest:" + ref.Canonical()) : ref.digest;
  image.add_repo_digests(ref.repository + "@" + digest);
  image.set_size(info.size);
  image.mutable_spec()->set_image(ref.Canonical());
  return image;
}

}  // namespace

Runtime::Runtime(RuntimeOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  for (const ImageInfo& info : impl_->options.catalog.images()) {
    if (!info.preloaded) continue;
    ImageRef ref{info.repository, "latest", ""};
    impl_->images[ref.Canonical()] = MakeImage(ref, info);
  }
}

Runtime::~Runtime() = default;

void Runtime::PullImage(const cri::PullImageRequest& request,
                        std::function<void(Result<std::string>)> done) {
  Impl::Locked lock(*impl_);
  Result<ImageRef> ref = ParseImageRef(request.image().image());
  if (!ref.ok()) return impl_->Defer([done, s = ref.status()] { done(s); });
  const std::string canonical = ref->Canonical();
  const std::string prefix = "failed to pull and unpack image \"" + canonical + "\": ";
  auto fail = [&](Status status) { impl_->Defer([done, status] { done(status); }); };
  if (request.sandbox_config().annotations().count(kPullFail) &&
      request.sandbox_config().annotations().at(kPullFail) == "true") {
    return fail(
        Status(Reason::kUnknown, prefix +
                                     "failed to copy: httpReadSeeker: failed open: unexpected "
                                     "status code 500 Internal Server Error (" +
                                     kPullFail + ")"));
  }
  for (FailRule& rule : impl_->fail_rules) {
    if (rule.remaining > 0 && (rule.image.empty() || rule.image == canonical)) {
      --rule.remaining;
      return fail(Status(Reason::kUnknown,
                         prefix + "failed to copy: httpReadSeeker: failed open: unexpected "
                                  "status code 503 Service Unavailable (injected)"));
    }
  }
  const ImageInfo* info = impl_->options.catalog.Find(*ref);
  if (info == nullptr) {
    return fail(Status(Reason::kNotFound, prefix + "failed to resolve reference \"" + canonical +
                                              "\": " + canonical + ": not found"));
  }
  if (info->preloaded) impl_->images.emplace(canonical, MakeImage(*ref, *info));  // any tag
  if (auto it = impl_->images.find(canonical); it != impl_->images.end()) {
    return impl_->Defer([done, id = it->second.id()] { done(id); });
  }
  // Concurrent pulls of one image share the first one.
  PullRecord& pull = impl_->pulls[canonical];
  pull.waiters.push_back(std::move(done));
  if (pull.waiters.size() > 1) return;
  Impl* impl = impl_.get();
  uint64_t epoch = impl->epoch;
  impl->timer.At(impl->After(info->pull_time), [impl, epoch, ref = *ref, info, canonical] {
    Impl::Locked lock(*impl);
    if (impl->epoch != epoch) return;
    cri::Image image = MakeImage(ref, *info);
    impl->images[canonical] = image;
    auto waiters = std::move(impl->pulls[canonical].waiters);
    impl->pulls.erase(canonical);
    for (auto& w : waiters) impl->Defer([w, id = image.id()] { w(id); });
  });
}

std::vector<cri::Image> Runtime::ListImages() {
  Impl::Locked lock(*impl_);
  std::vector<cri::Image> out;
  for (const auto& [ref, image] : impl_->images) out.push_back(image);
  return out;
}

Result<std::optional<cri::Image>> Runtime::ImageStatus(const std::string& image) {
  Impl::Locked lock(*impl_);
  const cri::Image* found = impl_->FindImage(image);
  if (found != nullptr) return std::optional<cri::Image>(*found);
  if (image.rfind("sha256:", 0) != 0) {
    Result<ImageRef> ref = ParseImageRef(image);
    if (!ref.ok()) return ref.take_status();
  }
  return std::optional<cri::Image>();
}

Status Runtime::RemoveImage(const std::string& image) {
  Impl::Locked lock(*impl_);
  const cri::Image* found = impl_->FindImage(image);
  if (found == nullptr) return Status::OK();  // CRI: idempotent
  const std::string image_id = found->id();   // `found` dies with the erase below
  for (const auto& [id, c] : impl_->containers) {
    if (c.status.image_ref() == image_id) {
      return Status(Reason::kConflict, "image \"" + image + "\" is in use by container " + id);
    }
  }
  std::erase_if(impl_->images, [&](const auto& kv) { return kv.second.id() == image_id; });
  return Status::OK();
}

void Runtime::FailPulls(int count, const std::string& image) {
  Impl::Locked lock(*impl_);
  std::string canonical;
  if (!image.empty()) {
    Result<ImageRef> ref = ParseImageRef(image);
    canonical = ref.ok() ? ref->Canonical() : image;
  }
  impl_->fail_rules.push_back(FailRule{count, canonical});
}

}  // namespace pk::fakecri
