// get, list and watch.
#include <fmt/format.h>

#include <mutex>
#include <random>

#include "apiserver/endpoints/encode.h"
#include "apiserver/endpoints/handlers.h"

namespace pk::apiserver::handlers {
namespace {

Result<int64_t> ParseResourceVersion(const std::string& text) {
  if (text.empty()) return int64_t{0};
  try {
    size_t used = 0;
    int64_t rv = std::stoll(text, &used);
    if (used == text.size() && rv >= 0) return rv;
  } catch (...) {
  }
  return Status::BadRequest(fmt::format("invalid resource version \"{}\"", text));
}

Result<int64_t> ParseInt(const Request& request, const char* name) {
  auto text = request.Query(name);
  if (!text || text->empty()) return int64_t{0};
  try {
    size_t used = 0;
    int64_t v = std::stoll(*text, &used);
    if (used == text->size()) return v;
  } catch (...) {
  }
  return Status::BadRequest(fmt::format("invalid value for {}: \"{}\"", name, *text));
}

// The selectors of a list or watch.
Status ParseSelectors(const Request& request, LabelSelector* labels, FieldSelector* fields) {
  auto l = LabelSelector::Parse(request.QueryOr("labelSelector", ""));
  if (!l.ok()) return l.take_status();
  auto f = FieldSelector::Parse(request.QueryOr("fieldSelector", ""));
  if (!f.ok()) return f.take_status();
  *labels = std::move(l).value();
  *fields = std::move(f).value();
  return Status();
}

Result<storage::ListOptions> ListOptionsOf(const Request& request) {
  storage::ListOptions options;
  PK_RETURN_IF_ERROR(ParseSelectors(request, &options.labels, &options.fields));
  auto limit = ParseInt(request, "limit");
  if (!limit.ok()) return limit.take_status();
  options.limit = std::max<int64_t>(0, *limit);
  options.continue_token = request.QueryOr("continue", "");
  std::string rv_text = request.QueryOr("resourceVersion", "");
  if (!options.continue_token.empty() && !rv_text.empty() && rv_text != "0") {
    return Status::BadRequest("specifying resource version is not allowed when using continue");
  }
  auto rv = ParseResourceVersion(rv_text);
  if (!rv.ok()) return rv.take_status();
  options.resource_version = *rv;
  options.exact = request.QueryOr("resourceVersionMatch", "") == "Exact";
  return options;
}

// A watch as a chunked body: one JSON event per line, written as the store delivers them.
class WatchStream : public BodyStream {
 public:
  WatchStream(const ResourceType& type, std::unique_ptr<storage::Watcher> watcher, Output output)
      : type_(type), watcher_(std::move(watcher)), output_(output) {}
  ~WatchStream() override { Close(); }

  void Start(std::function<void()> wake) override { watcher_->SetNotify(std::move(wake)); }

  bool Read(std::string* out) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return false;
    for (const storage::Event& event : watcher_->Drain()) {
      *out += EncodeWatchEvent(type_, event, output_, /*columns=*/true);
    }
    return !watcher_->done();
  }

  void Close() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    closed_ = true;
    watcher_->Stop();
  }

 private:
  const ResourceType& type_;
  std::unique_ptr<storage::Watcher> watcher_;
  const Output output_;
  std::mutex mu_;
  bool closed_ = false;  // guarded by mu_
};

// Kubernetes ends a watch without timeoutSeconds after a random 30 to 60 minutes, so that
// clients spread their re-watches.
std::chrono::milliseconds DefaultWatchTimeout() {
  thread_local std::mt19937 rng{std::random_device{}()};
  return std::chrono::seconds(1800 + std::uniform_int_distribution<int>(0, 1800)(rng));
}

}  // namespace

Response Get(Request& request, const Registry& registry, const Output& output) {
  auto object = registry.Get(request.info.ns, request.info.name);
  if (!object.ok()) return ErrorResponse(object.status());
  return JsonResponse(200, EncodeObject(registry.type(), **object, output), output);
}

Response List(Request& request, const Registry& registry, const Output& output) {
  auto options = ListOptionsOf(request);
  if (!options.ok()) return ErrorResponse(options.status());
  auto list = registry.List(request.info.ns, std::move(options).value());
  if (!list.ok()) return ErrorResponse(list.status());
  return JsonResponse(200, EncodeList(registry.type(), *list, output), output);
}

Response Watch(Request& request, const Registry& registry, const Output& output) {
  storage::WatchOptions options;
  Status s = ParseSelectors(request, &options.labels, &options.fields);
  if (!s.ok()) return ErrorResponse(s);
  auto rv = ParseResourceVersion(request.QueryOr("resourceVersion", ""));
  if (!rv.ok()) return ErrorResponse(rv.status());
  options.resource_version = *rv;
  options.bookmarks = request.QueryBool("allowWatchBookmarks");
  // A watch of one object by name (GET .../pods/NAME?watch=true) is a watch of its name.
  if (!request.info.name.empty()) {
    auto by_name = FieldSelector::Parse("metadata.name=" + request.info.name);
    if (by_name.ok()) options.fields = std::move(by_name).value();
  }
  auto timeout = [&]() -> Result<int64_t> { return ParseInt(request, "timeoutSeconds"); }();
  if (!timeout.ok()) return ErrorResponse(timeout.status());
  auto watcher = registry.Watch(request.info.ns, std::move(options));
  if (!watcher.ok()) return ErrorResponse(watcher.status());
  Response r;
  r.content_type = "application/json";
  r.stream = std::make_shared<WatchStream>(registry.type(), std::move(watcher).value(), output);
  r.stream_timeout =
      *timeout > 0 ? std::chrono::milliseconds(*timeout * 1000) : DefaultWatchTimeout();
  return r;
}

}  // namespace pk::apiserver::handlers
