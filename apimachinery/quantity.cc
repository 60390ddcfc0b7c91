// Quantity parsing and formatting, ported from k8s.io/apimachinery/pkg/api/resource
// (quantity.go, suffix.go, amount.go). Values live in nanos (units of 10^-9), the precision
// every parsed quantity is rounded to in Kubernetes too.
#include "apimachinery/quantity.h"

#include <algorithm>
#include <limits>
#include <optional>

namespace pk {
namespace {

using Int128 = __int128;
using Format = Quantity::Format;

constexpr Int128 kNanosPerUnit = 1'000'000'000;
constexpr Int128 kNanosPerMilli = 1'000'000;

constexpr Int128 Pow10(int n) {
  Int128 result = 1;
  for (int i = 0; i < n; ++i) result *= 10;
  return result;
}

// |nanos| stays below 10^38 (an int128 holds about 1.7 * 10^38), so quantities up to 10^29.
constexpr int kMaxNanosDigits = 38;
constexpr Int128 kMaxNanos = Pow10(kMaxNanosDigits) - 1;
// Parsing caps a BinarySI quantity at 2^63-1, as Kubernetes does (maxAllowed).
constexpr Int128 kMaxBinaryNanos = Int128(std::numeric_limits<int64_t>::max()) * kNanosPerUnit;

constexpr std::string_view kErrFormatWrong =
    "quantities must match the regular expression "
    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
constexpr std::string_view kErrNumeric = "unable to parse numeric part of quantity";
constexpr std::string_view kErrSuffix = "unable to parse quantity's suffix";
constexpr std::string_view kErrRange = "quantity is out of range: its magnitude must be below 1e29";

Status ParseError(std::string_view message) { return Status::BadRequest(std::string(message)); }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The pieces of a quantity string, as Go's parseQuantityString returns them.
struct Pieces {
  bool positive = true;
  bool value_has_digits = false;  // Go's `value` parses as a decimal (inf.Dec.SetString)
  std::string_view num;           // integer digits without leading zeros, "0" when none
  std::string_view denom;         // fraction digits
  std::string_view suffix;
};

size_t SkipDigits(std::string_view s, size_t pos) {
  while (pos < s.size() && IsDigit(s[pos])) ++pos;
  return pos;
}

// Port of parseQuantityString: a permissive scan; the suffix is interpreted later.
bool SplitQuantity(std::string_view s, Pieces* out) {
  size_t pos = 0;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    out->positive = s[0] == '+';
    ++pos;
  }
  const size_t digits_start = pos;
  while (pos < s.size() && s[pos] == '0') ++pos;
  if (pos == s.size()) {  // only a sign and zeros: Go returns value "0"
    out->num = "0";
    out->value_has_digits = true;
    return true;
  }
  const size_t num_start = pos;
  pos = SkipDigits(s, pos);
  out->num = pos > num_start ? s.substr(num_start, pos - num_start) : "0";
  if (pos < s.size() && s[pos] == '.') {
    const size_t denom_start = ++pos;
    pos = SkipDigits(s, pos);
    out->denom = s.substr(denom_start, pos - denom_start);
  }
  out->value_has_digits = std::any_of(s.begin() + digits_start, s.begin() + pos, IsDigit);
  const size_t suffix_start = pos;
  while (pos < s.size() &&
         std::string_view("eEinumkKMGTP").find(s[pos]) != std::string_view::npos) {
    ++pos;
  }
  if (pos < s.size() && (s[pos] == '-' || s[pos] == '+')) ++pos;
  if (SkipDigits(s, pos) != s.size()) return false;
  out->suffix = s.substr(suffix_start);
  return true;
}

struct Suffix {
  int base;          // 10 or 2
  int64_t exponent;  // power of the base
  Format format;
};

constexpr std::string_view kDecimalSuffixes[] = {"n", "u", "m", "", "k", "M", "G", "T", "P", "E"};
constexpr int kLowestDecimalExponent = -9;
constexpr std::string_view kBinarySuffixes[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};

// Port of suffixer.interpret.
std::optional<Suffix> InterpretSuffix(std::string_view s) {
  for (int i = 0; i < 10; ++i) {
    if (s == kDecimalSuffixes[i])
      return Suffix{10, kLowestDecimalExponent + 3 * i, Format::kDecimalSI};
  }
  for (int i = 1; i < 7; ++i) {
    if (s == kBinarySuffixes[i]) return Suffix{2, 10 * i, Format::kBinarySI};
  }
  if (s.size() < 2 || (s[0] != 'e' && s[0] != 'E')) return std::nullopt;
  // strconv.ParseInt(s[1:], 10, 64): an optional sign, then decimal digits.
  std::string_view digits = s.substr(1);
  const bool negative = digits[0] == '-';
  if (digits[0] == '-' || digits[0] == '+') digits.remove_prefix(1);
  if (digits.empty()) return std::nullopt;
  Int128 value = 0;
  for (char c : digits) {
    value = value * 10 + (c - '0');
    if (value > Int128(std::numeric_limits<int64_t>::max()) + 1) return std::nullopt;
  }
  if (negative) value = -value;
  if (value > std::numeric_limits<int64_t>::max()) return std::nullopt;
  return Suffix{10, static_cast<int64_t>(value), Format::kDecimalExponent};
}

// Multiplies a decimal digit string in place by 1024.
void MultiplyBy1024(std::string& digits) {
  int carry = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    const int product = (*it - '0') * 1024 + carry;
    *it = static_cast<char>('0' + product % 10);
    carry = product / 10;
  }
  for (; carry > 0; carry /= 10) digits.insert(digits.begin(), static_cast<char>('0' + carry % 10));
}

// digits * 10^shift in nanos, rounding a finer remainder away from zero; nullopt on overflow.
std::optional<Int128> DigitsToNanos(std::string_view digits, int64_t shift) {
  const size_t first = digits.find_first_not_of('0');
  if (first == std::string_view::npos) return Int128(0);
  digits.remove_prefix(first);
  const int64_t kept = static_cast<int64_t>(digits.size()) + std::min<int64_t>(shift, 0);
  bool round_up = false;
  if (kept < static_cast<int64_t>(digits.size())) {
    const size_t keep = static_cast<size_t>(std::max<int64_t>(kept, 0));
    round_up = digits.find_first_not_of('0', keep) != std::string_view::npos;
    digits = digits.substr(0, keep);
  }
  if (static_cast<int64_t>(digits.size()) + std::max<int64_t>(shift, 0) > kMaxNanosDigits) {
    return std::nullopt;
  }
  Int128 nanos = 0;
  for (char c : digits) nanos = nanos * 10 + (c - '0');
  for (int64_t i = 0; i < shift; ++i) nanos *= 10;
  if (round_up) ++nanos;
  if (nanos > kMaxNanos) return std::nullopt;
  return nanos;
}

// The magnitude of the parsed quantity in nanos, before BinarySI capping.
std::optional<Int128> MagnitudeNanos(const Pieces& p, const Suffix& suffix) {
  std::string digits = std::string(p.num) + std::string(p.denom);
  // Bound the exponent so the shift arithmetic cannot overflow; beyond it the value either
  // overflows or rounds up to one nano anyway.
  constexpr int64_t kExponentBound = int64_t{1} << 40;
  int64_t shift = std::clamp(suffix.exponent, -kExponentBound, kExponentBound);
  if (suffix.base == 2) {
    for (int64_t i = 0; i < suffix.exponent; i += 10) MultiplyBy1024(digits);
    shift = 0;
  }
  shift += 9 - static_cast<int64_t>(p.denom.size());
  return DigitsToNanos(digits, shift);
}

// What Go's ParseQuantity does on its int64 fast path (taken when the digits fit and the
// scale is at least nano); on it, a canonical-looking input is kept as the quantity's string
// (its `s` field), which String() then returns verbatim.
struct FastPath {
  bool taken = false;
  bool keeps_text = false;
};

FastPath GoFastPath(const Pieces& p, const Suffix& suffix) {
  const int64_t digits = static_cast<int64_t>(p.num.size() + p.denom.size());
  int64_t precision = -1;
  int64_t scale = 0;
  if (suffix.format != Format::kBinarySI) {
    scale = suffix.exponent;
    precision = 18 - digits;
  } else if (p.denom.empty()) {
    precision = 15 - static_cast<int64_t>(p.num.size()) - suffix.exponent * 3 / 10 - 1;
  }
  scale -= static_cast<int64_t>(p.denom.size());
  if (precision < 0 || scale < kLowestDecimalExponent) return {};
  const std::string shifted = std::string(p.num) + std::string(p.denom);
  int64_t value = 0;
  for (char c : shifted) value = value * 10 + (c - '0');  // at most 18 digits: fits
  if (suffix.format == Format::kBinarySI) {
    int64_t result = 0;
    if (__builtin_mul_overflow(value, int64_t{1} << suffix.exponent, &result)) return {};
    return {true, suffix.exponent % 10 == 0 && (value & 0x07) != 0};
  }
  return {true, scale % 3 == 0 && !shifted.ends_with("000") && shifted[0] != '0'};
}

std::string Int128ToString(Int128 value) {
  if (value == 0) return "0";
  const bool negative = value < 0;
  std::string out;
  for (; value != 0; value /= 10) {
    const int digit = static_cast<int>(value % 10);
    out.push_back(static_cast<char>('0' + (negative ? -digit : digit)));
  }
  if (negative) out.push_back('-');
  std::reverse(out.begin(), out.end());
  return out;
}

// Base-10 canonical form (AsCanonicalBytes + constructBytes): the mantissa loses its factors
// of ten, then the exponent moves down to a multiple of three.
std::string DecimalString(Int128 nanos, Format format) {
  int exponent = kLowestDecimalExponent;
  while (nanos % 10 == 0) {
    nanos /= 10;
    ++exponent;
  }
  while (exponent % 3 != 0) {
    nanos *= 10;
    --exponent;
  }
  std::string out = Int128ToString(nanos);
  const int index = (exponent - kLowestDecimalExponent) / 3;
  if (format == Format::kDecimalSI && index < 10) return out + std::string(kDecimalSuffixes[index]);
  // DecimalExponent, or DecimalSI beyond "E", which falls back to an exponent.
  if (exponent != 0) {
    out += 'e';
    out += std::to_string(exponent);
  }
  return out;
}

// Base-1024 canonical form of an integer quantity (AsCanonicalBase1024Bytes).
std::string BinaryString(Int128 units) {
  int exponent = 0;
  // Go stops at Ei only because larger values cannot be parsed; stop there explicitly.
  while (exponent < 6 && units % 1024 == 0) {
    units /= 1024;
    ++exponent;
  }
  return Int128ToString(units) + std::string(kBinarySuffixes[exponent]);
}

int64_t SaturatingCeilDiv(Int128 nanos, Int128 divisor) {
  Int128 quotient = nanos / divisor;
  if (nanos % divisor != 0) quotient += nanos > 0 ? 1 : -1;  // away from zero
  quotient = std::clamp<Int128>(quotient, std::numeric_limits<int64_t>::min(),
                                std::numeric_limits<int64_t>::max());
  return static_cast<int64_t>(quotient);
}

Int128 SaturatingAdd(Int128 a, Int128 b) {
  Int128 sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) return a > 0 ? kMaxNanos : -kMaxNanos;
  return std::clamp(sum, -kMaxNanos, kMaxNanos);
}

}  // namespace

Result<Quantity> Quantity::Parse(std::string_view text) {
  if (text.empty()) return ParseError(kErrFormatWrong);
  Quantity q;
  if (text == "0") {
    q.text_ = "0";
    return q;
  }
  Pieces pieces;
  if (!SplitQuantity(text, &pieces)) return ParseError(kErrFormatWrong);
  const std::optional<Suffix> suffix = InterpretSuffix(pieces.suffix);
  if (!suffix) return ParseError(kErrSuffix);
  const FastPath fast = GoFastPath(pieces, *suffix);
  // Off the fast path Go parses the number with inf.Dec, which rejects a lone ".".
  if (!fast.taken && !pieces.value_has_digits) return ParseError(kErrNumeric);
  std::optional<Int128> magnitude = MagnitudeNanos(pieces, *suffix);
  if (!magnitude) return ParseError(kErrRange);
  q.format_ = suffix->format;
  if (q.format_ == Format::kBinarySI) {
    *magnitude = std::min(*magnitude, kMaxBinaryNanos);
    // A fraction below one has no binary form; Kubernetes switches it to DecimalSI.
    if (*magnitude > 0 && *magnitude < kNanosPerUnit) q.format_ = Format::kDecimalSI;
  }
  q.nanos_ = pieces.positive ? *magnitude : -*magnitude;
  if (fast.keeps_text) q.text_ = std::string(text);
  return q;
}

Quantity Quantity::FromMilli(int64_t milli, Format format) {
  Quantity q;
  q.nanos_ = Int128(milli) * kNanosPerMilli;
  q.format_ = format;
  return q;
}

Quantity Quantity::FromInt(int64_t value, Format format) {
  Quantity q;
  q.nanos_ = Int128(value) * kNanosPerUnit;
  q.format_ = format;
  return q;
}

int64_t Quantity::Value() const { return SaturatingCeilDiv(nanos_, kNanosPerUnit); }

int64_t Quantity::MilliValue() const { return SaturatingCeilDiv(nanos_, kNanosPerMilli); }

std::string Quantity::ToString() const {
  if (!text_.empty()) return text_;
  if (nanos_ == 0) return "0";
  Format format = format_;
  if (format == Format::kBinarySI) {
    const Int128 limit = 1024 * kNanosPerUnit;
    // Between -1024 and 1024, or not an integer: written as DecimalSI so nothing is lost.
    if ((nanos_ > -limit && nanos_ < limit) || nanos_ % kNanosPerUnit != 0) {
      format = Format::kDecimalSI;
    }
  }
  if (format == Format::kBinarySI) return BinaryString(nanos_ / kNanosPerUnit);
  return DecimalString(nanos_, format);
}

Quantity& Quantity::Add(const Quantity& other) {
  if (nanos_ == 0) format_ = other.format_;
  nanos_ = SaturatingAdd(nanos_, other.nanos_);
  text_.clear();
  return *this;
}

Quantity& Quantity::Sub(const Quantity& other) {
  if (nanos_ == 0) format_ = other.format_;
  nanos_ = SaturatingAdd(nanos_, -other.nanos_);
  text_.clear();
  return *this;
}

}  // namespace pk
