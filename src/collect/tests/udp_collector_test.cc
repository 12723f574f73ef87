// UdpCollector on loopback, port 0: records must equal what ExportDecoder gives for the
// same bytes (hand-built v5 and the export captures of testdata/flows), bad datagrams are
// counted without stopping anything, and stop() is prompt. Waits are on counters with a
// deadline, never sleeps.

#include "collect/udp_collector.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "capture/capture_reader.h"
#include "decode/flow/replay_exports.h"

namespace flowlens::collect {
namespace {

using decode::flow::ExportDecoder;
using decode::flow::ExporterHealth;
using decode::flow::FlowDecodeError;
using Clk = std::chrono::steady_clock;

constexpr int64_t kReceive = 1'700'000'000'500'000'000;  // 2023-11-14, fixed receive time
constexpr auto kDeadline = std::chrono::seconds(20);

// Collects what the sink receives; tests wait on the count.
class Records {
 public:
  RecordSink sink() {
    return [this](std::span<const FlowRecord> batch) {
      std::lock_guard lock(mutex_);
      records_.insert(records_.end(), batch.begin(), batch.end());
      changed_.notify_all();
    };
  }
  bool wait_for(size_t n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_until(lock, Clk::now() + kDeadline, [&] { return records_.size() >= n; });
  }
  bool wait_for_source(const IpAddress& src, Clk::duration timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_until(lock, Clk::now() + timeout, [&] {
      return std::any_of(records_.begin(), records_.end(),
                         [&](const FlowRecord& r) { return r.src == src; });
    });
  }
  std::vector<FlowRecord> take() {
    std::lock_guard lock(mutex_);
    return records_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<FlowRecord> records_;
};

// A connected UDP socket on loopback: one source port, so the kernel hashes every datagram
// to the same worker and order is kept.
class Sender {
 public:
  Sender(const IpAddress& to, uint16_t port) {
    const bool v6 = to.family == IpFamily::kV6;
    fd_ = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_storage addr{};
    socklen_t len = 0;
    if (v6) {
      auto* sa = reinterpret_cast<sockaddr_in6*>(&addr);
      sa->sin6_family = AF_INET6;
      sa->sin6_port = htons(port);
      std::memcpy(&sa->sin6_addr, to.bytes.data(), 16);
      len = sizeof(sockaddr_in6);
    } else {
      auto* sa = reinterpret_cast<sockaddr_in*>(&addr);
      sa->sin_family = AF_INET;
      sa->sin_port = htons(port);
      std::memcpy(&sa->sin_addr, to.bytes.data(), 4);
      len = sizeof(sockaddr_in);
    }
    connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), len) == 0;
  }
  ~Sender() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  bool ok() const { return connected_; }
  bool send(std::span<const uint8_t> datagram) {
    return ::send(fd_, datagram.data(), datagram.size(), 0) == static_cast<ssize_t>(datagram.size());
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

std::vector<uint8_t> v5_datagram(uint16_t count, uint32_t first_host) {
  std::vector<uint8_t> b;
  const auto u8 = [&](uint32_t x) { b.push_back(static_cast<uint8_t>(x)); };
  const auto u16 = [&](uint32_t x) { u8(x >> 8); u8(x); };
  const auto u32 = [&](uint32_t x) { u16(x >> 16); u16(x); };
  u16(5); u16(count); u32(3'600'000); u32(1'700'000'000); u32(0); u32(1); u8(0); u8(0); u16(0);
  for (uint32_t i = 0; i < count; ++i) {
    u32(0x0a000000u + first_host + i); u32(0x0a010001u); u32(0); u16(1); u16(2);
    u32(10 + i); u32(1000 + i); u32(3'590'000); u32(3'599'000); u16(1234); u16(80);
    u8(0); u8(0x12); u8(6); u8(0); u16(0); u16(0); u8(24); u8(16); u16(0);
  }
  return b;
}

void expect_same(const std::vector<FlowRecord>& got, const std::vector<FlowRecord>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    const FlowRecord& a = got[i];
    const FlowRecord& b = want[i];
    SCOPED_TRACE("record " + std::to_string(i));
    EXPECT_EQ(a.start_ns, b.start_ns);
    EXPECT_EQ(a.end_ns, b.end_ns);
    EXPECT_EQ(a.packets, b.packets);
    EXPECT_EQ(a.bytes, b.bytes);
    EXPECT_EQ(a.flows, b.flows);
    EXPECT_EQ(a.src, b.src);
    EXPECT_EQ(a.dst, b.dst);
    EXPECT_EQ(a.exporter, b.exporter);
    EXPECT_EQ(a.input_if, b.input_if);
    EXPECT_EQ(a.output_if, b.output_if);
    EXPECT_EQ(a.sampling_rate, b.sampling_rate);
    EXPECT_EQ(a.src_port, b.src_port);
    EXPECT_EQ(a.dst_port, b.dst_port);
    EXPECT_EQ(a.vlan, b.vlan);
    EXPECT_EQ(a.mac_src, b.mac_src);
    EXPECT_EQ(a.mac_dst, b.mac_dst);
    EXPECT_EQ(a.ip_proto, b.ip_proto);
    EXPECT_EQ(a.tos, b.tos);
    EXPECT_EQ(a.tcp_flags, b.tcp_flags);
    EXPECT_EQ(a.src_mask, b.src_mask);
    EXPECT_EQ(a.dst_mask, b.dst_mask);
    EXPECT_EQ(a.direction, b.direction);
    EXPECT_EQ(a.source, b.source);
  }
}

UdpCollectorConfig loopback_config(unsigned workers, const char* listen = "udp://127.0.0.1:0") {
  UdpCollectorConfig config;
  config.listen.push_back(parse_listen_address(listen).value());
  config.workers_per_listener = workers;
  return config;
}

// The UDP payloads of a capture, in order.
std::vector<std::vector<uint8_t>> capture_payloads(const std::string& path) {
  std::vector<std::vector<uint8_t>> out;
  auto reader = capture::CaptureReader::open(path);
  if (!reader) {
    ADD_FAILURE() << reader.error().message;
    return out;
  }
  decode::PacketDecoder packets;
  std::vector<capture::PacketRecord> batch(256);
  for (;;) {
    const size_t n = (*reader)->read_batch(batch);
    if (n == 0) {
      break;
    }
    for (size_t i = 0; i < n; ++i) {
      IpAddress source;
      uint16_t port = 0;
      const auto payload = decode::flow::udp_payload(
          batch[i].link_type, {batch[i].data, batch[i].caplen}, packets, source, port);
      if (!payload.empty()) {
        out.emplace_back(payload.begin(), payload.end());
      }
    }
  }
  return out;
}

TEST(ListenAddress, ParsesIpv4Ipv6AndTheDefaultAddress) {
  auto a = parse_listen_address("udp://0.0.0.0:2055");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->address.to_string(), "0.0.0.0");
  EXPECT_EQ(a->port, 2055);
  auto b = parse_listen_address("udp://[::1]:4739");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->address.family, IpFamily::kV6);
  EXPECT_EQ(b->to_string(), "udp://[::1]:4739");
  auto c = parse_listen_address("udp://:6343");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->to_string(), "udp://127.0.0.1:6343");
  for (const char* bad : {"tcp://1.2.3.4:1", "udp://1.2.3.4", "udp://1.2.3.4:65536",
                          "udp://::1:2055", "udp://[::1]2055", "udp://host:2055", "udp://1.2.3.4:x"}) {
    EXPECT_FALSE(parse_listen_address(bad)) << bad;
  }
}

TEST(UdpCollector, DeliversHandBuiltV5RecordsExactlyAsTheDecoderDecodesThem) {
  ManualClock clock(kReceive);
  Records got;
  UdpCollector collector(loopback_config(2), got.sink(), clock);
  ASSERT_TRUE(collector.start().ok());
  EXPECT_EQ(collector.worker_count(), 2u);
  ASSERT_EQ(collector.bound_ports().size(), 1u);
  const uint16_t port = collector.bound_ports()[0];
  ASSERT_NE(port, 0);
  EXPECT_GT(collector.receive_buffer_bytes(), 0);

  Sender sender(*IpAddress::parse("127.0.0.1"), port);
  ASSERT_TRUE(sender.ok());
  ExportDecoder reference;
  std::vector<FlowRecord> want;
  for (uint32_t d = 0; d < 20; ++d) {
    const auto datagram = v5_datagram(30, d * 30);
    ASSERT_TRUE(sender.send(datagram));
    reference.decode(*IpAddress::parse("127.0.0.1"), 0, datagram, kReceive, want);
  }
  ASSERT_TRUE(got.wait_for(want.size()));
  expect_same(got.take(), want);
  const CollectorStats s = collector.stats();
  EXPECT_EQ(s.datagrams, 20u);
  EXPECT_EQ(s.records, 600u);
  EXPECT_EQ(s.kernel_drops, 0u);
  const auto exporters = collector.exporters();
  ASSERT_EQ(exporters.size(), 1u);
  EXPECT_EQ(exporters[0].exporter.to_string(), "127.0.0.1");
  EXPECT_EQ(exporters[0].datagrams, 20u);
  EXPECT_EQ(exporters[0].records, 600u);
}

TEST(UdpCollector, DeliversTheRecordsOfRealExportCapturesExactlyAsTheDecoder) {
  const std::filesystem::path dir = std::filesystem::path(FLOWLENS_TESTDATA_DIR) / "flows";
  if (!std::filesystem::exists(dir)) {
    GTEST_SKIP() << "testdata not found at " << dir << " (set FLOWLENS_TESTDATA_DIR)";
  }
  // Templates and data of ipfixprobe come in two files: sent in that order, one exporter.
  const std::vector<std::vector<std::string>> cases = {
      {"nfv5.pcap"},
      {"netflow9-data+templates.pcap"},
      {"ipfix-fritzbox.pcap"},
      {"ipfixprobe-templates.pcap", "ipfixprobe-data.pcap"},
      {"sflow-ndpi.pcap"},
      {"sflow_multiple_counter_30_pdus.pcap"}};
  for (const auto& files : cases) {
    SCOPED_TRACE(files.front());
    std::vector<std::vector<uint8_t>> datagrams;
    for (const std::string& f : files) {
      for (auto& d : capture_payloads((dir / f).string())) {
        datagrams.push_back(std::move(d));
      }
    }
    ASSERT_FALSE(datagrams.empty());
    ManualClock clock(kReceive);
    Records got;
    UdpCollector collector(loopback_config(2), got.sink(), clock);
    ASSERT_TRUE(collector.start().ok());
    Sender sender(*IpAddress::parse("127.0.0.1"), collector.bound_ports()[0]);
    ASSERT_TRUE(sender.ok());
    ExportDecoder reference;
    std::vector<FlowRecord> want;
    for (const auto& d : datagrams) {
      ASSERT_TRUE(sender.send(d));
      reference.decode(*IpAddress::parse("127.0.0.1"), 0, d, kReceive, want);
    }
    ASSERT_TRUE(collector.wait_for_datagrams(datagrams.size(), Clk::now() + kDeadline));
    collector.stop();
    expect_same(got.take(), want);
    const CollectorStats s = collector.stats();
    EXPECT_EQ(s.datagrams, datagrams.size());
    EXPECT_EQ(s.records, want.size());
    const ExporterHealth* health = reference.exporter(*IpAddress::parse("127.0.0.1"));
    ASSERT_NE(health, nullptr);
    for (size_t e = 0; e < decode::flow::kFlowDecodeErrorCount; ++e) {
      EXPECT_EQ(s.decode_errors[e], health->errors[e]) << error_name(static_cast<FlowDecodeError>(e));
    }
  }
}

TEST(UdpCollector, ListensOnIpv6Loopback) {
  ManualClock clock(kReceive);
  Records got;
  UdpCollector collector(loopback_config(1, "udp://[::1]:0"), got.sink(), clock);
  const Status started = collector.start();
  if (!started.ok()) {
    GTEST_SKIP() << "no IPv6 loopback here: " << started.error().message;
  }
  Sender sender(*IpAddress::parse("::1"), collector.bound_ports()[0]);
  ASSERT_TRUE(sender.ok());
  ASSERT_TRUE(sender.send(v5_datagram(3, 0)));
  ASSERT_TRUE(got.wait_for(3));
  const auto records = got.take();
  EXPECT_EQ(records[0].exporter.to_string(), "::1");
  EXPECT_EQ(collector.exporters().at(0).exporter.to_string(), "::1");
}

TEST(UdpCollector, CountsMalformedDatagramsAndKeepsGoing) {
  ManualClock clock(kReceive);
  Records got;
  UdpCollector collector(loopback_config(1), got.sink(), clock);
  ASSERT_TRUE(collector.start().ok());
  Sender sender(*IpAddress::parse("127.0.0.1"), collector.bound_ports()[0]);
  ASSERT_TRUE(sender.ok());
  const std::vector<uint8_t> unknown_version = {0x00, 0x07, 0x00, 0x01, 0xde, 0xad, 0xbe, 0xef,
                                                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  auto bad_count = v5_datagram(2, 0);
  bad_count[3] = 9;  // says 9 records, carries 2
  ASSERT_TRUE(sender.send(unknown_version));
  ASSERT_TRUE(sender.send(bad_count));
  ASSERT_TRUE(sender.send(std::vector<uint8_t>{0x00}));
  ASSERT_TRUE(sender.send(v5_datagram(4, 0)));
  ASSERT_TRUE(got.wait_for(4));
  ASSERT_TRUE(collector.wait_for_datagrams(4, Clk::now() + kDeadline));
  const CollectorStats s = collector.stats();
  EXPECT_EQ(s.datagrams, 4u);
  EXPECT_EQ(s.records, 4u);
  EXPECT_EQ(s.decode_errors[static_cast<size_t>(FlowDecodeError::kUnknownVersion)], 1u);
  EXPECT_EQ(s.decode_errors[static_cast<size_t>(FlowDecodeError::kV5Length)], 1u);
  EXPECT_EQ(s.decode_errors[static_cast<size_t>(FlowDecodeError::kTooShort)], 1u);
  EXPECT_EQ(collector.exporters().at(0).total_errors(), 3u);
}

TEST(UdpCollector, ExpiresHeldSetsOfAnExporterThatWentQuietAndCountsThemDropped) {
  ManualClock clock(kReceive);
  Records got;
  UdpCollectorConfig config = loopback_config(1);
  config.decoder.max_hold_ns = 5'000'000'000;
  config.idle_tick = std::chrono::milliseconds(10);
  UdpCollector collector(config, got.sink(), clock);
  ASSERT_TRUE(collector.start().ok());
  Sender sender(*IpAddress::parse("127.0.0.1"), collector.bound_ports()[0]);
  ASSERT_TRUE(sender.ok());
  // NetFlow v9: header (version 9, count 1, uptime, secs, sequence, source id) and one
  // data flowset for template 256, which this exporter never sends.
  const auto secs = static_cast<uint32_t>(kReceive / 1'000'000'000);
  const std::vector<uint8_t> data_only = {
      0x00, 0x09, 0x00, 0x01, 0x00, 0x00, 0x10, 0x00,
      static_cast<uint8_t>(secs >> 24), static_cast<uint8_t>(secs >> 16),
      static_cast<uint8_t>(secs >> 8), static_cast<uint8_t>(secs),
      0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x07,
      0x01, 0x00, 0x00, 0x0c, 1, 2, 3, 4, 5, 6, 7, 8};
  ASSERT_TRUE(sender.send(data_only));
  ASSERT_TRUE(collector.wait_for_datagrams(1, Clk::now() + kDeadline));
  ASSERT_EQ(collector.exporters().size(), 1u);
  EXPECT_EQ(collector.exporters()[0].sets_held, 1u);
  EXPECT_EQ(collector.exporters()[0].sets_dropped_no_template, 0u);

  // No datagram comes any more; the hold time passes on the collector's clock.
  clock.advance(6'000'000'000);
  const auto deadline = Clk::now() + kDeadline;
  ExporterHealth h;
  do {
    h = collector.exporters().at(0);
    if (h.sets_dropped_no_template != 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling a counter, bounded
  } while (Clk::now() < deadline);
  EXPECT_EQ(h.sets_dropped_no_template, 1u);
  EXPECT_EQ(h.error_count(FlowDecodeError::kHeldExpired), 1u);
  EXPECT_EQ(h.bytes_dropped_no_template, 8u);  // the flowset body
  EXPECT_TRUE(got.take().empty());
}

TEST(UdpCollector, CountsDatagramsLongerThanItsBufferAsTruncated) {
  ManualClock clock(kReceive);
  Records got;
  UdpCollectorConfig config = loopback_config(1);
  config.max_datagram_bytes = 512;
  UdpCollector collector(config, got.sink(), clock);
  ASSERT_TRUE(collector.start().ok());
  Sender sender(*IpAddress::parse("127.0.0.1"), collector.bound_ports()[0]);
  ASSERT_TRUE(sender.ok());
  ASSERT_TRUE(sender.send(v5_datagram(30, 0)));  // 1464 bytes
  ASSERT_TRUE(sender.send(v5_datagram(2, 0)));
  ASSERT_TRUE(collector.wait_for_datagrams(2, Clk::now() + kDeadline));
  const CollectorStats s = collector.stats();
  EXPECT_EQ(s.truncated, 1u);
  EXPECT_EQ(s.datagrams, 1u);
  EXPECT_EQ(s.records, 2u);
}

TEST(UdpCollector, ServesSeveralListenersEachWithItsOwnPort) {
  ManualClock clock(kReceive);
  Records got;
  UdpCollectorConfig config = loopback_config(2);
  config.listen.push_back(parse_listen_address("udp://127.0.0.1:0").value());
  UdpCollector collector(config, got.sink(), clock);
  ASSERT_TRUE(collector.start().ok());
  EXPECT_EQ(collector.worker_count(), 4u);
  const auto ports = collector.bound_ports();
  ASSERT_EQ(ports.size(), 2u);
  EXPECT_NE(ports[0], ports[1]);
  Sender a(*IpAddress::parse("127.0.0.1"), ports[0]);
  Sender b(*IpAddress::parse("127.0.0.1"), ports[1]);
  ASSERT_TRUE(a.send(v5_datagram(5, 0)));
  ASSERT_TRUE(b.send(v5_datagram(7, 100)));
  ASSERT_TRUE(got.wait_for(12));
  EXPECT_EQ(collector.stats().records, 12u);
}

TEST(UdpCollector, FailsToStartWithAMessageWhenThePortIsTaken) {
  Records got;
  UdpCollector first(loopback_config(1), got.sink());
  ASSERT_TRUE(first.start().ok());
  // SO_REUSEPORT lets our own sockets share a port, but not with a socket lacking it.
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  UdpCollector second(loopback_config(1, ("udp://127.0.0.1:" + std::to_string(ntohs(addr.sin_port))).c_str()),
                      got.sink());
  const Status status = second.start();
  ::close(fd);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("bind"), std::string::npos) << status.error().message;
}

TEST(UdpCollector, StopReturnsPromptlyIdleAndUnderLoad) {
  Records got;
  UdpCollector idle(loopback_config(2), got.sink());
  ASSERT_TRUE(idle.start().ok());
  auto t0 = Clk::now();
  idle.stop();
  EXPECT_LT(Clk::now() - t0, std::chrono::seconds(1));

  std::atomic<uint64_t> seen{0};
  UdpCollector busy(loopback_config(2), [&](std::span<const FlowRecord> r) { seen += r.size(); });
  ASSERT_TRUE(busy.start().ok());
  std::atomic<bool> sending{true};
  const uint16_t port = busy.bound_ports()[0];
  std::thread flood([&] {
    Sender sender(*IpAddress::parse("127.0.0.1"), port);
    const auto datagram = v5_datagram(30, 0);
    while (sending.load()) {
      (void)sender.send(datagram);
    }
  });
  ASSERT_TRUE(busy.wait_for_datagrams(100, Clk::now() + kDeadline));
  t0 = Clk::now();
  busy.stop();
  EXPECT_LT(Clk::now() - t0, std::chrono::seconds(1));
  sending = false;
  flood.join();
  EXPECT_GT(seen.load(), 0u);
}

TEST(UdpCollector, CountsEveryDatagramTheKernelDropsWhenTheBufferIsFull) {
  // The sink blocks the only worker on its first batch, a small buffer overflows, then the
  // worker drains it. Every datagram sent is either received or counted as dropped, also
  // the drops after the last queued datagram (from /proc/net/udp, not SO_RXQ_OVFL).
  std::mutex gate_mutex;
  std::condition_variable gate;
  bool open = false;
  bool first = true;
  Records got;
  RecordSink collect = got.sink();
  UdpCollectorConfig config = loopback_config(1);
  config.receive_buffer_bytes = 16 * 1024;
  config.batch_datagrams = 1;
  UdpCollector collector(config, [&](std::span<const FlowRecord> records) {
    {
      std::unique_lock lock(gate_mutex);
      if (first) {
        first = false;
        gate.wait(lock, [&] { return open; });
      }
    }
    collect(records);
  });
  ASSERT_TRUE(collector.start().ok());
  Sender sender(*IpAddress::parse("127.0.0.1"), collector.bound_ports()[0]);
  ASSERT_TRUE(sender.ok());
  constexpr int kSent = 200;
  for (int i = 0; i < kSent; ++i) {
    ASSERT_TRUE(sender.send(v5_datagram(30, 0)));
  }
  {
    std::lock_guard lock(gate_mutex);
    open = true;
  }
  gate.notify_all();
  // Once the queue is drained a marker gets through; records arrive in order, so when it
  // is seen everything before it has been counted.
  auto marker = v5_datagram(1, 0);
  marker[24] = 192;  // first record's source: 192.0.0.0
  const IpAddress marker_src = *IpAddress::parse("192.0.0.0");
  // A marker sent while the queue is still full is dropped (and counted): send another.
  bool seen = false;
  uint64_t markers = 0;
  for (int attempt = 0; attempt < 100 && !seen; ++attempt) {
    ASSERT_TRUE(sender.send(marker));
    ++markers;
    seen = got.wait_for_source(marker_src, std::chrono::milliseconds(200));
  }
  ASSERT_TRUE(seen);
  // Markers sent after the one seen may still be in flight: wait for all to be counted.
  const auto deadline = Clk::now() + kDeadline;
  CollectorStats s = collector.stats();
  while (s.datagrams + s.kernel_drops < kSent + markers && Clk::now() < deadline) {
    (void)collector.wait_for_datagrams(s.datagrams + 1, Clk::now() + std::chrono::milliseconds(50));
    s = collector.stats();
  }
  EXPECT_GT(s.kernel_drops, 0u);
  EXPECT_EQ(s.datagrams + s.kernel_drops, kSent + markers);
}

TEST(UdpCollector, MergesTheHealthOfOneExporterSeenByTwoWorkers) {
  ExporterHealth a;
  a.exporter = *IpAddress::parse("192.0.2.1");
  a.datagrams = 3;
  a.records = 30;
  a.last_seen_ns = 10;
  a.sampling_rate_announced = 100;
  a.errors[static_cast<size_t>(FlowDecodeError::kSetLength)] = 1;
  a.interfaces[1].in_octets = 5;
  a.interfaces[1].updated_ns = 10;
  ExporterHealth b = a;
  b.datagrams = 2;
  b.records = 20;
  b.last_seen_ns = 20;
  b.sampling_rate_announced = 1000;
  b.interfaces[1].in_octets = 9;
  b.interfaces[1].updated_ns = 20;
  merge_exporter_health(a, b);
  EXPECT_EQ(a.datagrams, 5u);
  EXPECT_EQ(a.records, 50u);
  EXPECT_EQ(a.last_seen_ns, 20);
  EXPECT_EQ(a.sampling_rate_announced, 1000u);
  EXPECT_EQ(a.error_count(FlowDecodeError::kSetLength), 2u);
  EXPECT_EQ(a.interfaces[1].in_octets, 9u);
}

}  // namespace
}  // namespace flowlens::collect
