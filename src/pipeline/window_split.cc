#include "pipeline/window_split.h"

#include <algorithm>
#include <cstdint>

#include "model/rollup.h"

namespace flowlens::pipeline {
namespace {

__extension__ typedef unsigned __int128 Uint128;  // GCC/Clang

// floor(total * part / whole) without overflow (part <= whole, whole > 0).
uint64_t share(uint64_t total, uint64_t part, uint64_t whole) {
  return static_cast<uint64_t>(static_cast<Uint128>(total) * part / whole);
}

}  // namespace

void split_at_windows(const FlowRecord& record, int64_t window_ns, std::vector<FlowRecord>& out) {
  const int64_t end = record.end_ns;
  int64_t start = record.start_ns;
  if (end <= start || end > INT64_MAX - window_ns ||
      bucket_start(start, window_ns) == bucket_start(end, window_ns)) {
    out.push_back(record);
    return;
  }
  const int64_t last_window = bucket_start(end, window_ns);
  if (record.packets == 0 && record.bytes == 0) {
    // Nothing to spread: kept whole, in the window of its end.
    out.push_back(record);
    out.back().start_ns = last_window;
    return;
  }
  // Clamp so that at most kMaxPieces windows are touched (see the header).
  const int64_t earliest = last_window - static_cast<int64_t>(kMaxPieces - 1) * window_ns;
  if (bucket_start(start, window_ns) < earliest) start = earliest;
  const uint64_t duration = static_cast<uint64_t>(end - start);

  uint64_t packets_given = 0;
  uint64_t bytes_given = 0;
  for (int64_t w = bucket_start(start, window_ns); w <= last_window; w += window_ns) {
    const int64_t piece_end = std::min(end, w + window_ns);
    // Cumulative shares at the end of this piece; the last piece takes the remainder, so
    // the sums are exact.
    // Packets follow time; bytes follow the packets (a piece without a packet gets no
    // byte), or time when the record counts bytes only.
    const uint64_t elapsed = static_cast<uint64_t>(piece_end - start);
    const bool last = w == last_window;
    const uint64_t packets_to = last ? record.packets : share(record.packets, elapsed, duration);
    const uint64_t bytes_to = last ? record.bytes
                              : record.packets != 0 ? share(record.bytes, packets_to, record.packets)
                                                    : share(record.bytes, elapsed, duration);
    FlowRecord piece = record;
    piece.start_ns = std::max(start, w);
    piece.end_ns = last ? end : w + window_ns - 1;
    piece.packets = packets_to - packets_given;
    piece.bytes = bytes_to - bytes_given;
    packets_given = packets_to;
    bytes_given = bytes_to;
    if (piece.packets != 0 || piece.bytes != 0) out.push_back(piece);
  }
}

}  // namespace flowlens::pipeline
