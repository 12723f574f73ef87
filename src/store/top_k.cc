#include "store/top_k.h"

#include <array>
#include <cstring>
#include <string_view>

#include "model/flow_output.h"

namespace flowlens::store {
namespace {

// inet_ntop's text of an IPv4 address, without its cost.
std::string ipv4_text(const uint8_t* b) {
  char buf[16];
  char* p = buf;
  for (int i = 0; i < 4; ++i) {
    if (i != 0) *p++ = '.';
    const unsigned v = b[i];
    if (v >= 100) *p++ = static_cast<char>('0' + v / 100);
    if (v >= 10) *p++ = static_cast<char>('0' + v / 10 % 10);
    *p++ = static_cast<char>('0' + v % 10);
  }
  return std::string(buf, static_cast<size_t>(p - buf));
}

// rank[v] = place of v's decimal text among the texts of 0..255 in string order. Dotted
// quads compare as text octet by octet ('.' sorts below every digit, so a shorter octet
// text that prefixes a longer one sorts first, as the string does), so the ranks of the
// four octets, most significant first, order IPv4 keys exactly as their texts.
std::array<uint8_t, 256> octet_text_ranks() {
  std::array<std::string, 256> texts;
  for (unsigned v = 0; v < 256; ++v) texts[v] = std::to_string(v);
  std::array<uint8_t, 256> order;
  for (unsigned v = 0; v < 256; ++v) order[v] = static_cast<uint8_t>(v);
  std::sort(order.begin(), order.end(),
            [&](uint8_t a, uint8_t b) { return texts[a] < texts[b]; });
  std::array<uint8_t, 256> rank;
  for (unsigned i = 0; i < 256; ++i) rank[order[i]] = static_cast<uint8_t>(i);
  return rank;
}

const std::array<uint8_t, 256> kOctetTextRank = octet_text_ranks();

uint32_t ipv4_text_rank(const GroupKey& k) {
  uint8_t b[8];
  std::memcpy(b, &k.w[0], 8);
  return uint32_t{kOctetTextRank[b[0]]} << 24 | uint32_t{kOctetTextRank[b[1]]} << 16 |
         uint32_t{kOctetTextRank[b[2]]} << 8 | uint32_t{kOctetTextRank[b[3]]};
}

bool host_dimension(Dimension d) { return d == Dimension::kSrcHost || d == Dimension::kDstHost; }

}  // namespace

GroupKey host_group(const IpAddress& a) {
  GroupKey k;
  if (a.family == IpFamily::kNone) return k;
  std::memcpy(&k.w[0], a.bytes.data(), 8);
  std::memcpy(&k.w[1], a.bytes.data() + 8, 8);
  k.w[2] = a.family == IpFamily::kV4 ? 4 : 16;
  return k;
}

GroupKey host_group(const uint8_t* bytes, size_t n) {
  GroupKey k;
  if (bytes == nullptr || (n != 4 && n != 16)) return k;
  uint8_t padded[16] = {};
  std::memcpy(padded, bytes, n);
  std::memcpy(&k.w[0], padded, 8);
  std::memcpy(&k.w[1], padded + 8, 8);
  k.w[2] = n;
  return k;
}

std::string integer_group_text(Dimension d, int64_t key) {
  switch (d) {
    case Dimension::kProto: {
      char scratch[4];
      return std::string(pmacct_protocol_name(static_cast<uint8_t>(key), scratch));
    }
    case Dimension::kDirection: return std::string(to_string(static_cast<Direction>(key)));
    case Dimension::kPort:
    case Dimension::kSrcPort:
    case Dimension::kDstPort: return std::to_string(key);
    default: return "";
  }
}

std::string group_text(Dimension d, const GroupKey& k) {
  if (!host_dimension(d)) return integer_group_text(d, static_cast<int64_t>(k.w[0]));
  uint8_t bytes[16];
  std::memcpy(bytes, &k.w[0], 8);
  std::memcpy(bytes + 8, &k.w[1], 8);
  if (k.w[2] == 4) return ipv4_text(bytes);
  return k.w[2] == 16 ? IpAddress::v6(bytes).to_string() : IpAddress().to_string();
}

bool text_less(Dimension d, const GroupKey& a, const GroupKey& b) {
  if (host_dimension(d) && a.w[2] == 4 && b.w[2] == 4) {
    return ipv4_text_rank(a) < ipv4_text_rank(b);
  }
  return group_text(d, a) < group_text(d, b);
}

bool TopK::before_worst(const GroupKey& key) {
  const GroupKey& worst = heap_.front().key;
  if (host_dimension(dimension_) && key.w[2] == 4 && worst.w[2] == 4) {
    return text_less(dimension_, key, worst);
  }
  if (!worst_text_known_) {
    worst_text_ = group_text(dimension_, worst);
    worst_text_known_ = true;
  }
  return group_text(dimension_, key) < worst_text_;
}

std::vector<TopEntry> TopK::entries() const {
  std::vector<Candidate> sorted = heap_;
  std::sort(sorted.begin(), sorted.end(), Better{this});
  std::vector<TopEntry> out;
  out.reserve(sorted.size());
  for (const Candidate& c : sorted) out.push_back({group_text(dimension_, c.key), c.counters});
  return out;
}

}  // namespace flowlens::store
