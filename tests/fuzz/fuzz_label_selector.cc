// Label selectors (?labelSelector=, kubectl -l): Parse accepts or refuses any text; what it
// accepts prints (String) to a selector that parses back to the same one, and matches.
#include <map>
#include <string>

#include "apimachinery/selectors.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  using pk::LabelSelector;
  using pk::fuzz::Require;
  auto selector = LabelSelector::Parse(pk::fuzz::AsText(data, size));
  if (!selector.ok()) return 0;
  std::string text = selector->String();
  auto again = LabelSelector::Parse(text);
  Require(again.ok(), "String parses", text);
  Require(again->String() == text, "String round-trips", again->String(), text);
  static const std::map<std::string, std::string> kLabels = {
      {"app", "web"}, {"tier", "1"}, {"x", ""}, {"example.com/name", "a.b-c_d"}};
  bool matches = selector->Matches(kLabels);
  Require(again->Matches(kLabels) == matches, "the printed selector matches the same", text);
  Require(selector->MatchesMap(kLabels) == matches, "MatchesMap agrees with Matches", text);
  for (const auto& r : selector->requirements()) (void)selector->RequiresExactMatch(r.key);
  return 0;
}
