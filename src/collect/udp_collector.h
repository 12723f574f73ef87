#pragma once
// UdpCollector: receives flow-export datagrams (NetFlow v5/v9, IPFIX, sFlow v5) on UDP
// sockets and hands the decoded FlowRecords to a sink.
//
// Threads and sockets: each listener gets `workers_per_listener` sockets bound to the same
// address with SO_REUSEPORT and one thread per socket. The kernel hashes each exporter
// (source address + port) to one socket, so all datagrams of an exporter reach the same
// worker, and each worker owns its own ExportDecoder (templates and sampling tables are
// per decoder, see export_decoder.h). A worker waits in poll() on its socket and the
// collector's stop eventfd, then drains the socket with recvmmsg() in batches of
// `batch_datagrams` without blocking.
//
// Contract:
// - The constructor does no I/O. start() creates, configures and binds every socket and
//   starts the workers; on error nothing is left open or running. start() once only.
// - The sink is called from the worker threads, concurrently, once per recvmmsg batch
//   that produced records, with the records of that batch. It must be thread-safe; the
//   span is valid only during the call. It must not call stop() (it would join itself);
//   request_stop() is fine.
// - request_stop() is async-signal-safe (one write to an eventfd) and returns at once;
//   stop() requests and joins the workers. Datagrams already received in a batch are
//   decoded and delivered before a worker exits; the rest stay in the socket and are lost
//   when it closes. The destructor stops.
// - Receive time comes from the injected Clock, read once per batch; the Clock must be
//   safe to call from several threads (SystemClock is).
// - Bad datagrams never stop a worker: ExportDecoder counts them per exporter; datagrams
//   the kernel truncated (longer than max_datagram_bytes) are counted in `truncated` and
//   not decoded; drops in the kernel (socket buffer full) come from SO_RXQ_OVFL.
// - stats() and exporters() may be called from any thread while running; they briefly
//   take each worker's lock (held while that worker decodes one batch).

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "collect/listen_address.h"
#include "core/clock.h"
#include "core/result.h"
#include "decode/flow/export_decoder.h"
#include "decode/flow/exporter_health.h"
#include "model/flow_record.h"

namespace flowlens::collect {

struct UdpCollectorConfig {
  std::vector<ListenAddress> listen;
  unsigned workers_per_listener = 1;
  // Asked for with SO_RCVBUFFORCE (needs CAP_NET_ADMIN), else SO_RCVBUF (capped by
  // net.core.rmem_max). What the kernel granted is in receive_buffer_bytes().
  int receive_buffer_bytes = 32 << 20;
  unsigned batch_datagrams = 64;
  // Larger datagrams are truncated by the kernel and counted, not decoded. 65535 holds any
  // UDP payload; 9000-byte jumbo exports fit comfortably.
  size_t max_datagram_bytes = 65535;
  // A worker whose decoder holds data sets waiting for a template wakes up this often
  // when its socket is quiet, to expire them (ExportDecoder::expire_held): an exporter
  // whose templates never come shows its dropped sets even if it stops sending.
  std::chrono::milliseconds idle_tick{1000};
  decode::flow::ExportDecoderConfig decoder;
};

struct CollectorStats {
  uint64_t datagrams = 0;       // received and handed to a decoder
  uint64_t bytes = 0;           // their UDP payload bytes
  uint64_t records = 0;         // FlowRecords produced
  uint64_t truncated = 0;       // longer than max_datagram_bytes, not decoded
  uint64_t receive_errors = 0;  // recvmmsg/poll failures other than EAGAIN/EINTR
  uint64_t kernel_drops = 0;    // datagrams the kernel dropped (buffer full): SO_RXQ_OVFL,
                                // or /proc/net/udp* when it has seen more
  uint64_t batches = 0;         // recvmmsg calls that returned datagrams
  std::array<uint64_t, decode::flow::kFlowDecodeErrorCount> decode_errors{};  // all exporters
};

using RecordSink = std::function<void(std::span<const FlowRecord>)>;

class UdpCollector {
 public:
  UdpCollector(UdpCollectorConfig config, RecordSink sink, Clock& clock = SystemClock::instance());
  ~UdpCollector();
  UdpCollector(const UdpCollector&) = delete;
  UdpCollector& operator=(const UdpCollector&) = delete;

  // Errors name the listener and the failing call (bad address, port in use, ...).
  Status start();
  void request_stop();
  void stop();

  // Port each listener is bound to (the kernel's choice for port 0), in config order.
  std::vector<uint16_t> bound_ports() const;
  // Receive buffer the kernel granted to the first socket (the kernel doubles the value
  // asked for to account for its bookkeeping, see socket(7)).
  int receive_buffer_bytes() const { return granted_buffer_; }
  size_t worker_count() const { return workers_.size(); }

  CollectorStats stats() const;
  // Health of every exporter, merged over the workers that saw it (an exporter sending
  // from several source ports may be hashed to several), sorted by address.
  std::vector<decode::flow::ExporterHealth> exporters() const;

  // Blocks until `datagrams` datagrams have been received (decoded or truncated) or the
  // deadline passes; true when reached. For tests and `--count`-style stops.
  bool wait_for_datagrams(uint64_t datagrams, std::chrono::steady_clock::time_point deadline);

  struct Worker;  // socket, decoder, buffers, counters (udp_collector.cc)

 private:
  void run_worker(Worker& worker);
  void process_batch(Worker& worker, unsigned received);
  void notify_progress();

  UdpCollectorConfig config_;
  RecordSink sink_;
  Clock& clock_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<uint16_t> ports_;
  int granted_buffer_ = 0;
  int stop_fd_ = -1;
  bool started_ = false;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> received_total_{0};
  std::atomic<int> waiters_{0};
  std::mutex progress_mutex_;
  std::condition_variable progress_;
};

// Adds `from` into `into` (same exporter): counters summed, latest-seen values taken from
// the one seen last. Exposed for tests.
void merge_exporter_health(decode::flow::ExporterHealth& into,
                           const decode::flow::ExporterHealth& from);

}  // namespace flowlens::collect
