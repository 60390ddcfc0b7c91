// Field selectors (?fieldSelector=): Parse accepts or refuses any text; what it accepts prints
// (String, values escaped again) to a selector that parses back to the same requirements.
#include <algorithm>
#include <string>
#include <vector>

#include "apimachinery/selectors.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  using pk::FieldSelector;
  using pk::fuzz::Require;
  auto selector = FieldSelector::Parse(pk::fuzz::AsText(data, size));
  if (!selector.ok()) return 0;
  std::string text = selector->String();
  auto again = FieldSelector::Parse(text);
  Require(again.ok(), "String parses", text);
  // Not String() == again->String(): Kubernetes sorts the raw terms ("c==m" before "c=Xn")
  // and prints them in that order, so printing twice may reorder; the set is what must hold.
  auto sorted = [](const FieldSelector& f) {
    std::vector<std::string> terms;
    for (const auto& r : f.requirements()) {
      terms.push_back(r.field + (r.op == FieldSelector::Op::kEquals ? "=" : "!=") + '\0' + r.value);
    }
    std::sort(terms.begin(), terms.end());
    return terms;
  };
  Require(sorted(*again) == sorted(*selector), "String keeps the requirements", text);
  auto lookup = [](std::string_view field) -> std::optional<std::string_view> {
    if (field == "metadata.name") return "web-0";
    if (field == "spec.nodeName") return "node-1";
    return std::nullopt;
  };
  Require(again->Matches(lookup) == selector->Matches(lookup), "same matches", text);
  for (const auto& r : selector->requirements()) (void)selector->RequiresExactMatch(r.field);
  return 0;
}
