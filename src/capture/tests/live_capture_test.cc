#include "capture/live_capture.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace flowlens::capture {
namespace {

bool is_root() { return ::geteuid() == 0; }

LiveCaptureConfig config_for(std::vector<std::string> interfaces, std::string filter = "") {
  LiveCaptureConfig config;
  config.interfaces = std::move(interfaces);
  config.filter = std::move(filter);
  return config;
}

// A UDP socket bound to 127.0.0.1 on a port the kernel picks: the port is ours for
// the test's lifetime and datagrams to it are received (no ICMP unreachable noise).
class UdpReceiver {
 public:
  UdpReceiver() : fd_(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~UdpReceiver() { ::close(fd_); }
  uint16_t port() const { return port_; }

 private:
  int fd_;
  uint16_t port_ = 0;
};

void send_to_loopback(uint16_t port, const std::string& payload) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  const ssize_t sent = ::sendto(fd, payload.data(), payload.size(), 0,
                                reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  ::close(fd);
  ASSERT_EQ(sent, static_cast<ssize_t>(payload.size()));
}

bool contains(const PacketRecord& r, const std::string& text) {
  const std::string_view data(reinterpret_cast<const char*>(r.data), r.caplen);
  return data.find(text) != std::string_view::npos;
}

TEST(LiveCapture, ReadsUdpDatagramsSentOverLoopbackThroughAFilter) {
  if (!is_root()) {
    GTEST_SKIP() << "live capture needs root (CAP_NET_RAW); run this test as root";
  }
  UdpReceiver receiver;
  const std::string filter = "udp and port " + std::to_string(receiver.port());
  auto opened = LiveCapture::open(config_for({"lo"}, filter));
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  LiveCapture& capture = **opened;

  constexpr int kCount = 5;
  for (int i = 0; i < kCount; ++i) {
    send_to_loopback(receiver.port(), "flowlens-live-" + std::to_string(i));
  }
  // Read until every datagram is back; the deadline is only a guard against a hang.
  std::vector<PacketRecord> batch(3);
  std::vector<std::string> seen;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  const int64_t now_sec = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  while (seen.size() < kCount && std::chrono::steady_clock::now() < deadline) {
    const size_t n = capture.read_batch(batch, 200);
    for (size_t k = 0; k < n; ++k) {
      const PacketRecord& r = batch[k];
      EXPECT_EQ(r.interface_id, 0u);
      EXPECT_EQ(r.caplen, r.wire_len);
      EXPECT_LE(std::abs(r.ts.sec - now_sec), 60);
      EXPECT_LT(r.ts.nsec, 1'000'000'000);
      for (int i = 0; i < kCount; ++i) {
        if (contains(r, "flowlens-live-" + std::to_string(i))) {
          seen.push_back("flowlens-live-" + std::to_string(i));
        }
      }
    }
  }
  ASSERT_EQ(seen.size(), static_cast<size_t>(kCount));
  for (int i = 0; i < kCount; ++i) {
    EXPECT_EQ(seen[static_cast<size_t>(i)], "flowlens-live-" + std::to_string(i));
  }
  // Nothing else matches the filter: a short read finds no duplicate.
  EXPECT_EQ(capture.read_batch(batch, 100), 0u);
  const auto stats = capture.stats();
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].name, "lo");
  EXPECT_GE(stats[0].received, static_cast<uint64_t>(kCount));
  EXPECT_EQ(stats[0].dropped, 0u);
  EXPECT_EQ(stats[0].error, "");
}

TEST(LiveCapture, TimesOutWithNoRecordsWhenNothingMatches) {
  if (!is_root()) {
    GTEST_SKIP() << "live capture needs root (CAP_NET_RAW); run this test as root";
  }
  UdpReceiver receiver;
  auto opened = LiveCapture::open(
      config_for({"lo"}, "udp and port " + std::to_string(receiver.port())));
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  std::vector<PacketRecord> batch(8);
  EXPECT_EQ((*opened)->read_batch(batch, 0), 0u);
  EXPECT_EQ((*opened)->read_batch(batch, 20), 0u);
}

TEST(LiveCapture, AMissingInterfaceIsNamedInTheError) {
  if (!is_root()) {
    GTEST_SKIP() << "without root every interface reports permission denied; run as root";
  }
  auto opened = LiveCapture::open(config_for({"lo", "flowlens-nope0"}));
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message.find("flowlens-nope0: no such device"), std::string::npos)
      << opened.error().message;
}

TEST(LiveCapture, ABadFilterGivesLibpcapsMessage) {
  if (!is_root()) {
    GTEST_SKIP() << "live capture needs root (CAP_NET_RAW); run this test as root";
  }
  auto opened = LiveCapture::open(config_for({"lo"}, "udp and port"));
  ASSERT_FALSE(opened.ok());
  const std::string& message = opened.error().message;
  EXPECT_NE(message.find("lo: bad filter 'udp and port': "), std::string::npos) << message;
  EXPECT_NE(message.find("syntax error"), std::string::npos) << message;
}

TEST(LiveCapture, WithoutPrivilegesTheErrorSaysHowToGetThem) {
  if (is_root()) {
    GTEST_SKIP() << "running as root: the permission error cannot happen";
  }
  auto opened = LiveCapture::open(config_for({"lo"}));
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message.find("lo: permission denied (run as root or grant CAP_NET_RAW)"),
            std::string::npos)
      << opened.error().message;
}

TEST(LiveCapture, NoInterfaceIsAConfigurationError) {
  auto opened = LiveCapture::open({});
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().message, "live capture: no interface given");
}

}  // namespace
}  // namespace flowlens::capture
