#pragma once
// ByteReader: bounds-checked reads of big- and little-endian integers from untrusted
// bytes. Every read checks the remaining length first; a failed read returns false and
// leaves the cursor where it was, so decoders can report the offset that was short.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace flowlens {

inline uint16_t load_be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
inline uint32_t load_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
inline uint64_t load_be64(const uint8_t* p) {
  return (uint64_t{load_be32(p)} << 32) | load_be32(p + 4);
}
inline uint16_t load_le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
inline uint32_t load_le32(const uint8_t* p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}
inline uint64_t load_le64(const uint8_t* p) {
  return uint64_t{load_le32(p)} | (uint64_t{load_le32(p + 4)} << 32);
}

class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> bytes, bool big_endian = true)
      : data_(bytes.data()), size_(bytes.size()), big_endian_(big_endian) {}

  size_t offset() const { return pos_; }
  size_t remaining() const { return size_ - pos_; }
  size_t size() const { return size_; }
  bool big_endian() const { return big_endian_; }
  void set_big_endian(bool big) { big_endian_ = big; }
  const uint8_t* cursor() const { return data_ + pos_; }

  [[nodiscard]] bool skip(size_t n) {
    if (n > remaining()) return false;
    pos_ += n;
    return true;
  }
  [[nodiscard]] bool seek(size_t absolute) {
    if (absolute > size_) return false;
    pos_ = absolute;
    return true;
  }
  [[nodiscard]] bool u8(uint8_t& out) {
    if (remaining() < 1) return false;
    out = data_[pos_++];
    return true;
  }
  [[nodiscard]] bool u16(uint16_t& out) {
    if (remaining() < 2) return false;
    out = big_endian_ ? load_be16(cursor()) : load_le16(cursor());
    pos_ += 2;
    return true;
  }
  [[nodiscard]] bool u32(uint32_t& out) {
    if (remaining() < 4) return false;
    out = big_endian_ ? load_be32(cursor()) : load_le32(cursor());
    pos_ += 4;
    return true;
  }
  [[nodiscard]] bool u64(uint64_t& out) {
    if (remaining() < 8) return false;
    out = big_endian_ ? load_be64(cursor()) : load_le64(cursor());
    pos_ += 8;
    return true;
  }
  [[nodiscard]] bool bytes(size_t n, std::span<const uint8_t>& out) {
    if (n > remaining()) return false;
    out = {cursor(), n};
    pos_ += n;
    return true;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  bool big_endian_;
};

}  // namespace flowlens
