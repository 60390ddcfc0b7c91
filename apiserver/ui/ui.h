// The cluster page for people: GET /ui/ serves one static HTML file (index.html, with its
// JavaScript and CSS inline, compiled into the binary by embed.cmake) that lists the live
// nodes and pods through the API's own list and watch, and shows a chosen pod's pod-flow
// trace (/debug/picokube/traces/NS/POD) as its sequence diagram and text timeline.
// The page uses nothing but the apiserver it came from: no CDN, no download.
#pragma once

#include <optional>
#include <string_view>

#include "apiserver/endpoints/request.h"

namespace pk::apiserver::ui {

// The page, byte for byte (generated from index.html at build time).
extern const std::string_view kIndexHtml;

// The answer when `request` is for the page: GET or HEAD of /ui/ (or /ui/index.html) gets the
// page, of /ui a 301 to /ui/ (relative links then resolve under /ui/). nullopt for every other
// path or method, which the caller answers as any unknown non-resource path (404).
// No authentication of its own: the handler chain already applied the apiserver's.
std::optional<Response> Serve(const Request& request);

}  // namespace pk::apiserver::ui
