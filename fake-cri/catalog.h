// The image catalog: which images a pull can find, how long it takes, and what a container of
// each image does. Shipped defaults are images.yaml, compiled in; a file can replace them.
//
// Immutable once built: safe to read from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "apimachinery/status.h"

namespace pk::fakecri {

// A reference normalised the way Docker does: "nginx" -> docker.io/library/nginx:latest.
struct ImageRef {
  std::string repository;  // "docker.io/library/nginx"
  std::string tag;         // "latest" unless a digest was given without a tag
  std::string digest;      // "sha256:..." or ""
  // "docker.io/library/nginx:1.25", or repository@digest for a reference by digest alone.
  std::string Canonical() const;
};

// Parses NAME[:TAG][@DIGEST]; Invalid for an empty or malformed reference.
Result<ImageRef> ParseImageRef(std::string_view image);

// The image's own program: what runs when a container's argv is not a shell command.
struct ServeBehaviour {
  std::vector<int> ports;                               // answer tcpSocket and httpGet (200) probes
  std::vector<std::string> stdout_lines, stderr_lines;  // printed at start
  std::chrono::nanoseconds log_every{0};                // 0: no periodic line
  std::string log_line;
  bool exits_on_sigterm = true;  // false: killed with 137 when the stop timeout passes
};

struct ImageInfo {
  std::string repository;  // normalised
  std::chrono::nanoseconds pull_time{0};
  uint64_t size = 0;
  bool preloaded = false;
  std::vector<std::string> entrypoint, cmd;
  std::vector<std::pair<std::string, std::string>> env;
  std::optional<ServeBehaviour> serve;
};

class Catalog {
 public:
  // The shipped defaults (images.yaml).
  static Catalog Shipped();
  // A catalog file; "" means Shipped(). Invalid with the file and the problem otherwise.
  static Result<Catalog> Load(const std::string& path);
  // YAML text; `source` names it in error messages.
  static Result<Catalog> Parse(const std::string& yaml, const std::string& source);

  // The entry for the reference's repository, or null: the image does not exist.
  const ImageInfo* Find(const ImageRef& ref) const;
  const std::vector<ImageInfo>& images() const { return images_; }

 private:
  std::vector<ImageInfo> images_;
};

// A stable 64-hex-digit digest of `text` (not cryptographic): image and container ids.
std::string HexDigest(std::string_view text);

}  // namespace pk::fakecri
