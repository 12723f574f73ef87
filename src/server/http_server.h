#pragma once
// HttpServer: HTTP/1.1 + WebSocket on one port (Boost.Beast): the REST API, WS
// /api/v1/live, /metrics, /healthz and the dashboard's static files.
//
// Contract:
//  - start() binds and returns once the port listens (port() is then the actual port,
//    also for port 0); it refuses a non-loopback address without an auth token.
//  - Requests run on `threads` io threads. Each API request borrows a FlowStore from a
//    pool filled through the factory; a store is used by one request at a time (so by
//    one thread at a time), never more stores than threads.
//  - publish() may be called from any thread, never blocks on clients (LiveHub).
//  - Limits: header and body sizes (431 / 413), connection count (503 and close),
//    a per-request deadline (the connection is closed). Only GET is served (405).
//  - With an auth token, /api/** (including the WebSocket) and /metrics require it as
//    "Authorization: Bearer TOKEN" or "?token=TOKEN" (401 otherwise). /healthz and the
//    static files are open: they reveal nothing about traffic.
//  - WebSocket Origin: when the request carries Origin, it must be in allowed_origins,
//    or, with an empty list, name the same host:port as the Host header (403 otherwise).
//  - stop() closes the listener and every connection and joins the threads; the
//    destructor calls it.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "process/stream_processor.h"
#include "store/flow_store.h"

namespace flowlens::server {

struct ServerConfig {
  std::string listen = "127.0.0.1:8080";  // ADDR:PORT; "[::1]:8080" for IPv6; port 0 = any
  std::string auth_token;                 // empty = no auth (loopback only)
  std::vector<std::string> allowed_origins;  // "http://host:port"; empty = same host
  std::string web_root;                   // empty = the embedded dashboard
  size_t max_header_bytes = 8 * 1024;
  size_t max_body_bytes = 64 * 1024;
  size_t max_connections = 1024;          // HTTP and WebSocket together
  std::chrono::milliseconds request_timeout{30'000};
  unsigned threads = 2;
  // GET /api/v1/exporters answers with this body (the flow collector's state, see
  // collect/exporter_json.h); unset = 404. Both are called on io threads: thread-safe.
  std::function<std::string()> exporters_json;
  // Appended to /metrics (Prometheus text exposition, e.g. the collector's counters).
  std::function<std::string()> extra_metrics;
};

using StoreFactory = std::function<Result<std::unique_ptr<store::FlowStore>>()>;

struct ServerStats {
  uint64_t requests = 0;
  uint64_t connections_active = 0;
  uint64_t connections_refused = 0;
  uint64_t ws_clients = 0;
  uint64_t windows_published = 0;
  uint64_t ws_dropped = 0;
};

class LiveHub;

class HttpServer {
 public:
  HttpServer(ServerConfig config, StoreFactory store_factory);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  Status start();
  void stop();
  uint16_t port() const;

  // Thread-safe, non-blocking: queues the window for every WebSocket client.
  void publish(const process::WindowSummary& summary);

  ServerStats stats() const;
  LiveHub& live();

  // Parses "ADDR:PORT" / "[V6]:PORT"; Error names the text.
  struct Endpoint {
    std::string address;
    uint16_t port = 0;
  };
  static Result<Endpoint> parse_listen(std::string_view text);

  struct Impl;  // public so the session classes in http_server.cc can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace flowlens::server
