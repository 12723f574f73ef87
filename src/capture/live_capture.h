#pragma once
// LiveCapture: packets from one or more network interfaces through libpcap.
//
// Contract:
//  - open() opens every interface (pcap_create + set_snaplen/promisc/timeout/
//    buffer_size/immediate_mode + pcap_activate), applies the BPF filter to each, and
//    sets them non-blocking. Errors name the interface and the reason, and tell apart
//    "no such device", "permission denied (run as root or grant CAP_NET_RAW)" and a
//    filter that does not compile (with libpcap's message).
//  - read_batch() waits up to `timeout_ms` (poll on the selectable fds) for packets from
//    any interface and returns up to out.size() records (0 on timeout). Records carry the
//    interface index (order of config.interfaces) and libpcap's link type; they stay
//    valid until the next read_batch() call (copied out of libpcap's ring).
//  - Timestamps are nanosecond precision when the interface offers it.
//  - stats() gives per interface what the kernel received and dropped (pcap_stats).
//    An interface that fails after open (unplugged, down) is no longer read; the others
//    go on and its stats carry the reason in `error`.
//  - Not thread-safe.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "capture/packet_record.h"
#include "core/result.h"

namespace flowlens::capture {

struct LiveCaptureConfig {
  std::vector<std::string> interfaces;  // at least one
  std::string filter;                   // BPF expression, "" = everything
  int snaplen = 262144;
  bool promiscuous = true;
  int buffer_bytes = 32 << 20;
};

struct InterfaceStats {
  std::string name;
  uint64_t received = 0;
  uint64_t dropped = 0;         // by the kernel (ring full)
  uint64_t if_dropped = 0;      // by the interface/driver
  std::string error;            // "" while healthy; else why it is no longer read
};

class LiveCapture {
 public:
  static Result<std::unique_ptr<LiveCapture>> open(const LiveCaptureConfig& config);
  virtual ~LiveCapture() = default;
  virtual size_t read_batch(std::span<PacketRecord> out, int timeout_ms) = 0;
  virtual std::vector<InterfaceStats> stats() = 0;
};

}  // namespace flowlens::capture
