// Text hygiene for the renderers: span text comes from any component and may hold control
// characters or invalid UTF-8, which would break a table row or make an SVG unparsable.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pk::trace::text {

// Valid UTF-8 with every control character (tabs and newlines included) as a space and every
// invalid byte as U+FFFD.
std::string Clean(std::string_view in);
// At most `max` code points of clean text, "..." marking a cut.
std::string Truncate(const std::string& clean, size_t max);
// Code points of clean text (the width of a table column).
size_t Width(const std::string& clean);
// Escaped for XML text and attribute values (& < > " ').
std::string Xml(std::string_view clean);

}  // namespace pk::trace::text
