// Resource list arithmetic (k8s.io/apiserver/pkg/quota/v1/resources.go).
#include <string>

#include "quota/quota.h"

namespace pk::quota {

ResourceList FromProto(const ProtoList& list) {
  ResourceList out;
  for (const auto& [name, q] : list) {
    auto parsed = Quantity::Parse(q.string().empty() ? "0" : q.string());
    if (parsed.ok()) out[name] = *parsed;
  }
  return out;
}

void ToProto(const ResourceList& list, ProtoList* out) {
  out->clear();
  for (const auto& [name, q] : list) (*out)[name].set_string(q.ToString());
}

ResourceNames Names(const ResourceList& list) {
  ResourceNames names;
  for (const auto& entry : list) names.insert(entry.first);
  return names;
}

ResourceList Add(const ResourceList& a, const ResourceList& b) {
  ResourceList out = a;
  for (const auto& [name, q] : b) {
    auto it = out.find(name);
    if (it == out.end()) {
      out.emplace(name, q);
    } else {
      it->second.Add(q);
    }
  }
  return out;
}

ResourceList SubtractWithNonNegativeResult(const ResourceList& a, const ResourceList& b) {
  ResourceList out;
  for (const auto& [name, q] : a) {
    Quantity value = q;
    auto it = b.find(name);
    if (it != b.end()) value.Sub(it->second);
    out[name] = value.Sign() > 0 ? value : Quantity();
  }
  for (const auto& entry : b) out.try_emplace(entry.first, Quantity());
  return out;
}

ResourceList Mask(const ResourceList& list, const ResourceNames& names) {
  ResourceList out;
  for (const auto& [name, q] : list) {
    if (names.count(name)) out.emplace(name, q);
  }
  return out;
}

bool LessThanOrEqual(const ResourceList& a, const ResourceList& b, ResourceNames* exceeded) {
  bool ok = true;
  for (const auto& [name, limit] : b) {
    auto it = a.find(name);
    if (it != a.end() && it->second > limit) {
      ok = false;
      if (exceeded != nullptr) exceeded->insert(name);
    }
  }
  return ok;
}

ResourceList RemoveZeros(const ResourceList& list) {
  ResourceList out;
  for (const auto& [name, q] : list) {
    if (!q.IsZero()) out.emplace(name, q);
  }
  return out;
}

ResourceNames IsNegative(const ResourceList& list) {
  ResourceNames out;
  for (const auto& [name, q] : list) {
    if (q.Sign() < 0) out.insert(name);
  }
  return out;
}

bool Equals(const ResourceList& a, const ResourceList& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [name, q] : a) {
    auto it = b.find(name);
    if (it == b.end() || !(it->second == q)) return false;
  }
  return true;
}

std::string PrettyPrint(const ResourceList& list) {
  std::string out;
  for (const auto& [name, q] : list) {
    if (!out.empty()) out += ",";
    out += name + "=" + q.ToString();
  }
  return out;
}

std::string PrettyPrintNames(const ResourceNames& names) {
  std::string out;
  for (const auto& name : names) {
    if (!out.empty()) out += ",";
    out += name;
  }
  return out;
}

}  // namespace pk::quota
