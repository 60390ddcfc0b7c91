// LIST semantics (ranges, selectors, paging, past revisions), against both implementations.
#include <nlohmann/json.hpp>

#include "apiserver/storage/continue_token.h"
#include "apiserver/storage/store_test_util.h"

namespace pk::storage {
namespace {

using namespace testing;  // NOLINT

std::vector<std::string> Names(const ListResult& list) {
  std::vector<std::string> names;
  for (const auto& item : list.items) names.push_back(NameOf(*item));
  return names;
}

using Names_t = std::vector<std::string>;

template <class K>
void CreatePods(Harness<K>& h) {
  REQUIRE(h->Create(PodKey("a", "p1"), NewPod("a", "p1", "node-1", {{"app", "web"}})).ok());
  REQUIRE(h->Create(PodKey("a", "p2"), NewPod("a", "p2", "node-2", {{"app", "db"}})).ok());
  REQUIRE(h->Create(PodKey("b", "p3"), NewPod("b", "p3", "node-1", {{"app", "web"}})).ok());
  REQUIRE(h->Create(PodKey("b", "p4"), NewPod("b", "p4", "", {})).ok());
  REQUIRE(h->Create(CmKey("a", "cm"), NewConfigMap("a", "cm")).ok());
}

TEST_CASE_TEMPLATE("list by prefix and selectors", K, PK_STORE_KINDS) {
  Harness<K> h;
  CreatePods(h);
  auto all = h->List(ListOptions{.prefix = PrefixKey("pods")});
  REQUIRE(all.ok());
  CHECK(Names(*all) == Names_t{"p1", "p2", "p3", "p4"});
  CHECK(all->revision == 5);
  CHECK(all->continue_token.empty());
  CHECK(!all->remaining_item_count);

  auto ns = h->List(ListOptions{.prefix = PrefixKey("pods", "b")});
  CHECK(Names(*ns) == Names_t{"p3", "p4"});

  auto web =
      h->List(ListOptions{.prefix = PrefixKey("pods"), .labels = *LabelSelector::Parse("app=web")});
  CHECK(Names(*web) == Names_t{"p1", "p3"});

  auto on_node = h->List(ListOptions{.prefix = PrefixKey("pods"),
                                     .fields = *FieldSelector::Parse("spec.nodeName=node-1")});
  CHECK(Names(*on_node) == Names_t{"p1", "p3"});
  auto unscheduled = h->List(
      ListOptions{.prefix = PrefixKey("pods"), .fields = *FieldSelector::Parse("spec.nodeName=")});
  CHECK(Names(*unscheduled) == Names_t{"p4"});
  auto both = h->List(ListOptions{.prefix = PrefixKey("pods", "a"),
                                  .labels = *LabelSelector::Parse("app!=web"),
                                  .fields = *FieldSelector::Parse("metadata.name=p2")});
  CHECK(Names(*both) == Names_t{"p2"});
  // A field the type does not have counts as "".
  auto absent = h->List(ListOptions{.prefix = PrefixKey("configmaps"),
                                    .fields = *FieldSelector::Parse("spec.nodeName=")});
  CHECK(Names(*absent) == Names_t{"cm"});
  // A prefix that is one object's key lists that object only.
  auto one = h->List(ListOptions{.prefix = PodKey("a", "p1")});
  CHECK(Names(*one) == Names_t{"p1"});
}

TEST_CASE_TEMPLATE("paging is consistent while writes happen", K, PK_STORE_KINDS) {
  Harness<K> h;
  for (int i = 0; i < 10; ++i) {
    std::string name = "cm-" + std::to_string(i);
    REQUIRE(h->Create(CmKey("ns", name), NewConfigMap("ns", name, {}, "old")).ok());
  }
  ListOptions options{.prefix = PrefixKey("configmaps", "ns"), .limit = 4};
  auto page1 = h->List(options);
  REQUIRE(page1.ok());
  CHECK(Names(*page1) == Names_t{"cm-0", "cm-1", "cm-2", "cm-3"});
  CHECK(page1->revision == 10);
  CHECK(page1->remaining_item_count == 6);
  REQUIRE(!page1->continue_token.empty());
  // The token is Kubernetes': base64url JSON, the next key relative to the prefix.
  std::string json;
  REQUIRE(Base64RawUrlDecode(page1->continue_token, &json));
  CHECK(json == std::string("{\"v\":\"meta.k8s.io/v1\",\"rv\":10,\"start\":\"cm-3\\u0000\"}"));

  // Writes between pages: an update, a delete, a create; none may show in this list.
  REQUIRE(h->GuaranteedUpdate(CmKey("ns", "cm-5"), {}, SetData("new")).ok());
  REQUIRE(h->Delete(CmKey("ns", "cm-6")).ok());
  REQUIRE(h->Create(CmKey("ns", "cm-55"), NewConfigMap("ns", "cm-55")).ok());
  REQUIRE(h->Delete(CmKey("ns", "cm-1")).ok());

  options.continue_token = page1->continue_token;
  auto page2 = h->List(options);
  REQUIRE(page2.ok());
  CHECK(Names(*page2) == Names_t{"cm-4", "cm-5", "cm-6", "cm-7"});
  CHECK(DataOf(page2->items[1]) == "old");
  CHECK(RV(page2->items[1]) == 6);
  CHECK(page2->revision == 10);
  CHECK(page2->remaining_item_count == 2);
  options.continue_token = page2->continue_token;
  auto page3 = h->List(options);
  REQUIRE(page3.ok());
  CHECK(Names(*page3) == Names_t{"cm-8", "cm-9"});
  CHECK(page3->continue_token.empty());

  // A fresh list sees the new state.
  auto now = h->List(ListOptions{.prefix = PrefixKey("configmaps", "ns")});
  CHECK(Names(*now) ==
        Names_t{"cm-0", "cm-2", "cm-3", "cm-4", "cm-5", "cm-55", "cm-7", "cm-8", "cm-9"});
  CHECK(now->revision == 14);
}

TEST_CASE_TEMPLATE("paging with a selector", K, PK_STORE_KINDS) {
  Harness<K> h;
  for (int i = 0; i < 6; ++i) {
    std::string name = "cm-" + std::to_string(i);
    std::string parity = i % 2 ? "odd" : "even";
    REQUIRE(h->Create(CmKey("ns", name), NewConfigMap("ns", name, {{"p", parity}})).ok());
  }
  ListOptions options{
      .prefix = PrefixKey("configmaps"), .labels = *LabelSelector::Parse("p=odd"), .limit = 2};
  auto page1 = h->List(options);
  CHECK(Names(*page1) == Names_t{"cm-1", "cm-3"});
  CHECK(!page1->remaining_item_count);
  options.continue_token = page1->continue_token;
  auto page2 = h->List(options);
  CHECK(Names(*page2) == Names_t{"cm-5"});
  CHECK(page2->continue_token.empty());
}

TEST_CASE_TEMPLATE("list at an exact past revision", K, PK_STORE_KINDS) {
  StoreOptions options = TestOptions();
  options.window_events = 4;
  Harness<K> h(options);
  REQUIRE(h->Create(CmKey("ns", "a"), NewConfigMap("ns", "a", {}, "a1")).ok());  // 1
  REQUIRE(h->Create(CmKey("ns", "b"), NewConfigMap("ns", "b", {}, "b1")).ok());  // 2
  REQUIRE(h->GuaranteedUpdate(CmKey("ns", "a"), {}, SetData("a3")).ok());        // 3
  REQUIRE(h->Delete(CmKey("ns", "b")).ok());                                     // 4
  REQUIRE(h->Create(CmKey("ns", "c"), NewConfigMap("ns", "c", {}, "c5")).ok());  // 5
  REQUIRE(h->Create(PodKey("ns", "p"), NewPod("ns", "p", "n")).ok());            // 6: other window

  auto at = [&](int64_t rv) {
    return h->List(
        ListOptions{.prefix = PrefixKey("configmaps"), .resource_version = rv, .exact = true});
  };
  auto r2 = at(2);
  REQUIRE(r2.ok());
  CHECK(r2->revision == 2);
  CHECK(Names(*r2) == Names_t{"a", "b"});
  CHECK(DataOf(r2->items[0]) == "a1");
  CHECK(RV(r2->items[0]) == 1);
  auto r3 = at(3);
  CHECK(Names(*r3) == Names_t{"a", "b"});
  CHECK(DataOf(r3->items[0]) == "a3");
  CHECK(Names(*at(4)) == Names_t{"a"});
  CHECK(Names(*at(6)) == Names_t{"a", "c"});

  // "Not older than" is served from the newest state.
  auto not_older = h->List(ListOptions{.prefix = PrefixKey("configmaps"), .resource_version = 2});
  CHECK(not_older->revision == 6);

  // Five configmap events against a window of four: the event of revision 1 is gone, but
  // the state at 1 is still known (every later event is there).
  CHECK(Names(*at(1)) == Names_t{"a"});
  // Six: the event of 2 is gone too, so the state at 1 is lost.
  REQUIRE(h->GuaranteedUpdate(CmKey("ns", "c"), {}, SetData("c7")).ok());  // 7
  auto expired = at(1);
  REQUIRE(!expired.ok());
  CHECK(expired.status().reason() == Reason::kExpired);
  CHECK(expired.status().message() == "too old resource version: 1 (2)");
  CHECK(Names(*at(2)) == Names_t{"a", "b"});
  // A paging token that old is Expired too.
  std::string token = EncodeContinueToken(CmKey("ns", "a"), PrefixKey("configmaps"), 1);
  auto old_page = h->List(ListOptions{.prefix = PrefixKey("configmaps"), .continue_token = token});
  REQUIRE(!old_page.ok());
  CHECK(old_page.status().reason() == Reason::kExpired);
  CHECK(old_page.status().message().starts_with("The provided continue parameter is too old"));
}

TEST_CASE_TEMPLATE("bad tokens and too-new revisions", K, PK_STORE_KINDS) {
  Harness<K> h;
  REQUIRE(h->Create(CmKey("ns", "a"), NewConfigMap("ns", "a")).ok());
  for (std::string token :
       {std::string("!!!"), Base64RawUrlEncode("{]"),
        Base64RawUrlEncode(R"({"v":"meta.k8s.io/v2","rv":1,"start":"a"})"),
        Base64RawUrlEncode(R"({"v":"meta.k8s.io/v1","rv":1,"start":""})"),
        Base64RawUrlEncode(R"({"v":"meta.k8s.io/v1","rv":1,"start":"../x"})")}) {
    auto list = h->List(ListOptions{.prefix = PrefixKey("configmaps"), .continue_token = token});
    REQUIRE(!list.ok());
    CHECK(list.status().reason() == Reason::kBadRequest);
    CHECK(list.status().message().starts_with("invalid continue token: continue key is not valid"));
  }
  auto future = h->List(ListOptions{.prefix = PrefixKey("configmaps"), .resource_version = 50});
  REQUIRE(!future.ok());
  CHECK(future.status().reason() == Reason::kTimeout);
  CHECK(future.status().message() == "Too large resource version: 50, current: 1");
  REQUIRE(future.status().details().causes.size() == 1);
  CHECK(future.status().details().causes[0].reason == "ResourceVersionTooLarge");

  // A revision that arrives while the list waits is served.
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    REQUIRE(h->Create(CmKey("ns", "b"), NewConfigMap("ns", "b")).ok());
  });
  auto waited = h->List(ListOptions{.prefix = PrefixKey("configmaps"), .resource_version = 2});
  writer.join();
  REQUIRE(waited.ok());
  CHECK(Names(*waited) == Names_t{"a", "b"});
}

}  // namespace
}  // namespace pk::storage
