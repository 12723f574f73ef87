// `flowlens exporters`: the health of every flow exporter that a running
// `flowlens run --collect` hears from, read over its REST API (GET /api/v1/exporters).

#include <fmt/format.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "app/commands.h"
#include "app/exit_codes.h"
#include "collect/exporter_json.h"
#include "collect/exporter_table.h"

namespace flowlens::app {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct ExportersOptions {
  std::string server = "http://127.0.0.1:8080";
  std::string auth_token;
  std::string auth_token_file;
  bool json = false;
  bool interfaces = false;
  double timeout_s = 5;
};

struct HttpUrl {
  std::string host;  // without brackets for IPv6
  std::string port;
  std::string base;  // path prefix without a trailing '/'
};

// "http://HOST[:PORT][/prefix]", HOST a name, an IPv4 address or [IPv6].
Result<HttpUrl> parse_http_url(std::string_view text) {
  const auto fail = [&] {
    return Error{fmt::format("--server '{}': expected http://HOST:PORT (e.g. http://127.0.0.1:8080)", text)};
  };
  constexpr std::string_view kScheme = "http://";
  if (!text.starts_with(kScheme)) return fail();
  std::string_view rest = text.substr(kScheme.size());
  const size_t slash = rest.find('/');
  HttpUrl url;
  if (slash != std::string_view::npos) {
    url.base = std::string(rest.substr(slash));
    while (!url.base.empty() && url.base.back() == '/') url.base.pop_back();
    rest = rest.substr(0, slash);
  }
  std::string_view host = rest;
  std::string_view port = "80";
  if (rest.starts_with('[')) {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) return fail();
    host = rest.substr(1, close - 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') return fail();
      port = rest.substr(close + 2);
    }
  } else if (const size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (host.empty() || port.empty() || port.find_first_not_of("0123456789") != std::string_view::npos) {
    return fail();
  }
  url.host = std::string(host);
  url.port = std::string(port);
  return url;
}

struct HttpReply {
  unsigned status = 0;
  std::string body;
};

// One GET with a deadline for the whole exchange (connect, write, read).
Result<HttpReply> http_get(const HttpUrl& url, const std::string& target, const std::string& token,
                           std::chrono::milliseconds timeout) {
  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  beast::tcp_stream stream(io);
  http::request<http::empty_body> req{http::verb::get, url.base + target, 11};
  req.set(http::field::host, url.host + ":" + url.port);
  req.set(http::field::user_agent, "flowlens-exporters");
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  beast::error_code failure;
  std::string stage = "resolve";

  resolver.async_resolve(url.host, url.port, [&](beast::error_code ec, asio::ip::tcp::resolver::results_type results) {
    if (ec) return void(failure = ec);
    stage = "connect";
    stream.expires_after(timeout);
    stream.async_connect(results, [&](beast::error_code ec2, const asio::ip::tcp::endpoint&) {
      if (ec2) return void(failure = ec2);
      stage = "send";
      http::async_write(stream, req, [&](beast::error_code ec3, size_t) {
        if (ec3) return void(failure = ec3);
        stage = "read the answer";
        http::async_read(stream, buffer, parser, [&](beast::error_code ec4, size_t) {
          if (ec4) failure = ec4;
        });
      });
    });
  });
  io.run();
  if (failure) {
    return Error{fmt::format("{}: cannot {}: {}", url.host + ":" + url.port, stage, failure.message())};
  }
  HttpReply reply;
  reply.status = parser.get().result_int();
  reply.body = std::move(parser.get().body());
  return reply;
}

int run_exporters(const ExportersOptions& o) {
  auto url = parse_http_url(o.server);
  if (!url) {
    fmt::print(stderr, "flowlens exporters: {}\n", url.error().message);
    return kExitUsage;
  }
  if (!(o.timeout_s > 0) || o.timeout_s > 3600) {
    fmt::print(stderr, "flowlens exporters: --timeout {}: expected seconds > 0\n", o.timeout_s);
    return kExitUsage;
  }
  std::string token = o.auth_token;
  if (!o.auth_token_file.empty()) {
    std::ifstream in(o.auth_token_file);
    if (!in || !std::getline(in, token) || token.empty()) {
      fmt::print(stderr, "flowlens exporters: --auth-token-file {}: cannot read a token from its first line\n",
                 o.auth_token_file);
      return kExitUsage;
    }
  }
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(o.timeout_s * 1000));
  auto reply = http_get(url.value(), "/api/v1/exporters", token, timeout);
  if (!reply) {
    fmt::print(stderr, "flowlens exporters: {} (is `flowlens run --collect ...` serving there?)\n",
               reply.error().message);
    return kExitFailure;
  }
  if (reply.value().status != 200) {
    fmt::print(stderr, "flowlens exporters: {}/api/v1/exporters answered {}{}: {}\n", o.server,
               reply.value().status, reply.value().status == 401 ? " (give --auth-token)" : "",
               reply.value().body.substr(0, 300));
    return kExitFailure;
  }
  if (o.json) {
    fmt::print("{}\n", reply.value().body);
    return kExitOk;
  }
  auto report = collect::parse_collector_report(reply.value().body);
  if (!report) {
    fmt::print(stderr, "flowlens exporters: {}/api/v1/exporters: unexpected answer: {}\n", o.server,
               report.error().message);
    return kExitFailure;
  }
  const collect::CollectorReport& r = report.value();
  if (!r.collecting) {
    fmt::print(stderr,
               "flowlens exporters: the Flowlens at {} does not collect flow exports (start it with\n"
               "  flowlens run --collect udp://0.0.0.0:2055)\n",
               o.server);
    return kExitFailure;
  }
  uint64_t errors = 0;
  for (uint64_t e : r.totals.decode_errors) errors += e;
  fmt::print("listening on {} ({} worker(s) each, receive buffer {} bytes)\n",
             fmt::join(r.listeners, ", "), r.workers, r.receive_buffer_bytes);
  fmt::print("{} datagrams ({} bytes), {} records, {} kernel drops, {} truncated, {} decode errors, "
             "{} exporter(s)\n\n",
             r.totals.datagrams, r.totals.bytes, r.totals.records, r.totals.kernel_drops,
             r.totals.truncated, errors, r.exporters.size());
  fmt::print("{}", collect::format_exporter_table(r.exporters));
  if (o.interfaces) {
    for (const auto& h : r.exporters) {
      for (const auto& [index, c] : h.interfaces) {
        fmt::print("{} ifIndex {}: in {} B, out {} B, errors {}/{}, discards {}/{}, speed {} bit/s\n",
                   h.exporter.to_string(), index, c.in_octets, c.out_octets, c.in_errors,
                   c.out_errors, c.in_discards, c.out_discards, c.speed);
      }
    }
  }
  return kExitOk;
}

}  // namespace

void add_exporters_command(CLI::App& root, int& exit_code) {
  auto o = std::make_shared<ExportersOptions>();
  auto* cmd = root.add_subcommand(
      "exporters",
      "Show the health of every flow exporter a running `flowlens run --collect` hears from:\n"
      "datagrams by protocol, records, templates, data sets held or dropped for a missing\n"
      "template, sampling rate announced/configured, clock skew, decode errors by reason.");
  cmd->add_option("--server", o->server, "The Flowlens server to ask (its --listen address)")
      ->capture_default_str();
  cmd->add_option("--auth-token", o->auth_token, "Token, when the server requires one");
  cmd->add_option("--auth-token-file", o->auth_token_file, "Read the token from FILE (first line)");
  cmd->add_flag("--json", o->json, "Print the API's JSON (GET /api/v1/exporters) as it is");
  cmd->add_flag("--interfaces", o->interfaces, "Also print sFlow interface counters per exporter");
  cmd->add_option("--timeout", o->timeout_s, "Seconds to wait for the answer")->capture_default_str();
  cmd->footer(
      "Columns: datagrams by protocol v5/v9/ipfix/sflow; held = data sets that waited for\n"
      "their template; dropped = held sets whose template never came; sampling =\n"
      "announced/configured rate (0 = none); clock_skew_s = receive time - export time.\n"
      "Exit 3 when the server cannot be reached or does not collect.");
  cmd->callback([o, &exit_code] { exit_code = run_exporters(*o); });
}

}  // namespace flowlens::app
