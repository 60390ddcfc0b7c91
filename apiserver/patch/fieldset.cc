#include "apiserver/patch/fieldset.h"

#include <string>

namespace pk::patch {
namespace {

int Rank(const PathElement& e) {
  switch (e.empty() ? '?' : e[0]) {
    case 'f':
      return 0;
    case 'k':
      return 1;
    case 'v':
      return 2;
    case 'i':
      return 3;
    default:
      return 4;
  }
}

// Go's %q for the strings in paths (ASCII escapes only; enough for keys and values).
std::string GoQuote(const std::string& s) { return Json(s).dump(); }

// value.ToString: strings quoted, everything else as JSON.
std::string ValueString(const Json& v) {
  return v.is_string() ? GoQuote(v.get<std::string>()) : v.dump();
}

}  // namespace

bool ElementLess::operator()(const PathElement& a, const PathElement& b) const {
  int ra = Rank(a), rb = Rank(b);
  if (ra != rb) return ra < rb;
  if (ra == 3 && a.size() != b.size()) return a.size() < b.size();  // numeric order of i:N
  return a < b;
}

void FieldSet::Insert(const Path& path) {
  FieldSet* node = this;
  for (const auto& e : path) node = &node->children[e];
  node->member = true;
}

bool FieldSet::Touches(const Path& path) const {
  const FieldSet* node = this;
  for (const auto& e : path) {
    auto it = node->children.find(e);
    if (it == node->children.end()) return false;
    node = &it->second;
  }
  return !node->empty();
}

FieldSet FieldSet::Union(const FieldSet& other) const {
  FieldSet out = *this;
  out.member = member || other.member;
  for (const auto& [e, child] : other.children) out.children[e] = out.children[e].Union(child);
  return out;
}

FieldSet FieldSet::Intersection(const FieldSet& other) const {
  FieldSet out;
  out.member = member && other.member;
  for (const auto& [e, child] : children) {
    auto it = other.children.find(e);
    if (it == other.children.end()) continue;
    FieldSet both = child.Intersection(it->second);
    if (!both.empty()) out.children[e] = std::move(both);
  }
  return out;
}

FieldSet FieldSet::Difference(const FieldSet& other) const {
  FieldSet out;
  out.member = member && !other.member;
  for (const auto& [e, child] : children) {
    auto it = other.children.find(e);
    FieldSet rest = it == other.children.end() ? child : child.Difference(it->second);
    if (!rest.empty()) out.children[e] = std::move(rest);
  }
  return out;
}

void FieldSet::ForEachMember(const std::function<void(const Path&)>& fn) const {
  Path path;
  std::function<void(const FieldSet&)> walk = [&](const FieldSet& node) {
    if (node.member) fn(path);
    for (const auto& [e, child] : node.children) {
      path.push_back(e);
      walk(child);
      path.pop_back();
    }
  };
  walk(*this);
}

Json FieldSet::ToFieldsV1() const {
  Json out = Json::object();
  if (member && !children.empty()) out["."] = Json::object();
  for (const auto& [e, child] : children) {
    if (!child.empty()) out[e] = child.ToFieldsV1();
  }
  return out;
}

FieldSet FieldSet::FromFieldsV1(const Json& fields) {
  FieldSet out;
  if (!fields.is_object()) return out;
  for (auto it = fields.begin(); it != fields.end(); ++it) {
    if (it.key() == ".") {
      out.member = true;
      continue;
    }
    FieldSet child = FromFieldsV1(*it);
    if (child.children.empty()) child.member = true;  // a leaf `{}` is a member
    out.children[it.key()] = std::move(child);
  }
  return out;
}

std::string PathString(const Path& path) {
  std::string out;
  for (const auto& e : path) {
    const std::string body = e.size() > 2 ? e.substr(2) : "";
    switch (e.empty() ? '?' : e[0]) {
      case 'f':
        out += "." + body;
        break;
      case 'k': {
        Json key = Json::parse(body, nullptr, false);
        std::string parts;
        if (key.is_object()) {
          for (auto it = key.begin(); it != key.end(); ++it) {
            parts += (parts.empty() ? "" : ",") + it.key() + "=" + ValueString(*it);
          }
        }
        out += "[" + parts + "]";
        break;
      }
      case 'v':
        out += "[=" + ValueString(Json::parse(body, nullptr, false)) + "]";
        break;
      default:
        out += "[" + body + "]";
    }
  }
  return out;
}

void StripUntracked(FieldSet* set) {
  set->children.erase("f:apiVersion");
  set->children.erase("f:kind");
  auto meta = set->children.find("f:metadata");
  if (meta == set->children.end()) return;
  meta->second.member = false;
  for (const char* name : {"name", "namespace", "creationTimestamp", "selfLink", "uid",
                           "clusterName", "generation", "managedFields", "resourceVersion"}) {
    meta->second.children.erase(std::string("f:") + name);
  }
  if (meta->second.empty()) set->children.erase(meta);
}

}  // namespace pk::patch
