#pragma once
// PacketRecord: one packet record read from a capture, pointing into the reader's
// buffer. Valid until the next read_batch() call on the reader that produced it.

#include <cstdint>

namespace flowlens::capture {

// A timestamp exactly as the file stores it, split into seconds and nanoseconds.
// `nsec` is NOT normalised: a damaged file may carry a fraction >= 1e9 (or one that
// reads negative as a signed 32-bit value), and `flowlens inspect` prints it the way
// tshark does. Use time_ns() for event time.
struct Timestamp {
  int64_t sec = 0;
  int64_t nsec = 0;
};

struct PacketRecord {
  const uint8_t* data = nullptr;  // captured bytes
  uint32_t caplen = 0;            // bytes present at `data`
  uint32_t wire_len = 0;          // original length on the wire
  uint32_t link_type = 0;         // LINKTYPE_* value (low 16 bits of the header field)
  uint32_t interface_id = 0;      // pcapng interface index within its section; 0 for pcap
  uint64_t file_offset = 0;       // offset of the record (header) in the file
  Timestamp ts;
  bool has_timestamp = true;      // false for pcapng simple packet blocks

  // Event time in ns since the Unix epoch, saturating instead of overflowing.
  int64_t time_ns() const {
    constexpr int64_t kMaxSec = INT64_MAX / 1'000'000'000 - 1;
    if (ts.sec > kMaxSec) return INT64_MAX;
    if (ts.sec < -kMaxSec) return INT64_MIN;
    return ts.sec * 1'000'000'000 + ts.nsec;
  }
};

}  // namespace flowlens::capture
