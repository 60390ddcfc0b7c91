// The sequence diagram: lifelines left to right in flow order, time downwards one row per
// span or hop (not to scale: an image pull and a filter differ by 10^4), the ms since the
// first span on the left, each span's detail on the right.
#include <fmt/format.h>

#include <algorithm>

#include "trace/render.h"
#include "trace/text.h"

namespace pk::trace {
namespace {

constexpr int kLeft = 90;  // the time column
constexpr int kCol = 170;  // per lifeline
constexpr int kTop = 64;   // title and lifeline heads
constexpr int kRow = 22;
constexpr int kDetailW = 460;

class Diagram {
 public:
  explicit Diagram(const std::vector<Span>& spans)
      : spans_(spans), lifelines_(Lifelines(spans)), t0_(spans.front().start_unix_nano()) {}

  std::string Render() {
    std::vector<Hop> hops = Hops(spans_);
    const Hop* longest = nullptr;
    for (const Hop& h : hops) {
      if (h.nanos && (longest == nullptr || *h.nanos > *longest->nanos)) longest = &h;
    }
    for (size_t i = 0; i < spans_.size(); ++i) {
      for (const Hop& h : hops) {
        if (h.to_span == i && !h.is_return) Arrow(h, &h == longest);
      }
      SpanRow(spans_[i]);
      for (const Hop& h : hops) {
        if (h.to_span == i && h.is_return) Arrow(h, false);
      }
    }
    return Document();
  }

 private:
  int X(const std::string& lifeline) const {
    auto it = std::find(lifelines_.begin(), lifelines_.end(), lifeline);
    return kLeft + static_cast<int>(it - lifelines_.begin()) * kCol + kCol / 2;
  }
  int Y() const { return kTop + rows_ * kRow; }

  void SpanRow(const Span& s) {
    int x = X(s.component()), y = Y();
    std::string step = text::Clean(s.step());
    std::string timed = fmt::format("{} {} ms", step, FormatMillis(s.duration_nano()));
    std::string label = text::Truncate(s.duration_nano() == 0 ? step : timed, 26);
    body_ += fmt::format(
        "<g><title>{} {}: {}</title>"
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"t\">{}</text>"
        "<rect x=\"{}\" y=\"{}\" width=\"8\" height=\"{}\" class=\"a\"/>"
        "<text x=\"{}\" y=\"{}\">{}</text>"
        "<text x=\"{}\" y=\"{}\" class=\"d\">{}</text></g>\n",
        text::Xml(text::Clean(s.component())), text::Xml(step), text::Xml(text::Clean(s.detail())),
        kLeft - 8, y + 15, FormatMillis(s.start_unix_nano() - t0_), x - 4, y + 3, kRow - 6, x + 8,
        y + 15, text::Xml(label), DetailX(), y + 15,
        text::Xml(text::Truncate(text::Clean(s.detail()), 70)));
    ++rows_;
  }

  // The longest hop is drawn in red: where the pod waited most between processes.
  void Arrow(const Hop& h, bool longest) {
    int from = X(h.from), to = X(h.to), y = Y() + kRow / 2 + 4;
    std::string label = h.nanos ? FormatMillis(*h.nanos) + " ms" : text::Clean(h.label);
    const char* line_class = h.is_return ? "r" : (longest ? "m w" : "m");
    body_ += fmt::format(
        "<g><line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" class=\"{}\" marker-end=\"url(#arrow)\"/>"
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" class=\"{}\">{}</text></g>\n",
        from, y, to + (to > from ? -2 : 2), y, line_class, (from + to) / 2, y - 4,
        longest ? "h w" : "h", text::Xml(text::Truncate(label, 2 * kCol / 7)));
    ++rows_;
  }

  // Right of the last lifeline's step labels (which run past its column).
  int DetailX() const { return kLeft + static_cast<int>(lifelines_.size()) * kCol + 90; }

  std::string Document() const {
    int width = DetailX() + kDetailW, height = Y() + 16;
    std::string heads;
    for (const std::string& name : lifelines_) {
      int x = X(name);
      heads += fmt::format(
          "<rect x=\"{}\" y=\"30\" width=\"{}\" height=\"24\" class=\"b\"/>"
          "<text x=\"{}\" y=\"47\" text-anchor=\"middle\" class=\"n\">{}</text>"
          "<line x1=\"{}\" y1=\"54\" x2=\"{}\" y2=\"{}\" class=\"l\"/>\n",
          x - kCol / 2 + 10, kCol - 20, x, text::Xml(text::Clean(name)), x, x, height - 6);
    }
    return fmt::format(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
        "viewBox=\"0 0 {0} {1}\" font-family=\"sans-serif\" font-size=\"11\">\n"
        "<style>.b{{fill:#eef3fb;stroke:#345}} .n{{font-weight:bold}} "
        ".l{{stroke:#999;stroke-dasharray:4 3}} .a{{fill:#5b8def}} .m{{stroke:#222}} "
        ".r{{stroke:#222;stroke-dasharray:5 3}} .t{{fill:#555}} .d{{fill:#444}} "
        ".h{{fill:#a33}} line.w{{stroke:#d00;stroke-width:2}} text.w{{fill:#d00;font-weight:bold}}"
        "</style>\n"
        "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" "
        "markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#222\"/>"
        "</marker></defs>\n"
        "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        "<text x=\"10\" y=\"18\" font-size=\"13\" font-weight=\"bold\">{2}</text>\n"
        "<text x=\"{3}\" y=\"47\" text-anchor=\"end\" class=\"t\">ms</text>\n"
        "<text x=\"{4}\" y=\"47\" class=\"n\">detail</text>\n{5}{6}</svg>\n",
        width, height, text::Xml(Title()), kLeft - 8, DetailX(), heads, body_);
  }

  std::string Title() const {
    for (const Span& s : spans_) {
      if (!s.pod_name().empty()) {
        return text::Clean(
            fmt::format("pod {}/{} (uid {})", s.namespace_(), s.pod_name(), s.pod_uid()));
      }
    }
    return text::Clean("pod uid " + spans_.front().pod_uid());
  }

  const std::vector<Span>& spans_;
  const std::vector<std::string> lifelines_;
  const int64_t t0_;
  int rows_ = 0;
  std::string body_;
};

}  // namespace

std::string RenderSvg(const std::vector<Span>& spans) {
  if (spans.empty()) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"200\" height=\"30\">"
           "<text x=\"10\" y=\"20\" font-family=\"sans-serif\">No spans.</text></svg>\n";
  }
  return Diagram(spans).Render();
}

}  // namespace pk::trace
