#include "trace/render.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace pk::trace {
namespace {

constexpr int64_t kMs = 1000000;
constexpr int64_t kT0 = 1700000000LL * 1000000000LL;

Span S(const std::string& component, const std::string& step, double at_ms, double dur_ms,
       const std::string& detail = "", const std::string& client = "") {
  Span s;
  s.set_pod_uid("uid-1");
  s.set_namespace_("default");
  s.set_pod_name("nginx");
  s.set_component(component);
  s.set_step(step);
  s.set_start_unix_nano(kT0 + static_cast<int64_t>(at_ms * kMs));
  s.set_duration_nano(static_cast<int64_t>(dur_ms * kMs));
  s.set_detail(detail);
  s.set_client(client);
  return s;
}

// kubectl creates, the scheduler binds, the kubelet runs the pod through fake-cri.
std::vector<Span> Flow() {
  return {
      S("apiserver", "request received", 0, 0, "POST /api/v1/namespaces/default/pods", "kubectl"),
      S("apiserver", "authentication", 0.1, 0.01, "system:admin"),
      S("apiserver", "store write", 0.5, 1, "revision 7"),
      S("apiserver", "response", 1.5, 0.1, "201 Created"),
      S("scheduler", "seen by informer", 3.6, 0),  // 2 ms after the response ended
      S("scheduler", "bind", 4, 0.5, "node-1"),
      S("apiserver", "request received", 4.2, 0, "POST .../binding"),
      S("apiserver", "response", 4.4, 0.1, "201 Created"),
      S("kubelet", "create", 54.5, 20, "container c"),  // 50 ms after: the longest hop
      S("fake-cri", "CreateContainer", 55.5, 1),        // inside the kubelet's span
      S("kubelet", "status write", 80, 1),
  };
}

// Well-formed enough for a browser: tags balance and every '&' starts an entity.
void CheckWellFormed(const std::string& xml) {
  std::vector<std::string> open;
  for (size_t i = 0; i < xml.size(); ++i) {
    if (xml[i] == '&') {
      bool entity = false;
      for (const char* e : {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"}) {
        entity = entity || xml.compare(i, std::string(e).size(), e) == 0;
      }
      CHECK_MESSAGE(entity, xml.substr(i, 20));
    }
    if (xml[i] != '<') continue;
    size_t end = xml.find('>', i);
    REQUIRE(end != std::string::npos);
    std::string tag = xml.substr(i + 1, end - i - 1);
    i = end;
    if (tag[0] == '?' || tag.back() == '/') continue;
    std::string name =
        tag.substr(tag[0] == '/' ? 1 : 0, tag.find_first_of(" /", 1) - (tag[0] == '/'));
    if (tag[0] != '/') {
      open.push_back(name);
    } else {
      REQUIRE_FALSE(open.empty());
      CHECK(open.back() == name);
      open.pop_back();
    }
  }
  CHECK(open.empty());
}

TEST_CASE("hops: a client's request and its answer, handoffs between processes") {
  std::vector<Hop> hops = Hops(Flow());
  REQUIRE(hops.size() == 7);
  CHECK(hops[0].from == "kubectl");
  CHECK(hops[0].to == "apiserver");
  CHECK_FALSE(hops[0].nanos);
  CHECK(hops[1].is_return);
  CHECK(hops[1].label == "201 Created");
  CHECK(hops[2].from == "apiserver");
  CHECK(hops[2].to == "scheduler");
  CHECK(*hops[2].nanos == 2 * kMs);
  CHECK(*hops[3].nanos == kMs / 5);  // from the start of the scheduler's bind, still running
  CHECK(hops[4].to == "kubelet");
  CHECK(*hops[4].nanos == 50 * kMs);
  CHECK(hops[5].to == "fake-cri");
  CHECK(*hops[5].nanos == 1 * kMs);
  auto longest = LongestHop(Flow());
  REQUIRE(longest);
  CHECK(longest->to == "kubelet");
}

TEST_CASE("each request is its own run: two kubectl requests, two arrows and two answers") {
  std::vector<Span> spans = {
      S("apiserver", "request received", 0, 0, "POST pods", "kubectl"),
      S("apiserver", "response", 1, 0.1, "201"),
      S("apiserver", "request received", 5, 0, "PATCH pods/nginx", "kubectl"),
      S("apiserver", "response", 6, 0.1, "200"),
      S("apiserver", "request received", 9, 0, "PUT pods/nginx/status via gRPC"),
  };
  std::vector<Hop> hops = Hops(spans);
  REQUIRE(hops.size() == 4);  // no apiserver -> apiserver hop for the gRPC request
  CHECK(hops[2].from == "kubectl");
  CHECK(hops[2].label == "PATCH pods/nginx");
  CHECK(hops[3].is_return);
  CHECK(hops[3].label == "200");
}

TEST_CASE("lifelines follow the flow order, clients included") {
  std::vector<std::string> expected = {"kubectl", "apiserver", "scheduler", "kubelet", "fake-cri"};
  CHECK(Lifelines(Flow()) == expected);
}

TEST_CASE("the text timeline: step, process, ms, duration, detail, and the longest hop") {
  std::string text = RenderText(Flow());
  CHECK(text.find("STEP") == 0);
  CHECK(text.find("store write       apiserver   0.500     1.000  revision 7\n") !=
        std::string::npos);
  CHECK(text.find("CreateContainer   fake-cri   55.500") != std::string::npos);
  CHECK(
      text.find("Longest hop: apiserver -> kubelet, 50.000 ms (before \"create\" at 54.500 ms)") !=
      std::string::npos);
  CHECK(RenderText(std::vector<Span>{}) == "No spans.\n");
  std::vector<Span> one = {S("kubelet", "x", 0, 1)};
  CHECK(RenderText(one).find("Longest hop: none") != std::string::npos);
}

TEST_CASE("text is cleaned: control characters and invalid UTF-8 cannot break a row") {
  std::vector<Span> spans = {S("kubelet", "pull\nimage", 0, 1, "bad \xff byte\ttab")};
  std::string text = RenderText(spans);
  CHECK(text.find("pull image") != std::string::npos);
  CHECK(text.find("bad \xEF\xBF\xBD byte tab") != std::string::npos);
}

TEST_CASE("the SVG: one lifeline per process, one arrow per hop, times on the arrows") {
  std::string svg = RenderSvg(Flow());
  CHECK(svg.rfind("<?xml", 0) == 0);
  CHECK(svg.find("xmlns=\"http://www.w3.org/2000/svg\"") != std::string::npos);
  CheckWellFormed(svg);
  size_t lifelines = 0, arrows = 0;
  for (size_t at = 0; (at = svg.find("class=\"l\"", at)) != std::string::npos; ++at) ++lifelines;
  for (size_t at = 0; (at = svg.find("marker-end", at)) != std::string::npos; ++at) ++arrows;
  CHECK(lifelines == 5);
  CHECK(arrows == 7);
  CHECK(svg.find("class=\"h w\">50.000 ms<") != std::string::npos);  // the longest, in red
  CHECK(svg.find(">2.000 ms<") != std::string::npos);
}

TEST_CASE("the SVG escapes what spans say") {
  std::vector<Span> spans = {S("apiserver", "<script>", 0, 1, "a & b \"q\" \xff", "kub<ectl")};
  std::string svg = RenderSvg(spans);
  CheckWellFormed(svg);
  CHECK(svg.find("<script>") == std::string::npos);
  CHECK(svg.find("&lt;script&gt;") != std::string::npos);
  CHECK(svg.find("a &amp; b &quot;q&quot;") != std::string::npos);
  CheckWellFormed(RenderSvg({}));
}

TEST_CASE("JSON carries the pod, spans with offsets, hops and the longest one") {
  PodTrace trace{"uid-1", "default", "nginx", Flow(), 0};
  trace.spans[0].set_detail("bad \xff");
  auto j = nlohmann::json::parse(RenderJson(trace));
  CHECK(j["pod"]["name"] == "nginx");
  CHECK(j["spans"].size() == 11);
  CHECK(j["spans"][2]["step"] == "store write");
  CHECK(j["spans"][2]["offsetMs"] == doctest::Approx(0.5));
  CHECK(j["spans"][0]["client"] == "kubectl");
  CHECK(j["hops"].size() == 7);
  CHECK(j["longestHop"]["to"] == "kubelet");
  CHECK(j["longestHop"]["ms"] == doctest::Approx(50.0));
}

}  // namespace
}  // namespace pk::trace
