// The plugin table behind --enable-admission-plugins / --disable-admission-plugins.
#include "apiserver/admission/plugins.h"

#include <doctest/doctest.h>

namespace pk::admission {
namespace {

using Names = std::vector<std::string>;

Names Enabled(Names enable, Names disable) {
  ChainOptions options;
  options.enable = std::move(enable);
  options.disable = std::move(disable);
  auto names = EnabledPlugins(options);
  REQUIRE_MESSAGE(names.ok(), names.status().ToString());
  return *names;
}

TEST_CASE("the default-on plugins of kube-apiserver v1.32, in the recommended order") {
  CHECK(Enabled({}, {}) == Names{"NamespaceLifecycle", "LimitRanger", "ServiceAccount",
                                 "PodSecurity", "Priority", "DefaultTolerationSeconds",
                                 "MutatingAdmissionWebhook", "ValidatingAdmissionWebhook",
                                 "ResourceQuota"});
}

TEST_CASE("enabling and disabling keep the recommended order, whatever the flags' order") {
  const Names tail = {"MutatingAdmissionWebhook", "ValidatingAdmissionWebhook", "ResourceQuota"};
  Names want = {"NamespaceLifecycle", "LimitRanger", "ServiceAccount",
                "NodeRestriction",    "Priority",    "DefaultTolerationSeconds"};
  want.insert(want.end(), tail.begin(), tail.end());
  CHECK(Enabled({"Priority", "NodeRestriction"}, {"PodSecurity"}) == want);
  want = {"LimitRanger", "ServiceAccount", "PodSecurity", "Priority"};
  want.insert(want.end(), tail.begin(), tail.end());
  CHECK(Enabled({}, {"NamespaceLifecycle", "DefaultTolerationSeconds"}) == want);
}

TEST_CASE("unknown and overlapping names fail with kube-apiserver's messages") {
  ChainOptions options;
  options.enable = {"NodeRestriction", "Bogus"};
  CHECK(EnabledPlugins(options).status().message() ==
        R"(enable-admission-plugins plugin "Bogus" is unknown)");
  options.enable = {};
  options.disable = {"Nope"};
  CHECK(EnabledPlugins(options).status().message() ==
        R"(disable-admission-plugins plugin "Nope" is unknown)");
  options.enable = {"PodSecurity", "Priority"};
  options.disable = {"Priority", "PodSecurity"};
  CHECK(EnabledPlugins(options).status().message() ==
        "[PodSecurity Priority] in enable-admission-plugins and disable-admission-plugins "
        "overlapped");
}

TEST_CASE("the registered plugins follow Kubernetes' order") {
  CHECK(RegisteredPlugins() == Names{"NamespaceLifecycle", "LimitRanger", "ServiceAccount",
                                     "NodeRestriction", "PodSecurity", "Priority",
                                     "DefaultTolerationSeconds", "MutatingAdmissionWebhook",
                                     "ValidatingAdmissionWebhook", "ResourceQuota"});
  const auto& order = RecommendedPluginOrder();
  CHECK(order.back() == "AlwaysDeny");
  CHECK(order[order.size() - 2] == "ResourceQuota");
}

TEST_CASE("BuildChain registers the enabled plugins and refuses unknown ones") {
  auto store = storage::NewMemoryStore();
  Chain chain;
  ChainOptions options;
  CHECK(BuildChain(options, store.get(), &chain).ok());
  options.enable = {"Bogus"};
  Chain other;
  CHECK(!BuildChain(options, store.get(), &other).ok());
}

}  // namespace
}  // namespace pk::admission
