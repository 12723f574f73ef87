#pragma once
// Builds pcap and pcapng files byte by byte for the capture reader tests, in either
// byte order, so every field a test cares about is explicit.

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

namespace flowlens::capture::testing {

class Bytes {
 public:
  explicit Bytes(bool big_endian = false) : big_(big_endian) {}
  void set_big_endian(bool big) { big_ = big; }
  Bytes& u8(uint8_t v) {
    data_.push_back(v);
    return *this;
  }
  Bytes& u16(uint16_t v) {
    if (big_) {
      u8(static_cast<uint8_t>(v >> 8)).u8(static_cast<uint8_t>(v));
    } else {
      u8(static_cast<uint8_t>(v)).u8(static_cast<uint8_t>(v >> 8));
    }
    return *this;
  }
  Bytes& u32(uint32_t v) {
    if (big_) {
      u16(static_cast<uint16_t>(v >> 16)).u16(static_cast<uint16_t>(v));
    } else {
      u16(static_cast<uint16_t>(v)).u16(static_cast<uint16_t>(v >> 16));
    }
    return *this;
  }
  Bytes& fill(size_t n, uint8_t v) {
    data_.insert(data_.end(), n, v);
    return *this;
  }
  Bytes& append(const std::vector<uint8_t>& more) {
    data_.insert(data_.end(), more.begin(), more.end());
    return *this;
  }
  void put_u32_at(size_t off, uint32_t v) {
    Bytes tmp(big_);
    tmp.u32(v);
    for (size_t i = 0; i < 4; ++i) {
      data_[off + i] = tmp.data_[i];
    }
  }
  size_t size() const { return data_.size(); }
  const std::vector<uint8_t>& data() const { return data_; }
  bool big_endian() const { return big_; }

 private:
  bool big_;
  std::vector<uint8_t> data_;
};

// Classic pcap.
inline Bytes pcap_header(bool big, uint32_t magic, uint16_t major, uint16_t minor,
                         uint32_t link_field, uint32_t snaplen = 65535) {
  Bytes b(big);
  b.u32(magic).u16(major).u16(minor).u32(0).u32(0).u32(snaplen).u32(link_field);
  return b;
}

inline void pcap_record(Bytes& b, uint32_t sec, uint32_t frac, uint32_t caplen_field,
                        uint32_t len_field, size_t data_bytes, uint8_t fill = 0xAB) {
  b.u32(sec).u32(frac).u32(caplen_field).u32(len_field).fill(data_bytes, fill);
}

// pcapng: blocks are built complete, with both length fields.
inline void pcapng_block(Bytes& b, uint32_t type, const std::vector<uint8_t>& body) {
  const auto total = static_cast<uint32_t>(12 + body.size());
  b.u32(type).u32(total).append(body).u32(total);
}

inline void pcapng_shb(Bytes& b, uint16_t major = 1, uint16_t minor = 0,
                       const std::vector<uint8_t>& options = {}) {
  Bytes body(b.big_endian());
  body.u32(0x1A2B3C4D).u16(major).u16(minor).u32(0xFFFFFFFF).u32(0xFFFFFFFF).append(options);
  pcapng_block(b, 0x0A0D0D0A, body.data());
}

// An option list: code, length, value padded to 4, then opt_endofopt.
inline std::vector<uint8_t> pcapng_option(bool big, uint16_t code,
                                          const std::vector<uint8_t>& value) {
  Bytes o(big);
  o.u16(code).u16(static_cast<uint16_t>(value.size())).append(value);
  while (o.size() % 4 != 0) {
    o.u8(0);
  }
  o.u16(0).u16(0);
  return o.data();
}

inline void pcapng_idb(Bytes& b, uint16_t link_type, uint32_t snaplen,
                       const std::vector<uint8_t>& options = {}) {
  Bytes body(b.big_endian());
  body.u16(link_type).u16(0).u32(snaplen).append(options);
  pcapng_block(b, 1, body.data());
}

inline void pcapng_epb(Bytes& b, uint32_t iface, uint64_t ts, uint32_t caplen, uint32_t len,
                       uint32_t type = 6) {
  Bytes body(b.big_endian());
  if (type == 2) {
    body.u16(static_cast<uint16_t>(iface)).u16(0);
  } else {
    body.u32(iface);
  }
  body.u32(static_cast<uint32_t>(ts >> 32)).u32(static_cast<uint32_t>(ts)).u32(caplen).u32(len);
  body.fill(caplen, 0xCD);
  while (body.size() % 4 != 0) {
    body.u8(0);
  }
  pcapng_block(b, type, body.data());
}

inline void pcapng_spb(Bytes& b, uint32_t len, uint32_t data_bytes) {
  Bytes body(b.big_endian());
  body.u32(len).fill(data_bytes, 0xEF);
  while (body.size() % 4 != 0) {
    body.u8(0);
  }
  pcapng_block(b, 3, body.data());
}

}  // namespace flowlens::capture::testing
