// Quantities (resource requests, limits, ?resourceVersion-free fields of every spec): Parse
// accepts or refuses any text; what it accepts writes back to a form that parses to the same
// value and writes back unchanged, and arithmetic on it neither overflows nor traps.
#include <string>

#include "apimachinery/quantity.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  using pk::Quantity;
  using pk::fuzz::Require;
  auto q = Quantity::Parse(pk::fuzz::AsText(data, size));
  if (!q.ok()) return 0;
  std::string text = q->ToString();
  auto again = Quantity::Parse(text);
  Require(again.ok(), "ToString parses", text);
  Require(*again == *q, "ToString keeps the value", again->ToString(), text);
  // Canonical after one round, not always at once: as Kubernetes, "31.25Ki" writes as "32000"
  // (no whole binary suffix), which parses as a decimal quantity and then writes as "32k".
  std::string second = again->ToString();
  auto third = Quantity::Parse(second);
  Require(third.ok() && *third == *q, "the second form keeps the value", second, text);
  Require(third->ToString() == second, "ToString is canonical after a round", third->ToString(),
          second);
  for (auto format : {Quantity::Format::kDecimalSI, Quantity::Format::kBinarySI,
                      Quantity::Format::kDecimalExponent}) {
    Quantity other = *q;
    other.set_format(format);
    std::string written = other.ToString();
    auto reparsed = Quantity::Parse(written);
    Require(reparsed.ok(), "every format parses", written);
  }
  (void)q->Value();
  (void)q->MilliValue();
  Quantity sum = *q;
  sum.Add(*q).Add(*q);
  (void)sum.ToString();
  sum.Sub(*q).Sub(Quantity::FromInt(-1));
  (void)sum.ToString();
  return 0;
}
