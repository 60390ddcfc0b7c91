// resource.Quantity: parse, compare, add and format Kubernetes quantities ("500m", "1Gi",
// "1.5", "2e3") with Kubernetes' canonical forms (k8s.io/apimachinery/pkg/api/resource).
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "apimachinery/status.h"

namespace pk {

class Quantity {
 public:
  // How the quantity is written back: with SI suffixes (m, k, M, G...), binary suffixes
  // (Ki, Mi, Gi...) or a decimal exponent (e3). Parsing picks it from the input's suffix.
  enum class Format { kDecimalSI, kBinarySI, kDecimalExponent };

  Quantity() = default;  // zero, DecimalSI
  // Parses a quantity; errors are BadRequest with Kubernetes' wording
  // ("quantities must match the regular expression
  // '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'").
  static Result<Quantity> Parse(std::string_view text);
  static Quantity FromMilli(int64_t milli, Format format = Format::kDecimalSI);
  static Quantity FromInt(int64_t value, Format format = Format::kDecimalSI);

  // Value rounded up to an integer, and value in thousandths rounded up, as Go's Value() and
  // MilliValue() do ("100m".Value() == 1).
  int64_t Value() const;
  int64_t MilliValue() const;
  bool IsZero() const { return nanos_ == 0; }
  int Sign() const { return nanos_ > 0 ? 1 : (nanos_ < 0 ? -1 : 0); }
  Format format() const { return format_; }
  // Go's exported Format field: changes how the quantity is written, not its value.
  void set_format(Format format) {
    format_ = format;
    text_.clear();
  }

  // The canonical form Kubernetes writes: "1000m" -> "1", "1536Mi" -> "1536Mi",
  // "0.5" -> "500m", "1.5Gi" -> "1536Mi", "2000" -> "2k", "1e3" -> "1e3". Like Go, a parsed
  // input already in canonical shape is returned as written ("1E3" stays "1E3").
  std::string ToString() const;

  // Keep this quantity's format, unless it is zero: then it takes other's, as Go does.
  // Results saturate at magnitude 10^29.
  Quantity& Add(const Quantity& other);
  Quantity& Sub(const Quantity& other);
  std::strong_ordering operator<=>(const Quantity& other) const { return nanos_ <=> other.nanos_; }
  bool operator==(const Quantity& other) const { return nanos_ == other.nanos_; }

 private:
  // The value in units of 10^-9, exact for every quantity Kubernetes can round-trip at nano
  // precision (smaller fractions round up, as Kubernetes does). Magnitudes of 10^29 and more
  // are rejected by Parse (Kubernetes has no bound for decimal quantities).
  __int128 nanos_ = 0;
  Format format_ = Format::kDecimalSI;
  // The parsed text when Go would keep it as the quantity's string (its cached `s`); empty
  // otherwise. Cleared by any change.
  std::string text_;
};

}  // namespace pk
