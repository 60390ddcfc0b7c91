// YAML to JSON: yaml-cpp's parser events build JSON values directly. Aliases and merge keys
// are expanded within a budget. We drive yaml-cpp's Parser ourselves instead of calling
// YAML::LoadAll, which loops forever on some malformed streams (`{} ,` -- yaml-cpp issue
// #1040, fixed upstream after Debian's 0.7): a stream cannot hold more documents than it has
// document markers, so more than that means the parser is stuck.
#include "apimachinery/yaml.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <cmath>
#include <map>
#include <sstream>
#include <string>

#include "apimachinery/yaml_scalars.h"

namespace pk {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kStrTag = "tag:yaml.org,2002:str";
constexpr std::string_view kBinaryTag = "tag:yaml.org,2002:binary";
constexpr std::string_view kCoreTagPrefix = "tag:yaml.org,2002:";

Status YamlError(const YAML::Mark& mark, std::string_view message) {
  if (mark.is_null()) return Status::BadRequest("yaml: " + std::string(message));
  return Status::BadRequest("yaml: line " + std::to_string(mark.line + 1) + ": column " +
                            std::to_string(mark.column + 1) + ": " + std::string(message));
}

// strconv.FormatFloat of a non-finite float, as Go's errors and map keys print it.
std::string GoFloat(const Json& v) {
  double d = v.get<double>();
  return std::isnan(d) ? "NaN" : (d > 0 ? "+Inf" : "-Inf");
}

// The checks of go-yaml's reader (readerc.go), which runs before any parsing: the stream must
// be UTF-8 without control characters. yaml-cpp passes bytes through, and invalid UTF-8 in a
// JSON string throws wherever nlohmann writes it (fieldsets, errors), so it stops here.
Status CheckCharacters(std::string_view yaml) {
  auto error = [](std::string_view problem) {
    return Status::BadRequest("yaml: " + std::string(problem));
  };
  for (size_t i = 0; i < yaml.size();) {
    const auto octet = static_cast<unsigned char>(yaml[i]);
    size_t width = (octet & 0x80) == 0      ? 1
                   : (octet & 0xE0) == 0xC0 ? 2
                   : (octet & 0xF0) == 0xE0 ? 3
                   : (octet & 0xF8) == 0xF0 ? 4
                                            : 0;
    if (width == 0) return error("invalid leading UTF-8 octet");
    if (yaml.size() - i < width) return error("incomplete UTF-8 octet sequence");
    char32_t value = width == 1 ? octet : octet & (0xFF >> (width + 1));
    for (size_t k = 1; k < width; ++k) {
      const auto trailing = static_cast<unsigned char>(yaml[i + k]);
      if ((trailing & 0xC0) != 0x80) return error("invalid trailing UTF-8 octet");
      value = (value << 6) | (trailing & 0x3F);
    }
    const char32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (value < min[width]) return error("invalid length of a UTF-8 sequence");
    if ((value >= 0xD800 && value <= 0xDFFF) || value > 0x10FFFF) {
      return error("invalid Unicode character");
    }
    const bool allowed = value == 0x09 || value == 0x0A || value == 0x0D ||
                         (value >= 0x20 && value <= 0x7E) || value == 0x85 ||
                         (value >= 0xA0 && value <= 0xD7FF) ||
                         (value >= 0xE000 && value <= 0xFFFD) || value >= 0x10000;
    if (!allowed) return error("control characters are not allowed");
    i += width;
  }
  return Status();
}

// The length of the UTF-8 sequence at text[i] by its octets' shape, or 0 if none starts there.
size_t SequenceAt(std::string_view text, size_t i) {
  const auto octet = static_cast<unsigned char>(text[i]);
  const size_t width = (octet & 0x80) == 0      ? 1
                       : (octet & 0xE0) == 0xC0 ? 2
                       : (octet & 0xF0) == 0xE0 ? 3
                       : (octet & 0xF8) == 0xF0 ? 4
                                                : 0;
  if (width == 0 || text.size() - i < width) return 0;
  for (size_t k = 1; k < width; ++k) {
    if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return 0;
  }
  return width;
}

// yaml-cpp decodes the escapes \N and \_ of a double-quoted scalar to the single octets 0x85
// and 0xA0, not to the UTF-8 of U+0085 and U+00A0 (as go-yaml does). The stream was checked to
// be UTF-8 (CheckCharacters), so an octet of a scalar that starts no sequence is one of them.
std::string RepairEscapes(const std::string& value) {
  std::string out;
  for (size_t i = 0; i < value.size();) {
    const size_t width = SequenceAt(value, i);
    if (width > 0) {
      out.append(value, i, width);
      i += width;
      continue;
    }
    const auto octet = static_cast<unsigned char>(value[i++]);
    if (octet == 0x85 || octet == 0xA0) out += '\xC2';
    out += static_cast<char>(octet);
  }
  return out;
}

size_t CountNodes(const Json& v) {
  size_t n = 1;
  if (v.is_structured()) {
    for (const auto& child : v) n += CountNodes(child);
  }
  return n;
}

// Builds one document from parser events. Errors stop the build; the first one is kept.
class Builder : public YAML::EventHandler {
 public:
  explicit Builder(size_t budget) : budget_(budget) {}

  void Reset() {
    stack_.clear();
    root_ = Json();
    has_root_ = false;
  }
  Status status() const { return status_; }
  bool has_root() const { return has_root_; }
  Json& root() { return root_; }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Complete(mark, Json(nullptr), anchor, /*plain_key=*/"");
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) return Fail(YamlError(mark, "unknown anchor"));
    // Aliases share nodes, so "billion laughs" documents expand without bound; Go refuses too.
    if (it->second.nodes > budget_) {
      return Fail(YamlError(mark, "document contains excessive aliasing"));
    }
    budget_ -= it->second.nodes;
    Complete(mark, it->second.value, 0, "");
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& scalar) override {
    const std::string value = RepairEscapes(scalar);
    // "!" marks a quoted or block scalar, which is always a string.
    if (tag == "!" || tag == kStrTag || tag == kBinaryTag) {
      return Complete(mark, Json(value), anchor, "");
    }
    Json resolved = yaml_internal::ResolvePlain(value);
    if (tag.starts_with(kCoreTagPrefix) && resolved.is_string()) {
      return Fail(YamlError(
          mark, "cannot decode !!str `" + value + "` as a !!" + tag.substr(kCoreTagPrefix.size())));
    }
    Complete(mark, std::move(resolved), anchor, tag == "?" ? value : "");
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    stack_.push_back(Frame{Json::array(), mark, anchor, std::nullopt, false});
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    stack_.push_back(Frame{Json::object(), mark, anchor, std::nullopt, false});
  }
  void OnMapEnd() override { Close(); }

 private:
  struct Frame {
    Json value;
    YAML::Mark mark;
    YAML::anchor_t anchor;
    std::optional<std::string> key;  // a map's key waiting for its value
    bool merge;                      // that key is "<<"
  };
  struct Anchored {
    Json value;
    size_t nodes;
  };

  void Fail(Status s) {
    if (status_.ok()) status_ = std::move(s);
  }

  void Close() {
    if (stack_.empty()) return;
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    Complete(frame.mark, std::move(frame.value), frame.anchor, "");
  }

  // A finished node goes to its parent: a sequence item, a map key, or a map value.
  void Complete(const YAML::Mark& mark, Json value, YAML::anchor_t anchor,
                const std::string& plain_text) {
    if (!status_.ok()) return;
    if (budget_ == 0) return Fail(YamlError(mark, "document contains excessive aliasing"));
    const bool is_key = !stack_.empty() && stack_.back().value.is_object() && !stack_.back().key;
    // .inf and .nan are YAML floats but no JSON value: Go's YAMLToJSON fails in json.Marshal.
    if (!is_key && value.is_number_float() && !std::isfinite(value.get<double>())) {
      return Fail(Status::BadRequest("json: unsupported value: " + GoFloat(value)));
    }
    --budget_;
    if (anchor != 0) anchors_[anchor] = Anchored{value, CountNodes(value)};
    if (stack_.empty()) {
      root_ = std::move(value);
      has_root_ = true;
      return;
    }
    Frame& parent = stack_.back();
    if (parent.value.is_array()) {
      parent.value.push_back(std::move(value));
    } else if (!parent.key) {
      SetKey(mark, &parent, value, plain_text);
    } else if (parent.merge) {
      Merge(mark, &parent, value);
    } else {
      parent.value[*parent.key] = std::move(value);
      parent.key.reset();
    }
  }

  // A map key as the JSON object key Go writes for it ("1", "true", "null", or the text).
  void SetKey(const YAML::Mark& mark, Frame* map, const Json& key, const std::string& plain) {
    if (key.is_structured()) return Fail(YamlError(mark, "complex map keys are not supported"));
    map->merge = plain == "<<";
    if (key.is_number_float() && !std::isfinite(key.get<double>())) {
      map->key = GoFloat(key);  // Go formats the key with strconv; JSON has no such number
    } else {
      map->key = key.is_string() ? key.get<std::string>() : key.dump();
    }
  }

  // "<<: *base" or "<<: [*a, *b]": keys the map does not set yet are added.
  void Merge(const YAML::Mark& mark, Frame* map, const Json& source) {
    map->key.reset();
    map->merge = false;
    if (source.is_array()) {
      for (const auto& item : source) {
        if (!item.is_object()) return MergeError(mark);
        MergeMap(map, item);
      }
    } else if (source.is_object()) {
      MergeMap(map, source);
    } else {
      MergeError(mark);
    }
  }
  static void MergeMap(Frame* map, const Json& source) {
    for (const auto& [key, value] : source.items()) {
      if (!map->value.contains(key)) map->value[key] = value;
    }
  }
  void MergeError(const YAML::Mark& mark) {
    Fail(YamlError(mark, "map merge requires map or sequence of maps as the value"));
  }

  size_t budget_;
  Status status_;
  std::vector<Frame> stack_;
  std::map<YAML::anchor_t, Anchored> anchors_;
  Json root_;
  bool has_root_ = false;
};

// Lines that start a document ("---") or end one ("..."): an upper bound on documents.
size_t CountDocumentMarkers(std::string_view yaml) {
  size_t count = 0;
  for (size_t pos = 0; pos < yaml.size();) {
    std::string_view line = yaml.substr(pos, yaml.find('\n', pos) - pos);
    if (line.starts_with("---") || line.starts_with("...")) ++count;
    size_t next = yaml.find('\n', pos);
    if (next == std::string_view::npos) break;
    pos = next + 1;
  }
  return count;
}

// YAML's line breaks are "\r\n", "\r" and "\n", and scalars hold them as "\n" (YAML 1.2
// 5.4). yaml-cpp keeps a lone "\r" inside a plain scalar ("a\r" read as "a\r", not "a"), so
// every break becomes "\n" first, as go-yaml's reader does.
std::string NormalizeBreaks(std::string_view yaml) {
  std::string out;
  out.reserve(yaml.size());
  for (size_t i = 0; i < yaml.size(); ++i) {
    if (yaml[i] != '\r') {
      out += yaml[i];
    } else if (i + 1 == yaml.size() || yaml[i + 1] != '\n') {
      out += '\n';
    }
  }
  return out;
}

}  // namespace

Result<std::vector<nlohmann::ordered_json>> YamlToJsonDocuments(std::string_view text) {
  PK_RETURN_IF_ERROR(CheckCharacters(text));
  const std::string normalized = NormalizeBreaks(text);
  const std::string_view yaml = normalized;
  std::istringstream input{std::string(yaml)};
  const size_t max_documents = CountDocumentMarkers(yaml) + 1;
  Builder builder(100'000 + 10 * yaml.size());
  std::vector<Json> documents;
  try {
    YAML::Parser parser(input);
    for (size_t n = 0;; ++n) {
      builder.Reset();
      if (!parser.HandleNextDocument(builder)) break;
      PK_RETURN_IF_ERROR(builder.status());
      if (n >= max_documents) {
        return Status::BadRequest("yaml: did not find expected <document start>");
      }
      // Empty documents ("---\n---") have a null root and are skipped.
      if (builder.has_root() && !builder.root().is_null()) {
        documents.push_back(std::move(builder.root()));
      }
    }
  } catch (const YAML::Exception& e) {
    return YamlError(e.mark, e.msg);
  }
  return documents;
}

}  // namespace pk
