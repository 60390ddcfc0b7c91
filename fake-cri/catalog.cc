// Catalog parsing and Docker-style reference normalisation. yaml-cpp throws; every exception
// stops here and becomes an Invalid status naming the file.
#include "fake-cri/catalog.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <fstream>
#include <sstream>

#include "fake-cri/shell.h"

namespace pk::fakecri {

extern const char kShippedCatalog[];  // images.yaml, generated into images_yaml.cc

std::string ImageRef::Canonical() const {
  if (tag.empty()) return repository + "@" + digest;
  return repository + ":" + tag;
}

namespace {

Status BadRef(std::string_view image, std::string_view why) {
  return Status::BadRequest("invalid reference format \"" + std::string(image) +
                            "\": " + std::string(why));
}

bool ValidChars(std::string_view s, std::string_view extra) {
  for (char c : s) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || extra.find(c) != std::string_view::npos)) {
      return false;
    }
  }
  return !s.empty();
}

}  // namespace

Result<ImageRef> ParseImageRef(std::string_view image) {
  ImageRef ref;
  std::string name(image);
  if (size_t at = name.find('@'); at != std::string::npos) {
    ref.digest = name.substr(at + 1);
    name.resize(at);
    size_t colon = ref.digest.find(':');
    if (colon == std::string::npos || colon == 0 || ref.digest.size() - colon - 1 < 32 ||
        !ValidChars(ref.digest.substr(colon + 1), "")) {
      return BadRef(image, "bad digest");
    }
  }
  size_t colon = name.rfind(':');
  size_t slash = name.rfind('/');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    ref.tag = name.substr(colon + 1);
    name.resize(colon);
    if (ref.tag.size() > 128 || !ValidChars(ref.tag, "._-ABCDEFGHIJKLMNOPQRSTUVWXYZ")) {
      return BadRef(image, "bad tag");
    }
  } else if (ref.digest.empty()) {
    ref.tag = "latest";
  }
  size_t first = name.find('/');
  std::string domain = "docker.io";
  if (first != std::string::npos) {
    std::string head = name.substr(0, first);
    if (head.find_first_of(".:") != std::string::npos || head == "localhost") {
      domain = head == "index.docker.io" ? "docker.io" : head;
      name = name.substr(first + 1);
    }
  }
  if (!ValidChars(name, "._-/") || name.front() == '/' || name.back() == '/') {
    return BadRef(image, "repository name must be lowercase letters, digits and . _ - /");
  }
  if (domain == "docker.io" && name.find('/') == std::string::npos) name = "library/" + name;
  ref.repository = domain + "/" + name;
  return ref;
}

std::string HexDigest(std::string_view text) {
  std::string out;
  for (uint64_t salt = 0; salt < 4; ++salt) {
    uint64_t h = 1469598103934665603ULL ^ (salt * 0x9e3779b97f4a7c15ULL);
    for (char c : text) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    h ^= h >> 29;
    char buf[17];
    std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(h));
    out += buf;
  }
  return out;
}

const ImageInfo* Catalog::Find(const ImageRef& ref) const {
  for (const ImageInfo& info : images_) {
    if (info.repository == ref.repository) return &info;
  }
  return nullptr;
}

Catalog Catalog::Shipped() {
  static const Catalog shipped = [] {
    Result<Catalog> parsed = Parse(kShippedCatalog, "images.yaml (shipped)");
    return parsed.ok() ? std::move(parsed).value() : Catalog();
  }();
  return shipped;
}

Result<Catalog> Catalog::Load(const std::string& path) {
  if (path.empty()) return Shipped();
  std::ifstream in(path);
  if (!in) return Status::BadRequest("cannot read image catalog " + path);
  std::stringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

namespace {

std::chrono::nanoseconds Duration(const YAML::Node& node, const std::string& field) {
  std::chrono::nanoseconds d{0};
  if (node && !ParseDuration(node.as<std::string>(), d)) {
    throw YAML::Exception(node.Mark(), field + ": not a duration (\"500ms\", \"2s\")");
  }
  return d;
}

// Like YAML::Node::as<T>(fallback), but a present value of the wrong type is an error.
template <class T>
T Get(const YAML::Node& node, T fallback) {
  return node ? node.as<T>() : fallback;
}

std::vector<std::string> Strings(const YAML::Node& node) {
  return node ? node.as<std::vector<std::string>>() : std::vector<std::string>{};
}

ServeBehaviour ParseServe(const YAML::Node& node) {
  ServeBehaviour serve;
  if (node["ports"]) serve.ports = node["ports"].as<std::vector<int>>();
  serve.stdout_lines = Strings(node["stdout"]);
  serve.stderr_lines = Strings(node["stderr"]);
  serve.log_every = Duration(node["log_every"], "log_every");
  serve.log_line = Get<std::string>(node["log_line"], "");
  std::string sigterm = Get<std::string>(node["sigterm"], "exit");
  if (sigterm != "exit" && sigterm != "ignore") {
    throw YAML::Exception(node["sigterm"].Mark(), "sigterm: \"exit\" or \"ignore\"");
  }
  serve.exits_on_sigterm = sigterm == "exit";
  return serve;
}

ImageInfo ParseImage(const YAML::Node& node) {
  ImageInfo info;
  std::string name = Get<std::string>(node["name"], "");
  Result<ImageRef> ref = ParseImageRef(name);
  if (!ref.ok()) throw YAML::Exception(node.Mark(), ref.status().message());
  info.repository = ref->repository;
  info.pull_time = Duration(node["pull_time"], "pull_time");
  info.size = Get<uint64_t>(node["size"], 0);
  info.preloaded = Get<bool>(node["preloaded"], false);
  info.entrypoint = Strings(node["entrypoint"]);
  info.cmd = Strings(node["cmd"]);
  for (const auto& kv : node["env"]) {
    info.env.emplace_back(kv.first.as<std::string>(), kv.second.as<std::string>());
  }
  if (node["serve"]) info.serve = ParseServe(node["serve"]);
  return info;
}

}  // namespace

Result<Catalog> Catalog::Parse(const std::string& yaml, const std::string& source) {
  try {
    YAML::Node root = YAML::Load(yaml);
    if (!root["images"] || !root["images"].IsSequence()) {
      return Status::BadRequest("image catalog " + source + ": no `images:` list");
    }
    Catalog catalog;
    for (const auto& node : root["images"]) catalog.images_.push_back(ParseImage(node));
    return catalog;
  } catch (const std::exception& e) {
    return Status::BadRequest("image catalog " + source + ": " + e.what());
  }
}

}  // namespace pk::fakecri
