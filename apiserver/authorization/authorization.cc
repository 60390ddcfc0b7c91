// Authorization::Start: --authorization-mode read as kube-apiserver reads it
// (pkg/kubeapiserver/authorizer/config.go), the authorizers built in that order behind the
// system:masters shortcut, and the chain's check with its wait for fresh RBAC.
#include <fmt/format.h>

#include <set>

#include "apimachinery/log.h"
#include "apiserver/authorization/internal.h"

namespace pk::apiserver::authorization {
namespace {

std::vector<std::string> SplitModes(const std::string& mode) {
  std::vector<std::string> modes;
  size_t start = 0;
  while (start <= mode.size()) {
    size_t comma = mode.find(',', start);
    if (comma == std::string::npos) comma = mode.size();
    std::string m = mode.substr(start, comma - start);
    m.erase(0, m.find_first_not_of(' '));
    m.erase(m.find_last_not_of(' ') + 1);
    if (!m.empty()) modes.push_back(m);
    start = comma + 1;
  }
  return modes;
}

// pkg/kubeapiserver/options/authorization.go Validate.
Status ValidateModes(const std::vector<std::string>& modes) {
  static const std::set<std::string> kKnown = {"AlwaysAllow", "AlwaysDeny", "Node", "RBAC"};
  std::vector<std::string> errors;
  if (modes.empty()) errors.push_back("at least one authorization-mode must be passed");
  std::set<std::string> seen;
  for (const std::string& m : modes) {
    if (!kKnown.count(m)) {
      errors.push_back(fmt::format("authorization-mode \"{}\" is not a valid mode", m));
    }
    if (!seen.insert(m).second) {
      errors.push_back(
          fmt::format("authorization-mode \"{}\" has mode specified more than once", m));
    }
  }
  if (errors.empty()) return Status();
  return Status::BadRequest(fmt::format("{}", fmt::join(errors, ", ")));
}

constexpr const char* kRbacGroup = "rbac.authorization.k8s.io";
// How long Start waits for the index's first lists (150,000 pods list in about a second).
constexpr std::chrono::seconds kInitialListWait{60};

Attributes RbacAttributes(const UserInfo& user, std::string verb, std::string resource,
                          std::string ns, std::string name) {
  Attributes a;
  a.user = user;
  a.resource_request = true;
  a.verb = std::move(verb);
  a.api_group = kRbacGroup;
  a.resource = std::move(resource);
  a.ns = std::move(ns);
  a.name = std::move(name);
  return a;
}

class Process final : public Authorization {
 public:
  Status Check(const Request& request, std::string* reason) const override {
    Attributes a = AttributesOf(request);
    Verdict v = Decide(a);
    if (reason != nullptr) *reason = v.reason;
    if (v.allowed()) return Status();
    return Forbidden(a, v.reason);
  }

  Status CheckAttributes(const Attributes& a) const override {
    Verdict v = Decide(a);
    if (v.allowed()) return Status();
    return Forbidden(a, v.reason);
  }

  Status AnswerReview(const Request& request, google::protobuf::Message* review) const override {
    return authorization::AnswerReview(
        *authorizer_, [this](const Attributes& a) { return Decide(a); }, request, review);
  }

  Status ConfirmRoleWrite(const UserInfo& user, const std::string& resource, const std::string& ns,
                          const std::string& name,
                          const std::vector<PolicyRule>& rules) const override {
    if (!rbac_) return Status();
    // RoleEscalationAuthorized: the escalate verb on the role.
    if (Decide(RbacAttributes(user, "escalate", resource, ns, name)).allowed()) return Status();
    return ConfirmNoEscalation(*authorizer_, user, ns, rules, {kRbacGroup, resource}, name);
  }

  Status ConfirmBindingWrite(const UserInfo& user, const std::string& resource,
                             const std::string& ns, const std::string& name,
                             const k8s::rbac::v1::RoleRef& role_ref) const override {
    if (!rbac_) return Status();
    // BindingAuthorized: the bind verb on the referred role.
    std::string role_resource = role_ref.kind() == "Role" ? "roles" : "clusterroles";
    std::string role_ns = role_ref.kind() == "Role" ? ns : "";
    if (Decide(RbacAttributes(user, "bind", role_resource, role_ns, role_ref.name())).allowed()) {
      return Status();
    }
    std::vector<PolicyRule> rules;
    if (role_ref.kind() == "Role") {
      if (auto role = index_->Role(ns, role_ref.name())) {
        rules.assign(role->rules().begin(), role->rules().end());
      }
    } else if (auto role = index_->ClusterRole(role_ref.name())) {
      rules.assign(role->rules().begin(), role->rules().end());
    }
    return ConfirmNoEscalation(*authorizer_, user, ns, rules, {kRbacGroup, resource}, name);
  }

  const Authorizer& authorizer() const override { return *authorizer_; }
  bool rbac() const override { return rbac_; }

  void Stop() override {
    if (index_) index_->Stop();
    aggregator_.reset();
  }
  ~Process() override { Stop(); }

  // A would-be denial waits for the index to hold every acknowledged RBAC and pod write.
  Verdict Decide(const Attributes& a) const {
    Verdict v = authorizer_->Authorize(a);
    if (v.allowed() || v.decision == Decision::kDeny || !freshness_ || !index_) return v;
    if (!freshness_->Behind()) return v;
    if (!freshness_->WaitCaughtUp(wait_)) return v;
    return authorizer_->Authorize(a);
  }

  std::unique_ptr<Authorizer> authorizer_;
  std::shared_ptr<PolicyIndex> index_;
  std::shared_ptr<Freshness> freshness_;
  std::unique_ptr<Aggregator> aggregator_;
  std::chrono::milliseconds wait_{1000};
  bool rbac_ = false;
};

}  // namespace

Result<std::unique_ptr<Authorization>> Authorization::Start(storage::Store* store,
                                                            std::shared_ptr<Freshness> freshness,
                                                            const Options& options) {
  std::vector<std::string> modes = SplitModes(options.mode);
  PK_RETURN_IF_ERROR(Status(ValidateModes(modes)).Prefix("--authorization-mode"));
  auto process = std::make_unique<Process>();
  process->wait_ = options.freshness_wait;
  process->freshness_ = std::move(freshness);
  bool wants_index = std::find(modes.begin(), modes.end(), "Node") != modes.end() ||
                     std::find(modes.begin(), modes.end(), "RBAC") != modes.end();
  if (wants_index) process->index_ = std::make_shared<PolicyIndex>();
  std::vector<std::unique_ptr<Authorizer>> authorizers;
  authorizers.push_back(NewPrivilegedGroups({"system:masters"}));
  for (const std::string& m : modes) {
    if (m == "AlwaysAllow") authorizers.push_back(NewAlwaysAllow());
    if (m == "AlwaysDeny") authorizers.push_back(NewAlwaysDeny());
    if (m == "Node") authorizers.push_back(NewNodeAuthorizer(process->index_));
    if (m == "RBAC") {
      authorizers.push_back(NewRBACAuthorizer(process->index_));
      process->rbac_ = true;
    }
  }
  process->authorizer_ = NewUnion(std::move(authorizers));
  if (wants_index) {
    Aggregator* aggregator = nullptr;
    if (process->rbac_) {
      process->aggregator_ = std::make_unique<Aggregator>(store, process->index_);
      aggregator = process->aggregator_.get();
    }
    process->index_->Start(store, process->freshness_, [aggregator] {
      if (aggregator != nullptr) aggregator->Changed();
    });
    // Serve once the index holds what is stored, as kube-apiserver's readiness waits for its
    // RBAC informers: a restarted apiserver must not deny its components from an empty index.
    if (process->freshness_ && !process->freshness_->WaitCaughtUp(kInitialListWait)) {
      pk::Logf(
          "authorization: the stored roles and pods are not listed after %llds; "
          "denials wait for them\n",
          static_cast<long long>(kInitialListWait.count()));
    }
  }
  return std::unique_ptr<Authorization>(std::move(process));
}

}  // namespace pk::apiserver::authorization
