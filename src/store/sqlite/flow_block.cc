#include "store/sqlite/flow_block.h"

#include <fmt/format.h>

#include <cstring>

namespace flowlens::store::sqlite {
namespace {

constexpr uint8_t kVersion = 1;
constexpr uint8_t kShapeExtension = 0x10;
constexpr uint8_t kShapeReserved = 0xE0;
constexpr uint8_t kMaxDirection = static_cast<uint8_t>(Direction::kTransit);
constexpr uint8_t kMaxSource = static_cast<uint8_t>(SourceKind::kPmacct);

uint8_t family_code(const IpAddress& a) {
  switch (a.family) {
    case IpFamily::kV4: return 1;
    case IpFamily::kV6: return 2;
    case IpFamily::kNone: break;
  }
  return 0;
}

uint64_t zigzag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t unzigzag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

// Wrapping difference: start and end come from untrusted exports and may be anywhere in
// int64; the decoder adds it back with the same wrap, so every pair round-trips.
int64_t wrapping_sub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
int64_t wrapping_add(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

bool has_extension(const FlowRecord& r) {
  static constexpr std::array<uint8_t, 6> kZeroMac{};
  return r.src_mask != 0 || r.dst_mask != 0 || r.source != SourceKind::kPcap || r.vlan != 0 ||
         r.mac_src != kZeroMac || r.mac_dst != kZeroMac || r.input_if != 0 ||
         r.output_if != 0 || r.sampling_rate != 0 || !r.exporter.empty();
}

class Writer {
 public:
  explicit Writer(std::vector<uint8_t>& out) : out_(out) {}
  void byte(uint8_t b) { out_.push_back(b); }
  void varint(uint64_t v) {
    uint8_t buf[10];
    size_t n = 0;
    while (v >= 0x80) {
      buf[n++] = static_cast<uint8_t>(v | 0x80);
      v >>= 7;
    }
    buf[n++] = static_cast<uint8_t>(v);
    out_.insert(out_.end(), buf, buf + n);
  }
  void u16(uint16_t v) {
    byte(static_cast<uint8_t>(v));
    byte(static_cast<uint8_t>(v >> 8));
  }
  void raw(const uint8_t* p, size_t n) { out_.insert(out_.end(), p, p + n); }
  void address(const IpAddress& a) {
    if (a.family == IpFamily::kV4) raw(a.bytes.data(), 4);
    if (a.family == IpFamily::kV6) raw(a.bytes.data(), 16);
  }

 private:
  std::vector<uint8_t>& out_;
};

// Bounds-checked reader; the first failure sticks (later reads return 0) and is reported
// once by the caller with the offset where it happened.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> data) : p_(data.data()), n_(data.size()) {}
  bool failed() const { return what_ != nullptr; }
  const char* what() const { return what_; }
  size_t error_offset() const { return error_at_; }
  size_t offset() const { return at_; }
  bool at_end() const { return at_ == n_; }

  uint8_t byte() {
    if (!need(1, "truncated")) return 0;
    return p_[at_++];
  }
  uint16_t u16() {
    if (!need(2, "truncated")) return 0;
    const uint16_t v = static_cast<uint16_t>(p_[at_] | (p_[at_ + 1] << 8));
    at_ += 2;
    return v;
  }
  uint64_t varint() {
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
      if (!need(1, "truncated varint")) return 0;
      const uint8_t b = p_[at_];
      // The tenth byte may only carry the top bit of a 64-bit value (and so ends it).
      if (shift == 63 && b > 1) return fail("varint overflows 64 bits");
      ++at_;
      v |= uint64_t{b & 0x7fu} << shift;
      if ((b & 0x80) == 0) return v;
    }
    return v;  // not reached: the tenth byte either ends the varint or fails
  }
  template <typename T>
  T varint_as(const char* field) {
    const uint64_t v = varint();
    if (v > static_cast<uint64_t>(static_cast<T>(~T{0}))) {
      fail(field);
      return 0;
    }
    return static_cast<T>(v);
  }
  void raw(uint8_t* out, size_t n) {
    if (!need(n, "truncated")) return;
    std::memcpy(out, p_ + at_, n);
    at_ += n;
  }
  IpAddress address(uint8_t code) {
    uint8_t b[16];
    if (code == 1) {
      raw(b, 4);
      return failed() ? IpAddress{} : IpAddress::v4(b);
    }
    if (code == 2) {
      raw(b, 16);
      return failed() ? IpAddress{} : IpAddress::v6(b);
    }
    return {};
  }
  uint64_t fail(const char* what) {
    if (what_ == nullptr) {
      what_ = what;
      error_at_ = at_;
    }
    at_ = n_;
    return 0;
  }

 private:
  bool need(size_t k, const char* what) {
    if (failed()) return false;
    if (n_ - at_ < k) {
      fail(what);
      return false;
    }
    return true;
  }
  const uint8_t* p_;
  size_t n_;
  size_t at_ = 0;
  size_t error_at_ = 0;
  const char* what_ = nullptr;
};

}  // namespace

void encode_flow_block(std::span<const FlowRecord> flows, std::vector<uint8_t>& out) {
  out.clear();
  out.reserve(8 + flows.size() * 32);
  Writer w(out);
  w.byte(kVersion);
  w.varint(flows.size());
  int64_t previous_start = 0;
  for (const FlowRecord& r : flows) {
    const bool ext = has_extension(r);
    w.byte(static_cast<uint8_t>(family_code(r.src) | family_code(r.dst) << 2 |
                                (ext ? kShapeExtension : 0)));
    w.varint(zigzag(wrapping_sub(r.start_ns, previous_start)));
    previous_start = r.start_ns;
    w.varint(zigzag(wrapping_sub(r.end_ns, r.start_ns)));
    w.varint(r.packets);
    w.varint(r.bytes);
    w.varint(r.flows);
    w.address(r.src);
    w.address(r.dst);
    w.u16(r.src_port);
    w.u16(r.dst_port);
    w.byte(r.ip_proto);
    w.byte(static_cast<uint8_t>(r.direction));
    w.byte(r.tos);
    w.byte(r.tcp_flags);
    if (!ext) continue;
    w.byte(r.src_mask);
    w.byte(r.dst_mask);
    w.byte(static_cast<uint8_t>(r.source));
    w.varint(r.vlan);
    w.raw(r.mac_src.data(), 6);
    w.raw(r.mac_dst.data(), 6);
    w.varint(r.input_if);
    w.varint(r.output_if);
    w.varint(r.sampling_rate);
    const uint8_t exporter = r.exporter.family == IpFamily::kV4   ? 4
                             : r.exporter.family == IpFamily::kV6 ? 6
                                                                  : 0;
    w.byte(exporter);
    w.address(r.exporter);
  }
}

Status decode_flow_block(std::span<const uint8_t> data, std::vector<FlowRecord>& out) {
  out.clear();
  Reader in(data);
  auto error = [&](const char* what, size_t offset) {
    return Error{fmt::format("flow block: {} at byte {} of {}", what, offset, data.size()),
                 static_cast<int64_t>(offset)};
  };
  if (const uint8_t version = in.byte(); !in.failed() && version != kVersion) {
    return error("unknown version", 0);
  }
  const uint64_t count = in.varint();
  if (in.failed()) return error(in.what(), in.error_offset());
  if (count > kMaxFlowsInBlock) return error("flow count too large", 1);
  // Every flow takes at least 13 bytes: a count the data cannot hold is refused before
  // reserving memory for it.
  if (count > (data.size() - in.offset()) / 13) return error("count exceeds the data", 1);
  out.reserve(count);
  int64_t previous_start = 0;
  for (uint64_t i = 0; i < count; ++i) {
    const size_t flow_at = in.offset();
    const uint8_t shape = in.byte();
    if (in.failed()) break;
    const uint8_t src_code = shape & 3;
    const uint8_t dst_code = (shape >> 2) & 3;
    if ((shape & kShapeReserved) != 0 || src_code == 3 || dst_code == 3) {
      return error("bad shape byte", flow_at);
    }
    FlowRecord r;
    r.start_ns = wrapping_add(previous_start, unzigzag(in.varint()));
    previous_start = r.start_ns;
    r.end_ns = wrapping_add(r.start_ns, unzigzag(in.varint()));
    r.packets = in.varint();
    r.bytes = in.varint();
    r.flows = in.varint();
    r.src = in.address(src_code);
    r.dst = in.address(dst_code);
    r.src_port = in.u16();
    r.dst_port = in.u16();
    r.ip_proto = in.byte();
    const size_t direction_at = in.offset();
    const uint8_t direction = in.byte();
    r.tos = in.byte();
    r.tcp_flags = in.byte();
    if (!in.failed() && direction > kMaxDirection) return error("bad direction", direction_at);
    r.direction = static_cast<Direction>(direction);
    if ((shape & kShapeExtension) != 0) {
      r.src_mask = in.byte();
      r.dst_mask = in.byte();
      const size_t source_at = in.offset();
      const uint8_t source = in.byte();
      if (!in.failed() && source > kMaxSource) return error("bad source kind", source_at);
      r.source = static_cast<SourceKind>(source);
      r.vlan = in.varint_as<uint16_t>("vlan out of range");
      in.raw(r.mac_src.data(), 6);
      in.raw(r.mac_dst.data(), 6);
      r.input_if = in.varint_as<uint32_t>("input_if out of range");
      r.output_if = in.varint_as<uint32_t>("output_if out of range");
      r.sampling_rate = in.varint_as<uint32_t>("sampling_rate out of range");
      const size_t exporter_at = in.offset();
      const uint8_t exporter = in.byte();
      if (in.failed()) break;
      if (exporter != 0 && exporter != 4 && exporter != 6) {
        return error("bad exporter family", exporter_at);
      }
      r.exporter = in.address(exporter == 4 ? 1 : exporter == 6 ? 2 : 0);
    }
    if (in.failed()) break;
    out.push_back(r);
  }
  if (in.failed()) return error(in.what(), in.error_offset());
  if (!in.at_end()) return error("trailing bytes", in.offset());
  return Status::Ok();
}

}  // namespace flowlens::store::sqlite
