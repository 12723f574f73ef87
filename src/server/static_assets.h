#pragma once
// The dashboard's files: embedded in the binary at build time (flowlens_embed_assets in
// embed_assets.cmake generates the table) or read from --web-root.

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace flowlens::server {

struct EmbeddedAsset {
  std::string_view path;  // "/index.html", "/assets/app.js"
  std::string_view data;
};

// Defined by the generated source (every file of the embedded directory; a placeholder
// index.html when the web build output was absent at build time).
std::span<const EmbeddedAsset> embedded_assets();

// "text/html; charset=utf-8", "application/javascript", ... by extension;
// "application/octet-stream" when unknown.
std::string_view content_type_for(std::string_view path);

struct StaticFile {
  std::string body;
  std::string_view content_type;
};

// Resolves a request path (without query) to a file: embedded when web_root is empty,
// else under web_root. "/" and directories map to index.html; a path that is not of a
// known file type (static_assets.cc's table) that matches nothing falls back to
// /index.html (single-page app routes such as "/hosts/10.0.0.1").
// nullopt: not found, or the path tries to leave the root ("..", NUL, backslash).
std::optional<StaticFile> find_static(std::string_view path, const std::string& web_root);

}  // namespace flowlens::server
