#include "apiserver/admission/default_toleration_seconds.h"

#include <fmt/format.h>

#include "proto/core/v1/pod.pb.h"

namespace pk::admission {
namespace {

using google::protobuf::DynamicCastToGenerated;
using k8s::core::v1::Pod;
using k8s::core::v1::Toleration;

constexpr const char* kNotReady = "node.kubernetes.io/not-ready";
constexpr const char* kUnreachable = "node.kubernetes.io/unreachable";

bool Tolerates(const Toleration& t, std::string_view key) {
  return (t.key() == key || t.key().empty()) && (t.effect() == "NoExecute" || t.effect().empty());
}

class DefaultTolerationSeconds : public Plugin {
 public:
  DefaultTolerationSeconds(int64_t not_ready, int64_t unreachable)
      : not_ready_(not_ready), unreachable_(unreachable) {}
  std::string_view Name() const override { return "DefaultTolerationSeconds"; }

  Status Admit(Attributes& a) override {
    if (a.type->kind.group != "" || a.type->resource != "pods" || !a.subresource.empty()) {
      return Status();
    }
    if (a.operation != Operation::kCreate && a.operation != Operation::kUpdate) return Status();
    Pod* pod = DynamicCastToGenerated<Pod>(a.object);
    if (pod == nullptr) return Status::BadRequest("expected *api.Pod but got another type");
    bool not_ready = false;
    bool unreachable = false;
    for (const Toleration& t : pod->spec().tolerations()) {
      not_ready = not_ready || Tolerates(t, kNotReady);
      unreachable = unreachable || Tolerates(t, kUnreachable);
    }
    if (!not_ready) Add(pod, kNotReady, not_ready_);
    if (!unreachable) Add(pod, kUnreachable, unreachable_);
    return Status();
  }

 private:
  static void Add(Pod* pod, const char* key, int64_t seconds) {
    Toleration* t = pod->mutable_spec()->add_tolerations();
    t->set_key(key);
    t->set_operator_("Exists");
    t->set_effect("NoExecute");
    t->set_toleration_seconds(seconds);
  }

  const int64_t not_ready_;
  const int64_t unreachable_;
};

}  // namespace

std::unique_ptr<Plugin> NewDefaultTolerationSeconds(int64_t not_ready_seconds,
                                                    int64_t unreachable_seconds) {
  return std::make_unique<DefaultTolerationSeconds>(not_ready_seconds, unreachable_seconds);
}

}  // namespace pk::admission
