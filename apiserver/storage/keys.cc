#include "apiserver/storage/keys.h"

#include <fmt/format.h>

#include "apiserver/storage/store.h"

namespace pk::storage {

std::string ObjectKey(std::string_view resource, std::string_view ns, std::string_view name) {
  std::string key;
  key.reserve(kKeyRoot.size() + resource.size() + ns.size() + name.size() + 2);
  key.append(kKeyRoot).append(resource).push_back('/');
  if (!ns.empty()) key.append(ns).push_back('/');
  key.append(name);
  return key;
}

std::string PrefixKey(std::string_view resource, std::string_view ns) {
  std::string key;
  key.append(kKeyRoot).append(resource).push_back('/');
  if (!ns.empty()) key.append(ns).push_back('/');
  return key;
}

std::string_view EventTypeName(Event::Type type) {
  switch (type) {
    case Event::Type::kAdded:
      return "ADDED";
    case Event::Type::kModified:
      return "MODIFIED";
    case Event::Type::kDeleted:
      return "DELETED";
    case Event::Type::kBookmark:
      return "BOOKMARK";
    case Event::Type::kError:
      return "ERROR";
  }
  return "ERROR";
}

Result<KeyParts> ParseKey(std::string_view key) {
  auto bad = [key] { return Status::BadRequest(fmt::format("invalid store key \"{}\"", key)); };
  if (!key.starts_with(kKeyRoot)) return bad();
  std::string_view rest = key.substr(kKeyRoot.size());
  size_t slash = rest.find('/');
  if (slash == 0 || slash == std::string_view::npos) return bad();
  KeyParts parts{rest.substr(0, slash), {}};
  rest.remove_prefix(slash + 1);
  size_t second = rest.find('/');
  if (second != std::string_view::npos) {
    // Namespaced: exactly NAMESPACE/NAME.
    if (second == 0 || rest.find('/', second + 1) != std::string_view::npos) return bad();
    rest.remove_prefix(second + 1);
  }
  if (rest.empty()) return bad();
  parts.name = rest;
  return parts;
}

std::string_view ResourceOf(std::string_view key_or_prefix) {
  if (!key_or_prefix.starts_with(kKeyRoot)) return {};
  std::string_view rest = key_or_prefix.substr(kKeyRoot.size());
  size_t slash = rest.find('/');
  if (slash == 0 || slash == std::string_view::npos) return {};
  return rest.substr(0, slash);
}

}  // namespace pk::storage
