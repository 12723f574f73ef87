#include "server/live_hub.h"

#include <boost/asio/post.hpp>
#include <simdjson.h>

#include <fmt/format.h>

#include "core/json_writer.h"
#include "server/request_params.h"

namespace flowlens::server {
namespace {

std::string proto_text(uint8_t p) {
  switch (p) {
    case 1: return "icmp";
    case 6: return "tcp";
    case 17: return "udp";
    case 47: return "gre";
    case 50: return "esp";
    case 58: return "icmpv6";
    case 132: return "sctp";
    default: return std::to_string(p);
  }
}

std::optional<uint8_t> proto_value(std::string_view t) {
  for (uint8_t p : {uint8_t{1}, uint8_t{6}, uint8_t{17}, uint8_t{47}, uint8_t{50}, uint8_t{58}, uint8_t{132}}) {
    if (proto_text(p) == t) return p;
  }
  if (t == "ipv6-icmp") return uint8_t{58};
  const auto v = parse_uint(t, 255);
  if (!v) return std::nullopt;
  return static_cast<uint8_t>(*v);
}

void write_counters(JsonWriter& w, const Counters3& c) {
  w.member("bytes", c.bytes).member("packets", c.packets).member("flows", c.flows);
}

}  // namespace

Result<Subscription> parse_subscription(std::string_view json) {
  if (json.size() > 4096) return Error{"subscription: longer than 4096 bytes"};
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS) return Error{"subscription: not valid JSON"};
  simdjson::dom::object obj;
  if (root.get(obj) != simdjson::SUCCESS) return Error{"subscription: expected a JSON object"};
  Subscription sub;
  for (auto field : obj) {
    const std::string_view key = field.key;
    if (key == "protocol") {
      std::string_view text;
      uint64_t number = 0;
      if (field.value.get(text) == simdjson::SUCCESS) {
        sub.ip_proto = proto_value(text);
      } else if (field.value.get(number) == simdjson::SUCCESS && number <= 255) {
        sub.ip_proto = static_cast<uint8_t>(number);
      }
      if (!sub.ip_proto) return Error{"subscription: protocol: expected tcp, udp, icmp, ... or 0-255"};
    } else if (key == "host") {
      std::string_view text;
      if (field.value.get(text) == simdjson::SUCCESS) sub.host = IpAddress::parse(text);
      if (!sub.host) return Error{"subscription: host: not an IPv4 or IPv6 address"};
    } else {
      return Error{"subscription: unknown member (expected protocol or host)"};
    }
  }
  if (sub.ip_proto && sub.host) {
    return Error{"subscription: protocol and host together cannot be answered from a window summary"};
  }
  return sub;
}

std::string render_window(const process::WindowSummary& s, const Subscription& sub) {
  if (!sub.ip_proto && !sub.host) return process::to_json(s);
  std::string out;
  JsonWriter w(out);
  w.begin_object()
      .member("window_start", format_time(s.start_ns))
      .member("window_end", format_time(s.end_ns))
      .member("window_start_ns", s.start_ns)
      .member("window_end_ns", s.end_ns);
  if (sub.ip_proto) {
    Counters3 c;
    for (const auto& p : s.protocols) {
      if (p.ip_proto == *sub.ip_proto) c = p.counters;
    }
    w.key("filter").begin_object().member("protocol", proto_text(*sub.ip_proto)).end_object();
    write_counters(w, c);
    w.key("protocols").begin_array().begin_object().member("ip_proto", proto_text(*sub.ip_proto));
    write_counters(w, c);
    w.end_object().end_array();
  } else {
    const std::string host = sub.host->to_string();
    w.key("filter").begin_object().member("host", host).end_object();
    w.member("host", host);
    for (const auto& [name, list] : {std::pair{"as_src", &s.top_src_hosts}, std::pair{"as_dst", &s.top_dst_hosts}}) {
      w.key(name);
      const process::TopItem* found = nullptr;
      for (const auto& item : *list) {
        if (item.key == host) found = &item;
      }
      if (found) {
        w.begin_object();
        write_counters(w, found->counters);
        w.end_object();
      } else {
        w.null();
      }
    }
  }
  w.end_object();
  return out;
}

void LiveSubscriber::set_subscription(const Subscription& s) {
  std::lock_guard lock(mu_);
  sub_ = s;
}

Subscription LiveSubscriber::subscription() const {
  std::lock_guard lock(mu_);
  return sub_;
}

bool LiveSubscriber::push(LiveMessage m) {
  std::lock_guard lock(mu_);
  const bool was_empty = queue_.empty();
  if (queue_.size() >= kQueueLimit) {
    queue_.pop_front();
    dropped_.fetch_add(1, std::memory_order_relaxed);
  }
  queue_.push_back(std::move(m));
  return was_empty;
}

std::optional<LiveMessage> LiveSubscriber::pop() {
  std::lock_guard lock(mu_);
  if (queue_.empty()) return std::nullopt;
  LiveMessage m = std::move(queue_.front());
  queue_.pop_front();
  delivered_.fetch_add(1, std::memory_order_relaxed);
  return m;
}

size_t LiveSubscriber::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void LiveHub::publish(const process::WindowSummary& summary) {
  published_.fetch_add(1, std::memory_order_relaxed);
  auto copy = std::make_shared<process::WindowSummary>(summary);
  boost::asio::post(executor_, [this, copy] { fan_out(*copy); });
}

void LiveHub::fan_out(const process::WindowSummary& summary) {
  std::vector<std::shared_ptr<LiveSubscriber>> targets = subscribers();
  // Render once per distinct subscription (few distinct ones, many clients).
  std::vector<std::pair<Subscription, LiveMessage>> rendered;
  for (const auto& t : targets) {
    const Subscription sub = t->subscription();
    LiveMessage msg;
    for (const auto& [s, m] : rendered) {
      if (s == sub) msg = m;
    }
    if (!msg) {
      msg = std::make_shared<const std::string>(render_window(summary, sub));
      rendered.emplace_back(sub, msg);
    }
    t->push(std::move(msg));
    t->wake();
  }
}

void LiveHub::add(const std::shared_ptr<LiveSubscriber>& s) {
  std::lock_guard lock(mu_);
  subscribers_.push_back(s);
}

void LiveHub::remove(const std::shared_ptr<LiveSubscriber>& s) {
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < subscribers_.size(); ++i) {
    if (subscribers_[i] == s) {
      dropped_gone_.fetch_add(s->dropped(), std::memory_order_relaxed);
      subscribers_[i] = subscribers_.back();
      subscribers_.pop_back();
      return;
    }
  }
}

std::vector<std::shared_ptr<LiveSubscriber>> LiveHub::subscribers() const {
  std::lock_guard lock(mu_);
  return subscribers_;
}

LiveHubStats LiveHub::stats() const {
  LiveHubStats st;
  st.published = published_.load(std::memory_order_relaxed);
  std::lock_guard lock(mu_);
  st.clients = subscribers_.size();
  st.dropped = dropped_gone_.load(std::memory_order_relaxed);
  for (const auto& s : subscribers_) st.dropped += s->dropped();
  return st;
}

}  // namespace flowlens::server
