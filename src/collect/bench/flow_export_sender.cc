// flow_export_sender: sends synthetic NetFlow v5 or IPFIX datagrams to a loopback collector
// at a set rate of flow records per second, with sendmmsg, for bench/collect_bench.py.
//
//   flow_export_sender --to 127.0.0.1:PORT --protocol v5|ipfix --rate FLOWS_PER_S
//                      --duration S [--sockets N]
//
// v5: 30 records per datagram (1464 bytes); IPFIX: one 13-field template (56-byte
// records), 24 records per datagram (1364 bytes), the template datagram sent by every
// socket first and again every second (each source port may reach another collector
// worker). Every record is a distinct 5-tuple inside a pool of 256 datagrams. Prints one
// JSON object: datagrams and records sent, send errors, seconds, achieved rate. Refuses
// destinations other than loopback.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Bytes {
  std::vector<uint8_t> v;
  void u8(uint32_t x) { v.push_back(static_cast<uint8_t>(x)); }
  void u16(uint32_t x) { u8(x >> 8); u8(x); }
  void u32(uint32_t x) { u16(x >> 16); u16(x); }
  void u64(uint64_t x) { u32(static_cast<uint32_t>(x >> 32)); u32(static_cast<uint32_t>(x)); }
};

constexpr int kPool = 256;
constexpr int kV5Records = 30;
constexpr int kIpfixRecords = 24;
constexpr uint16_t kTemplateId = 256;

std::vector<uint8_t> v5_datagram(uint32_t seq, uint32_t index, uint32_t now_s) {
  Bytes b;
  b.u16(5); b.u16(kV5Records); b.u32(3'600'000); b.u32(now_s); b.u32(0); b.u32(seq);
  b.u8(0); b.u8(0); b.u16(0);
  for (uint32_t i = 0; i < kV5Records; ++i) {
    const uint32_t n = index * kV5Records + i;
    b.u32(0x0a000000u | n); b.u32(0xc0a80000u | (n & 0xffff)); b.u32(0); b.u16(1); b.u16(2);
    b.u32(10); b.u32(4000); b.u32(3'590'000); b.u32(3'599'000);
    b.u16(1024 + (n & 0x3fff)); b.u16(443); b.u8(0); b.u8(0x1b); b.u8(6); b.u8(0);
    b.u16(0); b.u16(0); b.u8(24); b.u8(16); b.u16(0);
  }
  return b.v;
}

void ipfix_header(Bytes& b, uint32_t now_s, uint32_t seq) {
  b.u16(10); b.u16(0); b.u32(now_s); b.u32(seq); b.u32(1);
}

void ipfix_finish(Bytes& b) {
  b.v[2] = static_cast<uint8_t>(b.v.size() >> 8);
  b.v[3] = static_cast<uint8_t>(b.v.size());
}

std::vector<uint8_t> ipfix_template(uint32_t now_s) {
  static constexpr uint16_t kFields[][2] = {{8, 4}, {12, 4}, {7, 2}, {11, 2}, {4, 1}, {6, 2},
                                            {1, 8}, {2, 8}, {152, 8}, {153, 8}, {10, 4},
                                            {14, 4}, {5, 1}};
  Bytes b;
  ipfix_header(b, now_s, 0);
  const size_t n = std::size(kFields);
  b.u16(2); b.u16(static_cast<uint32_t>(4 + 4 + 4 * n)); b.u16(kTemplateId);
  b.u16(static_cast<uint32_t>(n));
  for (const auto& f : kFields) {
    b.u16(f[0]); b.u16(f[1]);
  }
  ipfix_finish(b);
  return b.v;
}

std::vector<uint8_t> ipfix_datagram(uint32_t seq, uint32_t index, uint32_t now_s) {
  Bytes b;
  ipfix_header(b, now_s, seq);
  b.u16(kTemplateId); b.u16(4 + kIpfixRecords * 56);
  const uint64_t ms = uint64_t{now_s} * 1000;
  for (uint32_t i = 0; i < kIpfixRecords; ++i) {
    const uint32_t n = index * kIpfixRecords + i;
    b.u32(0x0a000000u | n); b.u32(0xc0a80000u | (n & 0xffff)); b.u16(1024 + (n & 0x3fff));
    b.u16(443); b.u8(6); b.u16(0x1b); b.u64(4000); b.u64(10); b.u64(ms - 9000); b.u64(ms - 1000);
    b.u32(1); b.u32(2); b.u8(0);
  }
  ipfix_finish(b);
  return b.v;
}

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "flow_export_sender: %s\nusage: flow_export_sender --to 127.0.0.1:PORT "
               "--protocol v5|ipfix --rate FLOWS_PER_S --duration S [--sockets N]\n",
               why);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string to;
  std::string protocol = "v5";
  double rate = 1e6;
  double duration = 10;
  int sockets = 4;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const char* value = argv[i + 1];
    if (key == "--to") to = value;
    else if (key == "--protocol") protocol = value;
    else if (key == "--rate") rate = std::atof(value);
    else if (key == "--duration") duration = std::atof(value);
    else if (key == "--sockets") sockets = std::atoi(value);
    else usage("unknown option");
  }
  const size_t colon = to.rfind(':');
  if (colon == std::string::npos) usage("--to ADDR:PORT is required");
  sockaddr_in dest{};
  dest.sin_family = AF_INET;
  dest.sin_port = htons(static_cast<uint16_t>(std::atoi(to.c_str() + colon + 1)));
  if (inet_pton(AF_INET, to.substr(0, colon).c_str(), &dest.sin_addr) != 1 ||
      (ntohl(dest.sin_addr.s_addr) >> 24) != 127) {
    usage("--to must be an IPv4 loopback address (127.x.x.x)");
  }
  if (protocol != "v5" && protocol != "ipfix") usage("--protocol must be v5 or ipfix");
  if (sockets < 1 || sockets > 64 || !(duration > 0)) usage("bad --sockets or --duration");

  const uint32_t now_s = static_cast<uint32_t>(::time(nullptr));
  const bool v5 = protocol == "v5";
  const int per_datagram = v5 ? kV5Records : kIpfixRecords;
  std::vector<std::vector<uint8_t>> pool;
  for (uint32_t i = 0; i < kPool; ++i) {
    pool.push_back(v5 ? v5_datagram(i, i, now_s) : ipfix_datagram(i, i, now_s));
  }
  const std::vector<uint8_t> templ = ipfix_template(now_s);

  std::vector<int> fds;
  for (int s = 0; s < sockets; ++s) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    const int buffer = 4 << 20;
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof(buffer));
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&dest), sizeof(dest)) != 0) {
      std::perror("flow_export_sender: socket/connect");
      return 3;
    }
    fds.push_back(fd);
  }
  const auto send_templates = [&] {
    if (!v5) {
      for (int fd : fds) {
        (void)::send(fd, templ.data(), templ.size(), 0);
      }
    }
  };
  send_templates();

  constexpr int kBatch = 32;
  std::vector<mmsghdr> msgs(kBatch);
  std::vector<iovec> iov(kBatch);
  const double datagram_rate = rate / per_datagram;
  const auto start = std::chrono::steady_clock::now();
  auto last_template = start;
  uint64_t sent = 0;
  uint64_t errors = 0;
  uint64_t cursor = 0;
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - start).count();
    if (elapsed >= duration) break;
    if (now - last_template >= std::chrono::seconds(1)) {
      send_templates();
      last_template = now;
    }
    const auto due = static_cast<uint64_t>(elapsed * datagram_rate);
    if (rate > 0 && sent >= due) {
      // Ahead of schedule: wait for the next batch's due time (pacing, not synchronisation).
      const double wait_s = (static_cast<double>(sent + kBatch) / datagram_rate) - elapsed;
      std::this_thread::sleep_for(std::chrono::duration<double>(std::min(wait_s, 0.001)));
      continue;
    }
    const int n = rate > 0 ? static_cast<int>(std::min<uint64_t>(kBatch, due - sent + 1)) : kBatch;
    for (int i = 0; i < n; ++i) {
      std::vector<uint8_t>& d = pool[(cursor + static_cast<uint64_t>(i)) % kPool];
      iov[i] = {d.data(), d.size()};
      msgs[i] = {};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    const int fd = fds[(cursor / kBatch) % fds.size()];
    const int done = ::sendmmsg(fd, msgs.data(), static_cast<unsigned>(n), 0);
    if (done < 0) {
      ++errors;  // ECONNREFUSED while the collector is not yet there, ENOBUFS under load
      continue;
    }
    sent += static_cast<uint64_t>(done);
    cursor += static_cast<uint64_t>(done);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("{\"protocol\": \"%s\", \"datagrams\": %llu, \"records\": %llu, "
              "\"template_datagrams_per_socket_per_s\": %d, \"send_errors\": %llu, "
              "\"seconds\": %.3f, \"records_per_s\": %.0f}\n",
              protocol.c_str(), static_cast<unsigned long long>(sent),
              static_cast<unsigned long long>(sent * static_cast<uint64_t>(per_datagram)),
              v5 ? 0 : 1, static_cast<unsigned long long>(errors), seconds,
              static_cast<double>(sent * static_cast<uint64_t>(per_datagram)) / seconds);
  for (int fd : fds) ::close(fd);
  return 0;
}
