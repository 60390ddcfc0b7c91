// get, list and watch.
#include <fmt/format.h>

#include <mutex>
#include <random>

#include "apiserver/endpoints/encode.h"
#include "apiserver/endpoints/handlers.h"

namespace pk::apiserver::handlers {
namespace {

// "" and "0" mean any revision; anything else must be a revision.
Result<int64_t> ParseResourceVersion(const std::string& text) {
  if (text.empty()) return int64_t{0};
  auto rv = ParseInt64(text, "resource version");
  if (!rv.ok() || *rv < 0)
    return Status::BadRequest(fmt::format("invalid resource version \"{}\"", text));
  return rv;
}

Result<int64_t> IntParameter(const Request& request, const char* name) {
  auto text = request.Query(name);
  if (!text || text->empty()) return int64_t{0};
  return ParseInt64(*text, name);
}

Result<storage::ListOptions> ListOptionsOf(const Request& request) {
  storage::ListOptions options;
  PK_RETURN_IF_ERROR(ParseSelectors(request, &options.labels, &options.fields));
  auto limit = IntParameter(request, "limit");
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

// A field selector value with `\`, `,` and `=` escaped, as FieldSelector::Parse reads them.
std::string EscapeFieldValue(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == ',' || c == '=') out += '\\';
    out += c;
  }
  return out;
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
      // Every Table event carries its columns: kubectl prints headers only when they change.
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
  return ObjectResponse(200, registry.type(), *object, output);
}

Response List(Request& request, const Registry& registry, const Output& output) {
  auto options = ListOptionsOf(request);
  if (!options.ok()) return ErrorResponse(options.status());
  auto list = registry.List(request.info.ns, std::move(options).value());
  if (!list.ok()) return ErrorResponse(list.status());
  return ListResponse(registry.type(), std::move(list).value(), output);
}

Response Watch(Request& request, const Registry& registry, const Output& output) {
  storage::WatchOptions options;
  Status s = ParseSelectors(request, &options.labels, &options.fields);
  if (!s.ok()) return ErrorResponse(s);
  auto rv = ParseResourceVersion(request.QueryOr("resourceVersion", ""));
  if (!rv.ok()) return ErrorResponse(rv.status());
  options.resource_version = *rv;
  options.bookmarks = request.QueryBool("allowWatchBookmarks");
  // A watch of one object by name (GET .../pods/NAME?watch=true) is a watch of its name,
  // with whatever field selector the client adds.
  if (!request.info.name.empty()) {
    std::string selector = "metadata.name=" + EscapeFieldValue(request.info.name);
    std::string more = request.QueryOr("fieldSelector", "");
    auto by_name = FieldSelector::Parse(more.empty() ? selector : selector + "," + more);
    if (!by_name.ok()) return ErrorResponse(by_name.status());
    options.fields = std::move(by_name).value();
  }
  auto timeout = IntParameter(request, "timeoutSeconds");
  if (!timeout.ok()) return ErrorResponse(timeout.status());
  auto watcher = registry.Watch(request.info.ns, std::move(options));
  if (!watcher.ok()) return ErrorResponse(watcher.status());
  Response r;
  if (output.shape == Output::Shape::kTyped) {
    r.watcher = std::move(watcher).value();
    return r;
  }
  r.content_type = "application/json";
  r.stream = std::make_shared<WatchStream>(registry.type(), std::move(watcher).value(), output);
  constexpr int64_t kMaxTimeoutSeconds = 365LL * 24 * 3600;
  r.stream_timeout = *timeout > 0 ? std::chrono::seconds(std::min(*timeout, kMaxTimeoutSeconds))
                                  : DefaultWatchTimeout();
  return r;
}

}  // namespace pk::apiserver::handlers
