// Equality of two protobuf maps (google::protobuf::Map has no operator==): the same keys with
// the same values, order aside. Labels, annotations, ConfigMap data.
#pragma once

namespace pk {

template <class MapT>
bool SameMap(const MapT& a, const MapT& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [k, v] : a) {
    auto it = b.find(k);
    if (it == b.end() || it->second != v) return false;
  }
  return true;
}

}  // namespace pk
