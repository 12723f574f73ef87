#include "server/static_assets.h"

#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include "server/request_params.h"

namespace flowlens::server {
namespace {

constexpr size_t kMaxFileBytes = size_t{64} << 20;

std::optional<std::string> read_regular_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  if (static_cast<uint64_t>(st.st_size) > kMaxFileBytes) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::optional<std::string> lookup(std::string_view path, const std::string& web_root) {
  if (web_root.empty()) {
    for (const auto& a : embedded_assets()) {
      if (a.path == path) return std::string(a.data);
    }
    return std::nullopt;
  }
  return read_regular_file(web_root + std::string(path));
}

}  // namespace

std::string_view content_type_for(std::string_view path) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".ico", "image/x-icon"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".wasm", "application/wasm"},
  };
  for (const auto& [ext, type] : kTypes) {
    if (path.ends_with(ext)) return type;
  }
  return "application/octet-stream";
}

std::optional<StaticFile> find_static(std::string_view raw_path, const std::string& web_root) {
  auto decoded = percent_decode(raw_path, false);
  if (!decoded || decoded->empty() || (*decoded)[0] != '/') return std::nullopt;
  std::string path = std::move(*decoded);
  if (path.find('\0') != std::string::npos || path.find('\\') != std::string::npos) return std::nullopt;
  // Refuse any ".." segment instead of normalising: nothing legitimate needs one.
  for (size_t pos = 0; pos < path.size();) {
    size_t next = path.find('/', pos + 1);
    if (next == std::string::npos) next = path.size();
    const std::string_view seg = std::string_view(path).substr(pos + 1, next - pos - 1);
    if (seg == "..") return std::nullopt;
    pos = next;
  }
  if (path.back() == '/') path += "index.html";
  if (auto body = lookup(path, web_root)) return StaticFile{std::move(*body), content_type_for(path)};
  // A missing asset (a known file type: .js, .css, ...) is a 404, so a broken build shows
  // as such; anything else is an app route ("/hosts/10.0.0.1") and gets index.html.
  const bool looks_like_asset = content_type_for(path) != "application/octet-stream";
  if (!looks_like_asset) {
    if (auto index = lookup("/index.html", web_root)) {
      return StaticFile{std::move(*index), content_type_for("/index.html")};
    }
  }
  return std::nullopt;
}

}  // namespace flowlens::server
