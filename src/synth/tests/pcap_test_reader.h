#pragma once
// Test helpers: read a classic pcap file and the headers of its frames with plain byte
// arithmetic, independently of the code under test (and of libpcap).

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <tuple>
#include <vector>

namespace flowlens::synth::testing {

inline uint32_t le32(const std::vector<uint8_t>& b, size_t at) {
  return uint32_t{b[at]} | (uint32_t{b[at + 1]} << 8) | (uint32_t{b[at + 2]} << 16) |
         (uint32_t{b[at + 3]} << 24);
}
inline uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

inline std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Record {
  uint32_t ts_sec = 0;
  uint32_t ts_frac = 0;
  std::vector<uint8_t> frame;
  uint32_t wire_length = 0;
};

struct ParsedPcap {
  bool valid = false;
  std::string problem;
  uint32_t magic = 0;
  uint32_t snaplen = 0;
  uint32_t linktype = 0;
  std::vector<Record> records;
};

inline ParsedPcap parse_pcap(const std::vector<uint8_t>& b) {
  ParsedPcap out;
  if (b.size() < 24) {
    out.problem = "shorter than the file header";
    return out;
  }
  out.magic = le32(b, 0);
  if (b[4] != 2 || b[5] != 0 || b[6] != 4 || b[7] != 0) {
    out.problem = "version is not 2.4";
    return out;
  }
  out.snaplen = le32(b, 16);
  out.linktype = le32(b, 20);
  size_t at = 24;
  while (at < b.size()) {
    if (b.size() - at < 16) {
      out.problem = "truncated record header";
      return out;
    }
    Record r;
    r.ts_sec = le32(b, at);
    r.ts_frac = le32(b, at + 4);
    const uint32_t caplen = le32(b, at + 8);
    r.wire_length = le32(b, at + 12);
    at += 16;
    if (caplen > out.snaplen || b.size() - at < caplen) {
      out.problem = "record longer than snaplen or than the file";
      return out;
    }
    r.frame.assign(b.begin() + static_cast<std::ptrdiff_t>(at),
                   b.begin() + static_cast<std::ptrdiff_t>(at + caplen));
    at += caplen;
    out.records.push_back(std::move(r));
  }
  out.valid = true;
  return out;
}

// Ethernet + IPv4/IPv6 + ports, as a flow meter keys them (ICMP: ports 0).
struct FiveTuple {
  uint8_t version = 0;
  std::vector<uint8_t> src;
  std::vector<uint8_t> dst;
  uint8_t protocol = 0;
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  auto key() const { return std::tie(version, src, dst, protocol, src_port, dst_port); }
  bool operator<(const FiveTuple& o) const { return key() < o.key(); }
};

// Offsets of the IP and L4 headers inside an untagged Ethernet frame.
struct Layers {
  uint8_t version = 0;
  size_t ip = 14;
  size_t l4 = 0;
  uint8_t protocol = 0;
};

inline Layers layers_of(const std::vector<uint8_t>& f) {
  Layers l;
  const uint16_t type = be16(&f[12]);
  if (type == 0x0800) {
    l.version = 4;
    l.l4 = 14 + size_t{f[14] & 0x0Fu} * 4;
    l.protocol = f[14 + 9];
  } else if (type == 0x86DD) {
    l.version = 6;
    l.l4 = 14 + 40;
    l.protocol = f[14 + 6];
  }
  return l;
}

inline FiveTuple five_tuple_of(const std::vector<uint8_t>& f) {
  const Layers l = layers_of(f);
  FiveTuple t;
  t.version = l.version;
  t.protocol = l.protocol;
  const size_t addr = l.version == 4 ? 4 : 16;
  const size_t src_at = l.version == 4 ? l.ip + 12 : l.ip + 8;
  t.src.assign(f.begin() + static_cast<std::ptrdiff_t>(src_at),
               f.begin() + static_cast<std::ptrdiff_t>(src_at + addr));
  t.dst.assign(f.begin() + static_cast<std::ptrdiff_t>(src_at + addr),
               f.begin() + static_cast<std::ptrdiff_t>(src_at + 2 * addr));
  if (l.protocol == 6 || l.protocol == 17) {
    t.src_port = be16(&f[l.l4]);
    t.dst_port = be16(&f[l.l4 + 2]);
  }
  return t;
}

// RFC 1071 one's-complement sum over a byte range, folded to 16 bits (not inverted).
inline uint32_t ones_sum(const uint8_t* p, size_t n, uint32_t sum = 0) {
  for (size_t i = 0; i < n; ++i) {
    sum += (i % 2 == 0) ? uint32_t{p[i]} << 8 : uint32_t{p[i]};
  }
  while (sum >> 16) {
    sum = (sum & 0xFFFF) + (sum >> 16);
  }
  return sum;
}

}  // namespace flowlens::synth::testing
