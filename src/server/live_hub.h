#pragma once
// LiveHub: fans closed-window summaries out to WebSocket clients (WS /api/v1/live).
//
// Contract:
//  - publish() is thread-safe and never blocks on a client: it copies the summary and
//    posts the fan-out to the hub's executor (the server's io_context).
//  - Each subscriber has a bounded queue (kQueueLimit messages, not counting the one
//    being written). When full, the OLDEST queued message is dropped and the subscriber's
//    `dropped` counter rises: a slow client loses old windows, never stalls the others.
//  - A subscription narrows what a client receives (see render_window):
//      none            -> process::to_json(summary), unchanged;
//      {"protocol":P}  -> the window's totals for protocol P only;
//      {"host":H}      -> H's counters as source and as destination, when H is in the
//                         window's top-N source / destination host lists (null otherwise:
//                         a window summary only carries the top N).
//    A message is rendered once per distinct subscription per window and shared.

#include <boost/asio/any_io_executor.hpp>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "model/ip_address.h"
#include "process/stream_processor.h"

namespace flowlens::server {

struct Subscription {
  std::optional<uint8_t> ip_proto;
  std::optional<IpAddress> host;
  bool operator==(const Subscription&) const = default;
};

// Parses a client's subscription message: {} / {"protocol":"tcp"} / {"host":"10.1.0.10"};
// "protocol" also takes a number. Error names the bad member.
Result<Subscription> parse_subscription(std::string_view json);

// The JSON text one subscriber receives for one window.
std::string render_window(const process::WindowSummary& summary, const Subscription& sub);

using LiveMessage = std::shared_ptr<const std::string>;

class LiveSubscriber {
 public:
  static constexpr size_t kQueueLimit = 64;

  // `wake` is called (from the hub's executor) after a message was queued; the owner
  // then drains with pop(). It must not call back into the hub.
  explicit LiveSubscriber(std::function<void()> wake) : wake_(std::move(wake)) {}

  void set_subscription(const Subscription& s);
  Subscription subscription() const;
  // Queues with drop-oldest; returns true when the queue was empty before.
  bool push(LiveMessage m);
  std::optional<LiveMessage> pop();
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  uint64_t delivered() const { return delivered_.load(std::memory_order_relaxed); }
  size_t queued() const;
  void wake() { wake_(); }

 private:
  mutable std::mutex mu_;
  std::deque<LiveMessage> queue_;
  Subscription sub_;
  std::function<void()> wake_;
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> delivered_{0};
};

struct LiveHubStats {
  uint64_t published = 0;
  uint64_t clients = 0;
  uint64_t dropped = 0;     // sum over current and past clients
};

class LiveHub {
 public:
  explicit LiveHub(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}

  void publish(const process::WindowSummary& summary);
  void add(const std::shared_ptr<LiveSubscriber>& s);
  void remove(const std::shared_ptr<LiveSubscriber>& s);
  LiveHubStats stats() const;
  std::vector<std::shared_ptr<LiveSubscriber>> subscribers() const;

 private:
  void fan_out(const process::WindowSummary& summary);

  boost::asio::any_io_executor executor_;
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<LiveSubscriber>> subscribers_;
  std::atomic<uint64_t> published_{0};
  std::atomic<uint64_t> dropped_gone_{0};  // dropped counters of removed clients
};

}  // namespace flowlens::server
