// The configurations the plugins act on, kept by a list-and-watch over the store (what
// Kubernetes' configuration managers do with an informer): one thread per plugin, an
// immutable snapshot swapped on every change; requests take a reference under a short lock.
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "apimachinery/log.h"
#include "apimachinery/object.h"
#include "apiserver/admission/webhook/webhook.h"

namespace pk::admission::webhook {
namespace {

namespace arv1 = k8s::admissionregistration::v1;
using google::protobuf::DynamicCastToGenerated;
using HookList = std::vector<Hook>;

// The parsed selector; a nil one (a configuration stored without defaults) is the empty one.
void ParseSelector(bool has, const k8s::meta::v1::LabelSelector& proto, LabelSelector* out,
                   std::string* error) {
  if (!has) return;
  auto parsed = LabelSelector::FromProto(proto);
  if (parsed.ok()) {
    *out = std::move(parsed).value();
  } else if (error->empty()) {
    *error = parsed.status().message();
  }
}

template <class W>
Hook Convert(const std::string& configuration, const W& w) {
  Hook h;
  h.configuration = configuration;
  h.name = w.name();
  h.client_config = w.client_config();
  h.rules.assign(w.rules().begin(), w.rules().end());
  h.fail_open = w.has_failure_policy() && w.failure_policy() == "Ignore";
  ParseSelector(w.has_namespace_selector(), w.namespace_selector(), &h.namespace_selector,
                &h.selector_error);
  ParseSelector(w.has_object_selector(), w.object_selector(), &h.object_selector,
                &h.selector_error);
  if (w.has_side_effects()) h.side_effects = w.side_effects();
  h.timeout_seconds = w.has_timeout_seconds() ? w.timeout_seconds() : 10;
  h.admission_review_versions.assign(w.admission_review_versions().begin(),
                                     w.admission_review_versions().end());
  return h;
}

HookList HooksOf(const google::protobuf::Message& object) {
  HookList hooks;
  if (const auto* m = DynamicCastToGenerated<arv1::MutatingWebhookConfiguration>(&object)) {
    for (const auto& w : m->webhooks()) hooks.push_back(Convert(m->metadata().name(), w));
  } else if (const auto* v =
                 DynamicCastToGenerated<arv1::ValidatingWebhookConfiguration>(&object)) {
    for (const auto& w : v->webhooks()) hooks.push_back(Convert(v->metadata().name(), w));
  }
  return hooks;
}

}  // namespace

Hook HookOf(const std::string& configuration, const arv1::MutatingWebhook& webhook) {
  return Convert(configuration, webhook);
}
Hook HookOf(const std::string& configuration, const arv1::ValidatingWebhook& webhook) {
  return Convert(configuration, webhook);
}

struct Source::State {
  storage::Store* store;
  std::string resource;
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::map<std::string, HookList> by_configuration;                               // guarded by mu
  std::shared_ptr<const HookList> snapshot = std::make_shared<const HookList>();  // guarded by mu
  std::thread thread;

  // Rebuilds the snapshot: configurations in name order (the map's), hooks in order.
  void Publish() {
    auto all = std::make_shared<HookList>();
    for (const auto& [name, hooks] : by_configuration) {
      all->insert(all->end(), hooks.begin(), hooks.end());
    }
    snapshot = std::move(all);
  }

  void Put(const google::protobuf::Message& object, bool deleted) {
    const std::string& name = GetObjectMeta(object)->name();
    if (deleted) {
      by_configuration.erase(name);
    } else {
      by_configuration[name] = HooksOf(object);
    }
  }

  void Loop() {
    while (!stopping) {
      Status s = ListAndWatch();
      if (stopping) return;
      if (!s.ok()) {
        pk::Logf("admission webhooks: watching %s: %s (retrying)\n", resource.c_str(),
                 s.message().c_str());
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    }
  }

  // One list, then the watch from its revision until it ends (a slow reader is cut off and
  // lists again, as a reflector does).
  Status ListAndWatch() {
    storage::ListOptions list_options;
    list_options.prefix = storage::PrefixKey(resource);
    auto list = store->List(list_options);
    if (!list.ok()) return list.take_status();
    {
      std::lock_guard lock(mu);
      by_configuration.clear();
      for (const auto& object : list->items) Put(*object, false);
      Publish();
    }
    storage::WatchOptions watch_options;
    watch_options.prefix = list_options.prefix;
    watch_options.resource_version = list->revision;
    auto watcher = store->Watch(watch_options);
    if (!watcher.ok()) return watcher.take_status();
    Status result = Follow(**watcher);
    (*watcher)->Stop();
    return result;
  }

  Status Follow(storage::Watcher& watcher) {
    while (!stopping) {
      auto event = watcher.Next(std::chrono::milliseconds(100));
      if (!event) {
        if (watcher.done()) return Status();
        continue;
      }
      std::vector<storage::Event> batch{std::move(*event)};
      for (auto& more : watcher.Drain()) batch.push_back(std::move(more));
      std::lock_guard lock(mu);
      for (const storage::Event& e : batch) {
        if (e.type == storage::Event::Type::kError) return e.error;
        if (!e.object || e.type == storage::Event::Type::kBookmark) continue;
        Put(*e.object, e.type == storage::Event::Type::kDeleted);
      }
      Publish();
    }
    return Status();
  }
};

Source::Source(storage::Store* store, std::string resource) : state_(std::make_unique<State>()) {
  state_->store = store;
  state_->resource = std::move(resource);
  state_->thread = std::thread([s = state_.get()] { s->Loop(); });
}

Source::~Source() {
  state_->stopping = true;
  if (state_->thread.joinable()) state_->thread.join();
}

std::shared_ptr<const std::vector<Hook>> Source::Hooks() const {
  std::lock_guard lock(state_->mu);
  return state_->snapshot;
}

}  // namespace pk::admission::webhook
