// Identities the registry gives new objects: uids and generateName suffixes.
#pragma once

#include <string>
#include <string_view>

namespace pk::registry {

// A random (version 4) UUID: "0f9a4f6e-4b1c-4a5e-9d0b-3c2f1e0a9b8c".
std::string NewUid();
// generateName + 5 characters from Kubernetes' alphabet (no vowels, no confusable digits):
// "web-7d4f9" -- SimpleNameGenerator, cut so that the name stays within 63 characters.
std::string GenerateName(std::string_view base);

}  // namespace pk::registry
