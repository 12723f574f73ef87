#pragma once
// The HTTP/WebSocket server's flags, shared by `flowlens run` (server inside the
// pipeline process) and `flowlens serve` (server over an existing store).

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "server/http_server.h"
#include "store/flow_store.h"

namespace flowlens::app {

struct ServerOptions {
  std::string listen = "127.0.0.1:8080";
  bool disabled = false;  // run only: --no-server
  std::string auth_token;
  std::string auth_token_file;
  std::vector<std::string> allowed_origins;
  std::string web_root;
};

inline void add_server_options(CLI::App& cmd, ServerOptions& o, bool can_disable) {
  cmd.add_option("--listen", o.listen,
                 "Dashboard, REST API and WebSocket address (ADDR:PORT, port 0 = any free\n"
                 "port); a non-loopback address requires --auth-token")
      ->capture_default_str()
      ->group("Server");
  if (can_disable) cmd.add_flag("--no-server", o.disabled, "Do not start the server")->group("Server");
  cmd.add_option("--auth-token", o.auth_token,
                 "Token required by the API and WebSocket (Authorization: Bearer or ?token=)")
      ->group("Server");
  cmd.add_option("--auth-token-file", o.auth_token_file, "Read the token from FILE (first line)")
      ->group("Server");
  cmd.add_option("--allowed-origin", o.allowed_origins,
                 "WebSocket Origin allowed besides the server's own (repeatable)")
      ->group("Server");
  cmd.add_option("--web-root", o.web_root,
                 "Serve the dashboard from DIR instead of the embedded copy (development)")
      ->group("Server");
}

// What the process adds to the server besides the store: the collector's state.
struct ServerHooks {
  std::function<std::string()> exporters_json;  // GET /api/v1/exporters
  std::function<std::string()> extra_metrics;   // appended to /metrics
};

// Starts the server over `url` (readers opened per server thread). Errors name the flag.
inline Result<std::unique_ptr<server::HttpServer>> start_server(const ServerOptions& o,
                                                                const std::string& url,
                                                                ServerHooks hooks) {
  server::ServerConfig config;
  config.listen = o.listen;
  config.auth_token = o.auth_token;
  if (!o.auth_token_file.empty()) {
    std::ifstream in(o.auth_token_file);
    if (!in) return Error{fmt::format("--auth-token-file {}: cannot read it", o.auth_token_file)};
    std::getline(in, config.auth_token);
    if (config.auth_token.empty()) {
      return Error{fmt::format("--auth-token-file {}: the first line is empty", o.auth_token_file)};
    }
  }
  config.allowed_origins = o.allowed_origins;
  config.web_root = o.web_root;
  config.exporters_json = std::move(hooks.exporters_json);
  config.extra_metrics = std::move(hooks.extra_metrics);
  auto srv = std::make_unique<server::HttpServer>(
      config, [url]() { return store::FlowStore::open(url, 0); });
  if (Status s = srv->start(); !s) return Error{fmt::format("--listen {}: {}", o.listen, s.error().message)};
  return srv;
}

}  // namespace flowlens::app
