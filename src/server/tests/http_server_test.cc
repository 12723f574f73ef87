// Integration: the server on 127.0.0.1 port 0, spoken to over HTTP and WebSocket with a
// Beast client. No sleeps: every wait has a deadline (io_context::run_for / futures).

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>
#include <optional>
#include <thread>

#include "server/api_handlers.h"
#include "server/http_server.h"
#include "server/live_hub.h"
#include "server/tests/test_store.h"

namespace flowlens::server {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;
using testing::kBase;
using testing::kSecond;

struct Reply {
  unsigned status = 0;
  std::string body;
  std::string content_type;
};

// One request on a fresh connection; status 0 when the server closed without answering.
Reply request(uint16_t port, std::string_view target, http::verb verb = http::verb::get,
              std::vector<std::pair<std::string, std::string>> headers = {}) {
  net::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(10s);
  beast::error_code ec;
  stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return {};
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  for (auto& [k, v] : headers) req.set(k, v);
  req.prepare_payload();
  http::write(stream, req, ec);
  if (ec) return {};
  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64u << 20);
  http::read(stream, buf, parser, ec);
  if (ec) return {};
  auto res = parser.release();
  return {res.result_int(), res.body(), std::string(res[http::field::content_type])};
}

class ServerTest : public ::testing::Test {
 protected:
  void start(ServerConfig config = {}) {
    data_.fill();
    config.listen = "127.0.0.1:0";
    const std::string url = data_.url();
    server_ = std::make_unique<HttpServer>(config, [url]() { return store::FlowStore::open(url, 0); });
    const Status st = server_->start();
    ASSERT_TRUE(st.ok()) << st.error().message;
    port_ = server_->port();
    ASSERT_NE(port_, 0);
  }
  void expect_healthy() {
    auto r = request(port_, "/healthz");
    EXPECT_EQ(r.status, 200u);
  }

  // The server's count changes on its own threads after the client side has moved on
  // (accept completes, a closed session is destroyed); wait for it with a deadline.
  void wait_for_active_connections(uint64_t n) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (server_->stats().connections_active != n && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
  }

  testing::TestStore data_;
  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
};

TEST_F(ServerTest, EveryEndpointAnswersWhatTheHandlersAndStoreAnswer) {
  start();
  auto db = data_.reader();
  for (const char* target :
       {"/api/v1/timeseries?from=2026-11-02&to=2026-11-03&step=1h", "/api/v1/hosts/10.0.0.2/daily",
        "/api/v1/top?dimension=src-host&limit=3", "/api/v1/flows?limit=50&sort=-start", "/api/v1/hosts",
        "/api/v1/summary", "/api/v1/openapi.json"}) {
    auto r = request(port_, target);
    EXPECT_EQ(r.status, 200u) << target << " " << r.body;
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_EQ(r.body, handle_api(target, *db).body) << target;
  }
  auto m = request(port_, "/metrics");
  EXPECT_EQ(m.status, 200u);
  EXPECT_NE(m.body.find("flowlens_http_requests_total{code=\"2xx\"}"), std::string::npos) << m.body;
  auto index = request(port_, "/");
  EXPECT_EQ(index.status, 200u);
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(request(port_, "/some/app/route").status, 200u);
  EXPECT_EQ(request(port_, "/api/v1/nope").status, 404u);
  EXPECT_EQ(request(port_, "/nope.js").status, 404u);
}

TEST_F(ServerTest, HostileRequestsGet4xxAndTheServerStaysHealthy) {
  ServerConfig config;
  config.max_connections = 8;
  start(config);
  EXPECT_EQ(request(port_, "/api/v1/summary", http::verb::post).status, 405u);
  EXPECT_EQ(request(port_, "/api/v1/summary", http::verb::delete_).status, 405u);
  EXPECT_EQ(request(port_, "/api/v1/top?limit=99999999999").status, 400u);
  EXPECT_EQ(request(port_, "/api/v1/flows?host=%27%20OR%201%3D1--").status, 400u);
  EXPECT_EQ(request(port_, "/api/v1/timeseries?from=2026-11-03&to=2026-11-02").status, 400u);
  EXPECT_EQ(request(port_, "/api/v1/summary", http::verb::get, {{"X-Big", std::string(10'000, 'a')}}).status, 431u);
  // Raw garbage instead of HTTP.
  {
    net::io_context io;
    tcp::socket s(io);
    s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
    net::write(s, net::buffer(std::string("\x16\x03\x01 not http at all\r\n\r\n")));
    std::string reply;
    beast::error_code ec;
    net::read(s, net::dynamic_buffer(reply), ec);
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 400")) << reply;
  }
  // The connections above are closed by now on the client side; the server may still be
  // finishing them. Start from zero so none of the idle ones below is refused.
  wait_for_active_connections(0);
  ASSERT_EQ(server_->stats().connections_active, 0u);
  // Fill the connection limit with idle connections; the next one gets 503.
  {
    net::io_context io;
    std::vector<tcp::socket> idle;
    for (int i = 0; i < 8; ++i) {
      idle.emplace_back(io);
      idle.back().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
    }
    // The server counts a connection once it has accepted it: wait until it has all 8.
    wait_for_active_connections(8);
    ASSERT_EQ(server_->stats().connections_active, 8u);
    EXPECT_EQ(request(port_, "/healthz").status, 503u);
    EXPECT_GE(server_->stats().connections_refused, 1u);
  }
  wait_for_active_connections(0);
  expect_healthy();
}

TEST_F(ServerTest, RequiresTheTokenWhenOneIsSet) {
  ServerConfig config;
  config.auth_token = "s3cret";
  start(config);
  EXPECT_EQ(request(port_, "/api/v1/summary").status, 401u);
  EXPECT_EQ(request(port_, "/api/v1/summary?token=wrong").status, 401u);
  EXPECT_EQ(request(port_, "/metrics").status, 401u);
  EXPECT_EQ(request(port_, "/api/v1/summary?token=s3cret").status, 200u);
  EXPECT_EQ(request(port_, "/api/v1/summary", http::verb::get, {{"Authorization", "Bearer s3cret"}}).status, 200u);
  EXPECT_EQ(request(port_, "/api/v1/live").status, 401u);
  expect_healthy();
}

TEST(HttpServer, RefusesANonLoopbackAddressWithoutAToken) {
  ServerConfig config;
  config.listen = "0.0.0.0:0";
  HttpServer server(config, [] { return Result<std::unique_ptr<store::FlowStore>>(Error{"unused"}); });
  const Status st = server.start();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("auth token"), std::string::npos) << st.error().message;
  EXPECT_FALSE(HttpServer::parse_listen("localhost").ok());
  EXPECT_FALSE(HttpServer::parse_listen("1.2.3.4:99999").ok());
  EXPECT_TRUE(HttpServer::parse_listen("[::1]:8080").ok());
}

// A WebSocket client on its own io_context; reads wait with a deadline.
class WsClient {
 public:
  WsClient(uint16_t port, std::string origin = "") : ws_(io_) {
    beast::get_lowest_layer(ws_).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    ws_.set_option(websocket::stream_base::decorator([origin](websocket::request_type& req) {
      if (!origin.empty()) req.set(http::field::origin, origin);
    }));
    ws_.handshake("127.0.0.1:" + std::to_string(port), "/api/v1/live", ec_);
  }
  bool ok() const { return !ec_; }
  void send(const std::string& text) { ws_.write(net::buffer(text)); }
  std::optional<std::string> read(std::chrono::seconds timeout = 10s) {
    beast::flat_buffer buf;
    std::optional<std::string> out;
    ws_.async_read(buf, [&](beast::error_code ec, std::size_t) {
      if (!ec) out = beast::buffers_to_string(buf.data());
    });
    io_.restart();
    io_.run_for(timeout);
    if (!out) {
      beast::get_lowest_layer(ws_).close();
      io_.restart();
      io_.run_for(1s);
    }
    return out;
  }

 private:
  net::io_context io_;
  websocket::stream<beast::tcp_stream> ws_;
  beast::error_code ec_;
};

process::WindowSummary window(int i, size_t top_items) {
  process::WindowSummary s;
  s.start_ns = kBase + i * 10 * kSecond;
  s.end_ns = s.start_ns + 10 * kSecond;
  s.totals = {static_cast<uint64_t>(1000 + i), 10, 1};
  s.protocols = {{6, {static_cast<uint64_t>(700 + i), 7, 1}}};
  for (size_t k = 0; k < top_items; ++k) {
    s.top_src_hosts.push_back({"10.0." + std::to_string(k / 250) + "." + std::to_string(k % 250), {k, 1, 1}});
  }
  return s;
}

bool wait_for_clients(HttpServer& server, uint64_t n) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (server.stats().ws_clients < n) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

TEST_F(ServerTest, WebSocketReceivesPublishedWindowsAndHonoursSubscriptions) {
  start();
  WsClient all(port_);
  WsClient tcp_only(port_, "http://127.0.0.1:" + std::to_string(port_));
  ASSERT_TRUE(all.ok());
  ASSERT_TRUE(tcp_only.ok());
  tcp_only.send(R"({"protocol":"tcp"})");
  ASSERT_TRUE(wait_for_clients(*server_, 2));
  // The subscription is applied on the server's read; publish until the filtered form
  // arrives (each publish is one window; the first may precede the subscription).
  server_->publish(window(1, 3));
  auto m = all.read();
  ASSERT_TRUE(m);
  EXPECT_EQ(*m, process::to_json(window(1, 3)));
  ASSERT_TRUE(tcp_only.read());  // window 1, filtered or not: keep reads in step
  bool filtered = false;
  for (int i = 2; i < 50 && !filtered; ++i) {
    server_->publish(window(i, 3));
    auto t = tcp_only.read();
    ASSERT_TRUE(t);
    filtered = t->find("\"filter\":{\"protocol\":\"tcp\"}") != std::string::npos;
    if (filtered) {
      EXPECT_NE(t->find("\"bytes\":" + std::to_string(700 + i)), std::string::npos) << *t;
    }
  }
  EXPECT_TRUE(filtered);
  // A foreign Origin is refused.
  WsClient evil(port_, "http://evil.example");
  EXPECT_FALSE(evil.ok());
  expect_healthy();
}

TEST_F(ServerTest, SlowClientDoesNotStallAFastOneAndCountsWhatItDrops) {
  start();
  // The slow client completes the handshake and then never reads.
  net::io_context slow_io;
  websocket::stream<beast::tcp_stream> slow(slow_io);
  beast::get_lowest_layer(slow).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
  slow.handshake("127.0.0.1", "/api/v1/live");
  WsClient fast(port_);
  ASSERT_TRUE(fast.ok());
  ASSERT_TRUE(wait_for_clients(*server_, 2));
  // ~40 KB per window: 600 windows are far more than socket buffers and the queue hold.
  constexpr int kWindows = 600;
  for (int i = 0; i < kWindows; ++i) {
    server_->publish(window(i, 1000));
    auto m = fast.read();
    ASSERT_TRUE(m) << "fast client stalled at window " << i;
    ASSERT_NE(m->find("\"window_start_ns\":" + std::to_string(kBase + i * 10 * kSecond)), std::string::npos);
  }
  uint64_t slow_dropped = 0;
  uint64_t fast_dropped = 0;
  for (const auto& s : server_->live().subscribers()) {
    if (s->delivered() == kWindows) {
      fast_dropped = s->dropped();
    } else {
      slow_dropped = s->dropped();
    }
  }
  EXPECT_EQ(fast_dropped, 0u);
  EXPECT_GT(slow_dropped, 0u);
  auto m = request(port_, "/metrics");
  EXPECT_NE(m.body.find("flowlens_live_messages_dropped_total"), std::string::npos);
  expect_healthy();
}

}  // namespace
}  // namespace flowlens::server
