#include "server/http_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <fmt/format.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <atomic>
#include <charconv>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

#include "server/api_handlers.h"
#include "server/live_hub.h"
#include "server/request_params.h"
#include "server/static_assets.h"

namespace flowlens::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

namespace {

// Compares without an early exit so the time taken does not reveal a prefix match.
bool equal_constant_time(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

std::string_view query_token(std::string_view target) {
  const size_t q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view part = rest.substr(0, amp);
    if (part.starts_with("token=")) return part.substr(6);
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  return {};
}

}  // namespace

struct HttpServer::Impl {
  ServerConfig config;
  StoreFactory factory;
  // Destroyed explicitly in ~Impl, before the other members: sessions still owned by
  // pending handlers refer to them (connection counters, the hub) when they die.
  std::unique_ptr<net::io_context> io_holder = std::make_unique<net::io_context>();
  net::io_context& io = *io_holder;
  std::optional<tcp::acceptor> acceptor_holder{std::in_place, io};
  tcp::acceptor& acceptor = *acceptor_holder;
  std::vector<std::thread> threads;
  LiveHub hub{io.get_executor()};
  std::atomic<uint16_t> bound_port{0};
  bool running = false;

  std::mutex pool_mu;
  std::vector<std::unique_ptr<store::FlowStore>> pool;

  std::atomic<uint64_t> connections{0};
  std::atomic<uint64_t> refused{0};
  std::atomic<uint64_t> requests{0};

  // Open sessions, to close them on stop().
  std::mutex sessions_mu;
  std::vector<std::weak_ptr<void>> sessions;
  std::vector<std::function<void()>> closers;

  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>& requests_family =
      prometheus::BuildCounter().Name("flowlens_http_requests_total").Help("HTTP requests by status class").Register(*registry);
  prometheus::Counter* by_class[6] = {};
  prometheus::Counter& refused_counter = prometheus::BuildCounter()
                                             .Name("flowlens_http_connections_refused_total")
                                             .Help("Connections refused at the connection limit")
                                             .Register(*registry)
                                             .Add({});
  prometheus::Gauge& connections_gauge = prometheus::BuildGauge()
                                             .Name("flowlens_http_connections")
                                             .Help("Open HTTP and WebSocket connections")
                                             .Register(*registry)
                                             .Add({});
  prometheus::Gauge& ws_clients_gauge = prometheus::BuildGauge()
                                            .Name("flowlens_live_clients")
                                            .Help("Connected WS /api/v1/live clients")
                                            .Register(*registry)
                                            .Add({});
  prometheus::Counter& published_counter = prometheus::BuildCounter()
                                               .Name("flowlens_live_windows_published_total")
                                               .Help("Window summaries published to the live hub")
                                               .Register(*registry)
                                               .Add({});
  prometheus::Counter& dropped_counter = prometheus::BuildCounter()
                                             .Name("flowlens_live_messages_dropped_total")
                                             .Help("Live messages dropped from full client queues (oldest first)")
                                             .Register(*registry)
                                             .Add({});
  std::mutex metrics_mu;
  uint64_t reported_published = 0;
  uint64_t reported_dropped = 0;
  uint64_t reported_refused = 0;

  Impl(ServerConfig c, StoreFactory f) : config(std::move(c)), factory(std::move(f)) {
    for (int i = 1; i <= 5; ++i) by_class[i] = &requests_family.Add({{"code", fmt::format("{}xx", i)}});
  }
  ~Impl() {
    acceptor_holder.reset();
    io_holder.reset();
  }

  void count_response(unsigned status) {
    requests.fetch_add(1, std::memory_order_relaxed);
    const unsigned cls = status / 100;
    if (cls >= 1 && cls <= 5) by_class[cls]->Increment();
  }

  std::string metrics_text() {
    {
      std::lock_guard lock(metrics_mu);
      const LiveHubStats st = hub.stats();
      // Counters only grow: add what happened since the last scrape.
      if (st.published > reported_published) published_counter.Increment(static_cast<double>(st.published - reported_published));
      if (st.dropped > reported_dropped) dropped_counter.Increment(static_cast<double>(st.dropped - reported_dropped));
      const uint64_t r = refused.load();
      if (r > reported_refused) refused_counter.Increment(static_cast<double>(r - reported_refused));
      reported_published = std::max(reported_published, st.published);
      reported_dropped = std::max(reported_dropped, st.dropped);
      reported_refused = std::max(reported_refused, r);
      ws_clients_gauge.Set(static_cast<double>(st.clients));
      connections_gauge.Set(static_cast<double>(connections.load()));
    }
    std::string text = prometheus::TextSerializer().Serialize(registry->Collect());
    if (config.extra_metrics) text += config.extra_metrics();
    return text;
  }

  Result<std::unique_ptr<store::FlowStore>> borrow_store() {
    {
      std::lock_guard lock(pool_mu);
      if (!pool.empty()) {
        auto s = std::move(pool.back());
        pool.pop_back();
        return s;
      }
    }
    return factory();
  }
  void return_store(std::unique_ptr<store::FlowStore> s) {
    std::lock_guard lock(pool_mu);
    pool.push_back(std::move(s));
  }

  bool authorized(std::string_view target, std::string_view authorization) const {
    if (config.auth_token.empty()) return true;
    if (authorization.starts_with("Bearer ") && equal_constant_time(authorization.substr(7), config.auth_token)) {
      return true;
    }
    const std::string_view t = query_token(target);
    if (t.empty()) return false;
    const auto decoded = percent_decode(t, true);
    return decoded && equal_constant_time(*decoded, config.auth_token);
  }

  bool origin_allowed(std::string_view origin, std::string_view host) const {
    if (origin.empty()) return true;  // not a browser; a browser always sends Origin
    if (!config.allowed_origins.empty()) {
      for (const auto& o : config.allowed_origins) {
        if (o == origin) return true;
      }
      return false;
    }
    std::string_view authority = origin;
    if (authority.starts_with("http://")) authority.remove_prefix(7);
    else if (authority.starts_with("https://")) authority.remove_prefix(8);
    else return false;
    return !host.empty() && authority == host;
  }

  void track(const std::shared_ptr<void>& session, std::function<void()> closer) {
    std::lock_guard lock(sessions_mu);
    // Forget closed sessions now and then so the list does not grow without bound.
    if (sessions.size() > 64 && sessions.size() % 64 == 0) {
      for (size_t i = 0; i < sessions.size();) {
        if (sessions[i].expired()) {
          sessions[i] = std::move(sessions.back());
          closers[i] = std::move(closers.back());
          sessions.pop_back();
          closers.pop_back();
        } else {
          ++i;
        }
      }
    }
    sessions.push_back(session);
    closers.push_back(std::move(closer));
  }

  void do_accept();
};

namespace {

// Held by every open connection: the count the connection limit reads.
class ConnectionSlot {
 public:
  explicit ConnectionSlot(std::atomic<uint64_t>& n) : n_(n) { n_.fetch_add(1); }
  ~ConnectionSlot() { n_.fetch_sub(1); }
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;

 private:
  std::atomic<uint64_t>& n_;
};

class WsSession : public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(tcp::socket&& socket, HttpServer::Impl& server, std::unique_ptr<ConnectionSlot> slot)
      : ws_(std::move(socket)), server_(server), slot_(std::move(slot)) {}

  void run(http::request<http::string_body> req) {
    beast::get_lowest_layer(ws_).expires_never();
    auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
    timeouts.handshake_timeout = server_.config.request_timeout;
    ws_.set_option(timeouts);
    ws_.read_message_max(4096);
    ws_.async_accept(req, beast::bind_front_handler(&WsSession::on_accept, shared_from_this()));
  }

  void close() {
    net::post(ws_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      beast::get_lowest_layer(self->ws_).socket().close(ec);
    });
  }

 private:
  void on_accept(beast::error_code ec) {
    if (ec) return;
    std::weak_ptr<WsSession> weak = weak_from_this();
    subscriber_ = std::make_shared<LiveSubscriber>([weak] {
      if (auto self = weak.lock()) {
        net::post(self->ws_.get_executor(), [self] { self->write_next(); });
      }
    });
    server_.hub.add(subscriber_);
    do_read();
  }

  void do_read() {
    ws_.async_read(buffer_, beast::bind_front_handler(&WsSession::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) {
      finish();
      return;
    }
    const std::string text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    auto sub = parse_subscription(text);
    if (sub) {
      subscriber_->set_subscription(sub.value());
    } else {
      std::string msg;
      problem(400, "invalid subscription", sub.error().message).body.swap(msg);
      subscriber_->push(std::make_shared<const std::string>(std::move(msg)));
      write_next();
    }
    do_read();
  }

  void write_next() {
    if (writing_ || finished_) return;
    auto m = subscriber_->pop();
    if (!m) return;
    writing_ = true;
    current_ = std::move(*m);
    ws_.text(true);
    ws_.async_write(net::buffer(*current_), beast::bind_front_handler(&WsSession::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    writing_ = false;
    current_.reset();
    if (ec) {
      finish();
      return;
    }
    write_next();
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    if (subscriber_) server_.hub.remove(subscriber_);
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  websocket::stream<beast::tcp_stream> ws_;
  HttpServer::Impl& server_;
  std::unique_ptr<ConnectionSlot> slot_;
  beast::flat_buffer buffer_;
  std::shared_ptr<LiveSubscriber> subscriber_;
  LiveMessage current_;
  bool writing_ = false;
  bool finished_ = false;
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket&& socket, HttpServer::Impl& server, std::unique_ptr<ConnectionSlot> slot)
      : stream_(std::move(socket)), server_(server), slot_(std::move(slot)) {}

  void run() {
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&HttpSession::do_read, shared_from_this()));
  }

  void close() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->stream_.socket().close(ec);
    });
  }

 private:
  void do_read() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(server_.config.max_header_bytes));
    parser_->body_limit(server_.config.max_body_bytes);
    stream_.expires_after(server_.config.request_timeout);
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) return shutdown();
    if (ec == http::error::header_limit) {
      return send(error_response(431, "request header too large",
                                 fmt::format("headers are limited to {} bytes", server_.config.max_header_bytes)),
                  true);
    }
    if (ec == http::error::body_limit) {
      return send(error_response(413, "request body too large",
                                 fmt::format("bodies are limited to {} bytes", server_.config.max_body_bytes)),
                  true);
    }
    if (ec) {
      // Malformed request, timeout or reset: a 400 when the peer may still read it.
      if (ec != beast::error::timeout && ec != net::error::operation_aborted && ec != net::error::connection_reset) {
        return send(error_response(400, "bad request", ec.message()), true);
      }
      return shutdown();
    }
    http::request<http::string_body> req = parser_->release();
    if (websocket::is_upgrade(req)) return upgrade(std::move(req));
    auto res = handle(req);
    res.version(req.version());
    res.keep_alive(req.keep_alive());
    send(std::move(res), !req.keep_alive());
  }

  void upgrade(http::request<http::string_body> req) {
    const std::string_view target = req.target();
    if (target.substr(0, target.find('?')) != "/api/v1/live") {
      return send(error_response(404, "not found", "WebSocket is served at /api/v1/live only"), true);
    }
    if (!server_.authorized(target, req[http::field::authorization])) {
      return send(error_response(401, "unauthorized", "a token is required"), true);
    }
    if (!server_.origin_allowed(req[http::field::origin], req[http::field::host])) {
      return send(error_response(403, "forbidden origin", "Origin is not allowed"), true);
    }
    auto ws = std::make_shared<WsSession>(stream_.release_socket(), server_, std::move(slot_));
    server_.track(ws, [weak = std::weak_ptr<WsSession>(ws)] {
      if (auto s = weak.lock()) s->close();
    });
    server_.count_response(101);
    ws->run(std::move(req));
  }

  http::response<http::string_body> error_response(unsigned status, std::string_view title, std::string_view detail) {
    return make(problem(status, title, detail));
  }

  http::response<http::string_body> make(ApiResponse r) {
    http::response<http::string_body> res{static_cast<http::status>(r.status), 11};
    res.set(http::field::server, "flowlens");
    res.set(http::field::content_type, r.content_type);
    res.set(http::field::cache_control, "no-store");
    res.set("X-Content-Type-Options", "nosniff");
    res.body() = std::move(r.body);
    res.prepare_payload();
    return res;
  }

  // Live collector state, not a store query: no parameters besides the token.
  ApiResponse exporters(std::string_view target) const {
    const size_t q = target.find('?');
    const auto params = parse_query_string(q == std::string_view::npos ? std::string_view() : target.substr(q + 1));
    if (!params) return problem(400, "bad query string", "malformed percent escape or empty name");
    for (const auto& [name, value] : *params) {
      if (name != "token") return problem(400, "unknown parameter", "/api/v1/exporters takes no parameters", name);
    }
    if (!server_.config.exporters_json) return problem(404, "not found", "this server has no collector state");
    return ApiResponse{200, "application/json", server_.config.exporters_json()};
  }

  http::response<http::string_body> handle(const http::request<http::string_body>& req) {
    const std::string_view target = req.target();
    const std::string_view path = target.substr(0, target.find('?'));
    if (req.method() != http::verb::get) {
      auto res = error_response(405, "method not allowed", "only GET is served");
      res.set(http::field::allow, "GET");
      return res;
    }
    if (path == "/healthz") return make(ApiResponse{200, "application/json", "{\"status\":\"ok\"}"});
    const bool protected_path = path == "/metrics" || path == "/api" || path.starts_with("/api/");
    if (protected_path && !server_.authorized(target, req[http::field::authorization])) {
      auto res = error_response(401, "unauthorized",
                                "a token is required: Authorization: Bearer TOKEN or ?token=TOKEN");
      res.set(http::field::www_authenticate, "Bearer");
      return res;
    }
    if (path == "/metrics") {
      return make(ApiResponse{200, "text/plain; version=0.0.4; charset=utf-8", server_.metrics_text()});
    }
    if (path == "/api/v1/exporters") return make(exporters(target));
    if (protected_path) {
      auto db = server_.borrow_store();
      if (!db) return error_response(503, "store unavailable", db.error().message);
      ApiResponse r = handle_api(target, *db.value());
      server_.return_store(std::move(db.value()));
      return make(std::move(r));
    }
    auto file = find_static(path, server_.config.web_root);
    if (!file) return error_response(404, "not found", "no such file");
    auto res = make(ApiResponse{200, std::string(file->content_type), std::move(file->body)});
    // Hashed asset names may be cached; index.html must not be.
    if (path.starts_with("/assets/")) res.set(http::field::cache_control, "public, max-age=31536000, immutable");
    return res;
  }

  void send(http::response<http::string_body> res, bool close_after) {
    server_.count_response(res.result_int());
    if (close_after) res.keep_alive(false);
    auto sp = std::make_shared<http::response<http::string_body>>(std::move(res));
    http::async_write(stream_, *sp,
                      [self = shared_from_this(), sp, close_after](beast::error_code ec, std::size_t) {
                        if (ec || close_after || sp->need_eof()) return self->shutdown();
                        self->do_read();
                      });
  }

  void shutdown() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  HttpServer::Impl& server_;
  std::unique_ptr<ConnectionSlot> slot_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

// Answers 503 to a connection over the limit, then closes it.
void refuse(tcp::socket socket) {
  auto s = std::make_shared<tcp::socket>(std::move(socket));
  static const std::string kBody = [] {
    const std::string body = problem(503, "too many connections", "connection limit reached").body;
    return fmt::format("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\n"
                       "Connection: close\r\nContent-Length: {}\r\n\r\n{}",
                       body.size(), body);
  }();
  net::async_write(*s, net::buffer(kBody), [s](beast::error_code, std::size_t) {
    beast::error_code ec;
    s->shutdown(tcp::socket::shutdown_send, ec);
    s->close(ec);
  });
}

}  // namespace

void HttpServer::Impl::do_accept() {
  acceptor.async_accept(net::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec) {
      if (connections.load() >= config.max_connections) {
        refused.fetch_add(1);
        count_response(503);
        refuse(std::move(socket));
      } else {
        auto slot = std::make_unique<ConnectionSlot>(connections);
        auto session = std::make_shared<HttpSession>(std::move(socket), *this, std::move(slot));
        track(session, [weak = std::weak_ptr<HttpSession>(session)] {
          if (auto s = weak.lock()) s->close();
        });
        session->run();
      }
    }
    do_accept();
  });
}

HttpServer::HttpServer(ServerConfig config, StoreFactory store_factory)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(store_factory))) {}

HttpServer::~HttpServer() { stop(); }

Result<HttpServer::Endpoint> HttpServer::parse_listen(std::string_view text) {
  std::string_view addr;
  std::string_view port;
  if (text.starts_with("[")) {
    const size_t close = text.find("]:");
    if (close == std::string_view::npos) return Error{fmt::format("--listen '{}': expected [V6ADDR]:PORT", text)};
    addr = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) {
      return Error{fmt::format("--listen '{}': expected ADDR:PORT (e.g. 127.0.0.1:8080)", text)};
    }
    addr = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  const auto p = parse_uint(port, 65535);
  if (!p || addr.empty()) return Error{fmt::format("--listen '{}': expected ADDR:PORT with PORT 0-65535", text)};
  return Endpoint{std::string(addr), static_cast<uint16_t>(*p)};
}

Status HttpServer::start() {
  Impl& s = *impl_;
  if (s.running) return Error{"server already started"};
  auto ep = parse_listen(s.config.listen);
  if (!ep) return ep.error();
  beast::error_code ec;
  const auto address = net::ip::make_address(ep->address, ec);
  if (ec) return Error{fmt::format("--listen '{}': '{}' is not an IP address", s.config.listen, ep->address)};
  if (!address.is_loopback() && s.config.auth_token.empty()) {
    return Error{fmt::format("--listen '{}': refusing to serve traffic data on a non-loopback address "
                             "without an auth token (set --auth-token or --auth-token-file)",
                             s.config.listen)};
  }
  const tcp::endpoint endpoint(address, ep->port);
  s.acceptor.open(endpoint.protocol(), ec);
  if (!ec) s.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(endpoint, ec);
  if (!ec) s.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    s.acceptor.close(ignored);
    return Error{fmt::format("--listen '{}': {}", s.config.listen, ec.message())};
  }
  s.bound_port = s.acceptor.local_endpoint().port();
  s.running = true;
  s.do_accept();
  const unsigned n = std::max(1u, s.config.threads);
  for (unsigned i = 0; i < n; ++i) s.threads.emplace_back([&s] { s.io.run(); });
  return Status::Ok();
}

void HttpServer::stop() {
  Impl& s = *impl_;
  if (!s.running) return;
  s.running = false;
  net::post(s.io, [&s] {
    beast::error_code ec;
    s.acceptor.close(ec);
  });
  std::vector<std::function<void()>> closers;
  {
    std::lock_guard lock(s.sessions_mu);
    closers.swap(s.closers);
    s.sessions.clear();
  }
  for (auto& c : closers) c();
  // Sessions finish once their sockets are closed; stop() the loop in any case so a
  // handler stuck behind a full socket does not keep the threads alive.
  std::promise<void> drained;
  auto done = drained.get_future();
  net::post(s.io, [&drained] { drained.set_value(); });
  done.wait_for(std::chrono::seconds(2));
  s.io.stop();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
}

uint16_t HttpServer::port() const { return impl_->bound_port.load(); }

void HttpServer::publish(const process::WindowSummary& summary) { impl_->hub.publish(summary); }

LiveHub& HttpServer::live() { return impl_->hub; }

ServerStats HttpServer::stats() const {
  const LiveHubStats h = impl_->hub.stats();
  ServerStats st;
  st.requests = impl_->requests.load();
  st.connections_active = impl_->connections.load();
  st.connections_refused = impl_->refused.load();
  st.ws_clients = h.clients;
  st.windows_published = h.published;
  st.ws_dropped = h.dropped;
  return st;
}

}  // namespace flowlens::server
