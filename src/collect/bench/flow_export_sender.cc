// flow_export_sender: sends synthetic NetFlow v5, NetFlow v9, IPFIX or sFlow v5 datagrams
// to a loopback collector at a set rate of flow records per second, with sendmmsg, for
// bench/collect_bench.py.
//
//   flow_export_sender --to 127.0.0.1:PORT --protocol v5|v9|ipfix|sflow --rate FLOWS_PER_S
//                      --duration S [--sockets N] [--template-every N]
//
// --rate 0 sends as fast as it can. Per datagram (UDP payload):
// - v5: 30 records (1464 bytes).
// - v9: 30 records of an 18-field template (45-byte records: Cisco's usual IPv4 set,
//   FIRST/LAST_SWITCHED relative to sysUptime), 1376 bytes with the flowset padding.
// - ipfix: 24 records of a 13-field template (56-byte records, ms timestamps), 1364 bytes.
// - sflow: 7 flow samples (1372 bytes), sampling rate 1, each one sampled-header record of
//   128 bytes: Ethernet/IPv4/TCP (1518-byte frames) or, every 4th sample, Ethernet/IPv4/UDP
//   (590-byte frames), FCS stripped. One FlowRecord per sample.
// v9/IPFIX: every socket sends a template-only datagram first and again after every
// --template-every data datagrams it sent (default 20, Cisco's v9 refresh default), so
// each source port — which SO_REUSEPORT may hash to another collector worker — keeps its
// templates. Records are distinct 5-tuples within a pool of 256 datagrams, reused
// round-robin; sequence numbers are rewritten before each send (v5/IPFIX: records so
// far, v9: export packets so far, sFlow: datagrams so far), so sequence-checking
// collectors see no gaps.
// Prints one JSON object: data datagrams and records sent, template datagrams, send
// errors, seconds, achieved rate. Refuses destinations other than loopback.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
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
  void fix16(size_t at, size_t value) {
    v[at] = static_cast<uint8_t>(value >> 8);
    v[at + 1] = static_cast<uint8_t>(value);
  }
};

void store_be32(uint8_t* p, uint32_t x) {
  p[0] = static_cast<uint8_t>(x >> 24);
  p[1] = static_cast<uint8_t>(x >> 16);
  p[2] = static_cast<uint8_t>(x >> 8);
  p[3] = static_cast<uint8_t>(x);
}

constexpr int kPool = 256;
constexpr uint16_t kTemplateId = 256;
constexpr uint32_t kUptimeMs = 3'600'000;

// What one protocol sends: data datagrams, their record count, where the sequence number
// sits and what it counts, and the template datagram (empty for v5 and sFlow).
struct Load {
  int records_per_datagram = 0;
  size_t sequence_offset = 0;
  bool sequence_counts_records = false;
  std::vector<std::vector<uint8_t>> pool;
  std::vector<uint8_t> templ;
};

// ---- NetFlow v5 ----

std::vector<uint8_t> v5_datagram(uint32_t index, uint32_t now_s, int count) {
  Bytes b;
  b.u16(5); b.u16(static_cast<uint32_t>(count)); b.u32(kUptimeMs); b.u32(now_s); b.u32(0);
  b.u32(0);  // flow_sequence, set per send
  b.u8(0); b.u8(0); b.u16(0);
  for (uint32_t i = 0; i < static_cast<uint32_t>(count); ++i) {
    const uint32_t n = index * static_cast<uint32_t>(count) + i;
    b.u32(0x0a000000u | n); b.u32(0xc0a80000u | (n & 0xffff)); b.u32(0); b.u16(1); b.u16(2);
    b.u32(10); b.u32(4000); b.u32(3'590'000); b.u32(3'599'000);
    b.u16(1024 + (n & 0x3fff)); b.u16(443); b.u8(0); b.u8(0x1b); b.u8(6); b.u8(0);
    b.u16(0); b.u16(0); b.u8(24); b.u8(16); b.u16(0);
  }
  return b.v;
}

// ---- NetFlow v9 ----

// IN_BYTES IN_PKTS PROTOCOL SRC_TOS TCP_FLAGS L4_SRC_PORT IPV4_SRC_ADDR SRC_MASK INPUT_SNMP
// L4_DST_PORT IPV4_DST_ADDR DST_MASK OUTPUT_SNMP IPV4_NEXT_HOP SRC_AS DST_AS LAST_SWITCHED
// FIRST_SWITCHED: 45 bytes per record.
constexpr uint16_t kV9Fields[][2] = {{1, 4},  {2, 4},  {4, 1},  {5, 1},  {6, 1},  {7, 2},
                                     {8, 4},  {9, 1},  {10, 2}, {11, 2}, {12, 4}, {13, 1},
                                     {14, 2}, {15, 4}, {16, 2}, {17, 2}, {21, 4}, {22, 4}};
constexpr size_t kV9RecordBytes = 45;
constexpr size_t v9_record_bytes() {
  size_t n = 0;
  for (const auto& f : kV9Fields) n += f[1];
  return n;
}
static_assert(v9_record_bytes() == kV9RecordBytes, "the v9 template's fields add up to a record");

void v9_header(Bytes& b, uint32_t count, uint32_t now_s) {
  b.u16(9); b.u16(count); b.u32(kUptimeMs); b.u32(now_s);
  b.u32(0);  // package sequence, set per send
  b.u32(1);  // source id
}

std::vector<uint8_t> v9_template(uint32_t now_s) {
  Bytes b;
  v9_header(b, 1, now_s);
  const size_t n = std::size(kV9Fields);
  b.u16(0); b.u16(static_cast<uint32_t>(4 + 4 + 4 * n)); b.u16(kTemplateId);
  b.u16(static_cast<uint32_t>(n));
  for (const auto& f : kV9Fields) {
    b.u16(f[0]); b.u16(f[1]);
  }
  return b.v;
}

std::vector<uint8_t> v9_datagram(uint32_t index, uint32_t now_s, int count) {
  Bytes b;
  v9_header(b, static_cast<uint32_t>(count), now_s);
  const size_t set = b.v.size();
  b.u16(kTemplateId); b.u16(0);
  for (uint32_t i = 0; i < static_cast<uint32_t>(count); ++i) {
    const uint32_t n = index * static_cast<uint32_t>(count) + i;
    b.u32(4000); b.u32(10); b.u8(6); b.u8(0); b.u8(0x1b); b.u16(1024 + (n & 0x3fff));
    b.u32(0x0a000000u | n); b.u8(24); b.u16(1); b.u16(443); b.u32(0xc0a80000u | (n & 0xffff));
    b.u8(16); b.u16(2); b.u32(0); b.u16(0); b.u16(0); b.u32(3'599'000); b.u32(3'590'000);
  }
  while ((b.v.size() - set) % 4 != 0) {
    b.u8(0);  // flowset padding to 32 bits (RFC 3954 5.3)
  }
  b.fix16(set + 2, b.v.size() - set);
  return b.v;
}

// ---- IPFIX ----

void ipfix_header(Bytes& b, uint32_t now_s) {
  b.u16(10); b.u16(0); b.u32(now_s);
  b.u32(0);  // sequence (data records so far), set per send
  b.u32(1);  // observation domain
}

std::vector<uint8_t> ipfix_template(uint32_t now_s) {
  static constexpr uint16_t kFields[][2] = {{8, 4}, {12, 4}, {7, 2}, {11, 2}, {4, 1}, {6, 2},
                                            {1, 8}, {2, 8}, {152, 8}, {153, 8}, {10, 4},
                                            {14, 4}, {5, 1}};
  Bytes b;
  ipfix_header(b, now_s);
  const size_t n = std::size(kFields);
  b.u16(2); b.u16(static_cast<uint32_t>(4 + 4 + 4 * n)); b.u16(kTemplateId);
  b.u16(static_cast<uint32_t>(n));
  for (const auto& f : kFields) {
    b.u16(f[0]); b.u16(f[1]);
  }
  b.fix16(2, b.v.size());
  return b.v;
}

std::vector<uint8_t> ipfix_datagram(uint32_t index, uint32_t now_s, int count) {
  Bytes b;
  ipfix_header(b, now_s);
  b.u16(kTemplateId); b.u16(static_cast<uint32_t>(4 + count * 56));
  const uint64_t ms = uint64_t{now_s} * 1000;
  for (uint32_t i = 0; i < static_cast<uint32_t>(count); ++i) {
    const uint32_t n = index * static_cast<uint32_t>(count) + i;
    b.u32(0x0a000000u | n); b.u32(0xc0a80000u | (n & 0xffff)); b.u16(1024 + (n & 0x3fff));
    b.u16(443); b.u8(6); b.u16(0x1b); b.u64(4000); b.u64(10); b.u64(ms - 9000); b.u64(ms - 1000);
    b.u32(1); b.u32(2); b.u8(0);
  }
  b.fix16(2, b.v.size());
  return b.v;
}

// ---- sFlow v5 ----

constexpr uint32_t kSflowHeaderBytes = 128;

// Flow sample n: sampled-header record of an Ethernet/IPv4/TCP or /UDP frame.
void sflow_sample(Bytes& b, uint32_t n) {
  const bool udp = n % 4 == 3;
  const uint32_t frame = udp ? 590 : 1518;  // on the wire, FCS included
  const uint32_t ip_length = frame - 14 - 4;
  const size_t start = b.v.size();
  b.u32(1);  // enterprise 0, format 1: flow sample
  b.u32(0);  // length, fixed below
  b.u32(n);                  // sample sequence number
  b.u32(3);                  // source id: ifIndex 3
  b.u32(1);                  // sampling rate
  b.u32(n + 1);              // sample pool
  b.u32(0);                  // drops
  b.u32(3); b.u32(4);        // input, output interface
  b.u32(1);                  // one flow record
  b.u32(1);                  // format 1: raw packet header
  b.u32(16 + kSflowHeaderBytes);
  b.u32(1);                  // header protocol: Ethernet
  b.u32(frame); b.u32(4);    // frame length, stripped (FCS)
  b.u32(kSflowHeaderBytes);
  const size_t header = b.v.size();
  b.u16(0x0200); b.u32(0x00000001); b.u16(0x0200); b.u32(0x00000002 + (n & 0xff));  // MACs
  b.u16(0x0800);
  b.u8(0x45); b.u8(0); b.u16(ip_length); b.u16(n & 0xffff); b.u16(0x4000); b.u8(64);
  b.u8(udp ? 17 : 6); b.u16(0);
  b.u32(0xac100000u | (n & 0xfffff)); b.u32(0xc0a80000u | (n & 0xffff));
  b.u16(1024 + (n & 0x3fff)); b.u16(udp ? 53 : 443);
  if (udp) {
    b.u16(ip_length - 20); b.u16(0);
  } else {
    b.u32(n); b.u32(1); b.u8(0x50); b.u8(0x18); b.u16(1000); b.u16(0); b.u16(0);
  }
  while (b.v.size() - header < kSflowHeaderBytes) {
    b.u8(0);  // payload bytes of the sampled frame
  }
  b.fix16(start + 6, b.v.size() - start - 8);
}

std::vector<uint8_t> sflow_datagram(uint32_t index, int count) {
  Bytes b;
  b.u32(5); b.u32(1); b.u32(0x7f000001);  // version, agent address type IPv4, agent
  b.u32(0);                               // sub-agent id
  b.u32(0);                               // datagram sequence, set per send
  b.u32(kUptimeMs); b.u32(static_cast<uint32_t>(count));
  for (uint32_t i = 0; i < static_cast<uint32_t>(count); ++i) {
    sflow_sample(b, index * static_cast<uint32_t>(count) + i);
  }
  return b.v;
}

Load make_load(const std::string& protocol, uint32_t now_s) {
  Load load;
  std::vector<uint8_t> (*build)(uint32_t, uint32_t, int) = nullptr;
  if (protocol == "v5") {
    load.records_per_datagram = 30;
    load.sequence_offset = 16;
    load.sequence_counts_records = true;
    build = v5_datagram;
  } else if (protocol == "v9") {
    load.records_per_datagram = 30;
    load.sequence_offset = 12;
    load.templ = v9_template(now_s);
    build = v9_datagram;
  } else if (protocol == "ipfix") {
    load.records_per_datagram = 24;
    load.sequence_offset = 8;
    load.sequence_counts_records = true;
    load.templ = ipfix_template(now_s);
    build = ipfix_datagram;
  } else {
    load.records_per_datagram = 7;
    load.sequence_offset = 16;
  }
  for (uint32_t i = 0; i < kPool; ++i) {
    load.pool.push_back(build != nullptr ? build(i, now_s, load.records_per_datagram)
                                         : sflow_datagram(i, load.records_per_datagram));
  }
  return load;
}

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "flow_export_sender: %s\nusage: flow_export_sender --to 127.0.0.1:PORT "
               "--protocol v5|v9|ipfix|sflow --rate FLOWS_PER_S --duration S [--sockets N] "
               "[--template-every N]\n",
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
  long template_every = 20;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const char* value = argv[i + 1];
    if (key == "--to") to = value;
    else if (key == "--protocol") protocol = value;
    else if (key == "--rate") rate = std::atof(value);
    else if (key == "--duration") duration = std::atof(value);
    else if (key == "--sockets") sockets = std::atoi(value);
    else if (key == "--template-every") template_every = std::atol(value);
    else usage("unknown option");
  }
  if (argc % 2 == 0) usage("every option takes a value");
  const size_t colon = to.rfind(':');
  if (colon == std::string::npos) usage("--to ADDR:PORT is required");
  sockaddr_in dest{};
  dest.sin_family = AF_INET;
  dest.sin_port = htons(static_cast<uint16_t>(std::atoi(to.c_str() + colon + 1)));
  if (inet_pton(AF_INET, to.substr(0, colon).c_str(), &dest.sin_addr) != 1 ||
      (ntohl(dest.sin_addr.s_addr) >> 24) != 127) {
    usage("--to must be an IPv4 loopback address (127.x.x.x)");
  }
  if (protocol != "v5" && protocol != "v9" && protocol != "ipfix" && protocol != "sflow") {
    usage("--protocol must be v5, v9, ipfix or sflow");
  }
  if (sockets < 1 || sockets > 64 || !(duration > 0) || template_every < 1) {
    usage("bad --sockets, --duration or --template-every");
  }

  const uint32_t now_s = static_cast<uint32_t>(::time(nullptr));
  Load load = make_load(protocol, now_s);
  const int per_datagram = load.records_per_datagram;

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
  // Data datagrams each socket sent since its last template.
  std::vector<long> since_template(fds.size(), 0);
  uint64_t template_datagrams = 0;
  uint64_t sent = 0;
  // The sequence number of data datagram k (0-based, over all sockets) or, for templates,
  // of the next message: v5/IPFIX count data records before it, v9 every export packet
  // (templates too), sFlow datagrams.
  const auto sequence = [&](uint64_t k) {
    if (load.sequence_counts_records) return k * static_cast<uint64_t>(per_datagram);
    return protocol == "v9" ? k + template_datagrams : k;
  };
  const auto send_template = [&](size_t s) {
    if (!load.templ.empty()) {
      store_be32(load.templ.data() + load.sequence_offset,
                 static_cast<uint32_t>(sequence(sent)));
      if (::send(fds[s], load.templ.data(), load.templ.size(), 0) >= 0) ++template_datagrams;
      since_template[s] = 0;
    }
  };
  for (size_t s = 0; s < fds.size(); ++s) send_template(s);

  constexpr int kBatch = 32;
  std::vector<mmsghdr> msgs(kBatch);
  std::vector<iovec> iov(kBatch);
  const double datagram_rate = rate / per_datagram;
  const auto start = std::chrono::steady_clock::now();
  uint64_t errors = 0;
  uint64_t cursor = 0;
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - start).count();
    if (elapsed >= duration) break;
    const auto due = static_cast<uint64_t>(elapsed * datagram_rate);
    if (rate > 0 && sent >= due) {
      // Ahead of schedule: wait for the next batch's due time (pacing, not synchronisation).
      const double wait_s = (static_cast<double>(sent + kBatch) / datagram_rate) - elapsed;
      std::this_thread::sleep_for(std::chrono::duration<double>(std::min(wait_s, 0.001)));
      continue;
    }
    const size_t s = (cursor / kBatch) % fds.size();
    long n = rate > 0 ? static_cast<long>(std::min<uint64_t>(kBatch, due - sent + 1)) : kBatch;
    if (!load.templ.empty()) {
      if (since_template[s] >= template_every) send_template(s);
      n = std::min(n, template_every - since_template[s]);
    }
    for (long i = 0; i < n; ++i) {
      const uint64_t k = sent + static_cast<uint64_t>(i);
      std::vector<uint8_t>& d = load.pool[(cursor + static_cast<uint64_t>(i)) % kPool];
      // sendmmsg copies the bytes before it returns, so the pool entry can be rewritten.
      store_be32(d.data() + load.sequence_offset, static_cast<uint32_t>(sequence(k)));
      iov[static_cast<size_t>(i)] = {d.data(), d.size()};
      msgs[static_cast<size_t>(i)] = {};
      msgs[static_cast<size_t>(i)].msg_hdr.msg_iov = &iov[static_cast<size_t>(i)];
      msgs[static_cast<size_t>(i)].msg_hdr.msg_iovlen = 1;
    }
    const int done = ::sendmmsg(fds[s], msgs.data(), static_cast<unsigned>(n), 0);
    if (done < 0) {
      ++errors;  // ECONNREFUSED while the collector is not yet there, ENOBUFS under load
      continue;
    }
    sent += static_cast<uint64_t>(done);
    cursor += static_cast<uint64_t>(done);
    since_template[s] += done;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const uint64_t records = sent * static_cast<uint64_t>(per_datagram);
  std::printf("{\"protocol\": \"%s\", \"datagrams\": %llu, \"records\": %llu, "
              "\"records_per_datagram\": %d, \"datagram_bytes\": %zu, "
              "\"template_datagrams\": %llu, \"send_errors\": %llu, "
              "\"seconds\": %.3f, \"records_per_s\": %.0f}\n",
              protocol.c_str(), static_cast<unsigned long long>(sent),
              static_cast<unsigned long long>(records), per_datagram, load.pool[0].size(),
              static_cast<unsigned long long>(template_datagrams),
              static_cast<unsigned long long>(errors), seconds,
              static_cast<double>(records) / seconds);
  for (int fd : fds) ::close(fd);
  return 0;
}
