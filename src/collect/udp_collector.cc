#include "collect/udp_collector.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace flowlens::collect {

using decode::flow::ExportDecoder;
using decode::flow::ExporterHealth;

// The kernel writes one cmsg per datagram (the SO_RXQ_OVFL counter); 64 bytes hold it with
// room for alignment on every ABI.
constexpr size_t kControlBytes = 64;

struct UdpCollector::Worker {
  int fd = -1;
  size_t listener = 0;
  std::thread thread;

  mutable std::mutex mutex;  // guards decoder (decode vs. exporters()/stats())
  std::unique_ptr<ExportDecoder> decoder;

  std::vector<uint8_t> buffers;
  std::vector<mmsghdr> headers;
  std::vector<iovec> iov;
  std::vector<sockaddr_storage> sources;
  std::vector<std::array<uint8_t, kControlBytes>> control;
  std::vector<FlowRecord> records;

  std::atomic<uint64_t> datagrams{0};
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint64_t> record_count{0};
  std::atomic<uint64_t> truncated{0};
  std::atomic<uint64_t> receive_errors{0};
  std::atomic<uint64_t> batches{0};
  // SO_RXQ_OVFL carries the socket's cumulative drop counter (sk_drops); the latest value
  // seen is this socket's total.
  std::atomic<uint32_t> drops{0};

  ~Worker() {
    if (fd >= 0) {
      ::close(fd);
    }
  }
};

namespace {

std::string errno_text(const char* call) {
  return std::string(call) + ": " + std::strerror(errno);
}

socklen_t to_sockaddr(const IpAddress& address, uint16_t port, sockaddr_storage& out) {
  std::memset(&out, 0, sizeof(out));
  if (address.family == IpFamily::kV6) {
    auto* sa = reinterpret_cast<sockaddr_in6*>(&out);
    sa->sin6_family = AF_INET6;
    sa->sin6_port = htons(port);
    std::memcpy(&sa->sin6_addr, address.bytes.data(), 16);
    return sizeof(sockaddr_in6);
  }
  auto* sa = reinterpret_cast<sockaddr_in*>(&out);
  sa->sin_family = AF_INET;
  sa->sin_port = htons(port);
  std::memcpy(&sa->sin_addr, address.bytes.data(), 4);
  return sizeof(sockaddr_in);
}

// The exporter as the decoder keys it: an IPv4-mapped IPv6 source (a v4 exporter reaching
// a dual-stack socket) is the IPv4 address, so templates do not depend on the listener.
void from_sockaddr(const sockaddr_storage& in, IpAddress& address, uint16_t& port) {
  if (in.ss_family == AF_INET6) {
    const auto* sa = reinterpret_cast<const sockaddr_in6*>(&in);
    const auto* b = reinterpret_cast<const uint8_t*>(&sa->sin6_addr);
    if (IN6_IS_ADDR_V4MAPPED(&sa->sin6_addr)) {
      address = IpAddress::v4(b + 12);
    } else {
      address = IpAddress::v6(b);
    }
    port = ntohs(sa->sin6_port);
    return;
  }
  const auto* sa = reinterpret_cast<const sockaddr_in*>(&in);
  address = IpAddress::v4(reinterpret_cast<const uint8_t*>(&sa->sin_addr));
  port = ntohs(sa->sin_port);
}

struct OpenedSocket {
  int fd = -1;
  uint16_t port = 0;
  int buffer = 0;
};

Result<OpenedSocket> open_socket(const ListenAddress& listen, uint16_t port, int buffer) {
  const bool v6 = listen.address.family == IpFamily::kV6;
  const std::string where = listen.to_string();
  const int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return Error{where + ": " + errno_text("socket")};
  }
  const auto fail = [&](const char* call) {
    Error e{where + ": " + errno_text(call)};
    ::close(fd);
    return e;
  };
  const int one = 1;
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) {
    return fail("setsockopt(SO_REUSEPORT)");
  }
  // A v6 listener takes v6 only, so udp://[::]:P and udp://0.0.0.0:P can both be given.
  if (v6 && ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0) {
    return fail("setsockopt(IPV6_V6ONLY)");
  }
  // SO_RCVBUFFORCE ignores net.core.rmem_max but needs CAP_NET_ADMIN; without it, SO_RCVBUF
  // gives at most rmem_max. Either way the granted size is read back and reported.
  if (buffer > 0 &&
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buffer, sizeof(buffer)) != 0 &&
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof(buffer)) != 0) {
    return fail("setsockopt(SO_RCVBUF)");
  }
  if (::setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one)) != 0) {
    return fail("setsockopt(SO_RXQ_OVFL)");
  }
  sockaddr_storage addr;
  const socklen_t len = to_sockaddr(listen.address, port, addr);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), len) != 0) {
    return fail("bind");
  }
  sockaddr_storage bound;
  socklen_t bound_len = sizeof(bound);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_len) != 0) {
    return fail("getsockname");
  }
  OpenedSocket out;
  IpAddress ignored;
  from_sockaddr(bound, ignored, out.port);
  socklen_t opt_len = sizeof(out.buffer);
  if (::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &out.buffer, &opt_len) != 0) {
    out.buffer = 0;
  }
  out.fd = fd;
  return out;
}

// Drop counters of UDP sockets by inode, from /proc/net/udp and udp6 (last column).
// SO_RXQ_OVFL reports a drop only with the next datagram received; this also sees the
// drops after the last one. Empty when /proc is not mounted.
std::map<uint64_t, uint64_t> proc_udp_drops() {
  std::map<uint64_t, uint64_t> out;
  for (const char* path : {"/proc/net/udp", "/proc/net/udp6"}) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string f[13];
      for (std::string& x : f) {
        fields >> x;
      }
      // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
      const uint64_t inode = std::strtoull(f[9].c_str(), nullptr, 10);
      const uint64_t drops = std::strtoull(f[12].c_str(), nullptr, 10);
      if (inode != 0) {
        out[inode] = drops;
      }
    }
  }
  return out;
}

bool address_less(const IpAddress& a, const IpAddress& b) {
  if (a.family != b.family) {
    return a.family < b.family;
  }
  return a.bytes < b.bytes;
}

}  // namespace

void merge_exporter_health(ExporterHealth& into, const ExporterHealth& from) {
  into.datagrams += from.datagrams;
  for (size_t i = 0; i < into.datagrams_by_kind.size(); ++i) {
    into.datagrams_by_kind[i] += from.datagrams_by_kind[i];
  }
  into.records += from.records;
  into.templates_seen += from.templates_seen;
  into.templates_withdrawn += from.templates_withdrawn;
  into.options_records += from.options_records;
  into.sets_held += from.sets_held;
  into.sets_decoded_from_hold += from.sets_decoded_from_hold;
  into.sets_dropped_no_template += from.sets_dropped_no_template;
  into.bytes_dropped_no_template += from.bytes_dropped_no_template;
  into.counter_samples += from.counter_samples;
  into.timestamps_corrected += from.timestamps_corrected;
  for (size_t i = 0; i < into.errors.size(); ++i) {
    into.errors[i] += from.errors[i];
  }
  if (from.last_seen_ns >= into.last_seen_ns) {
    into.last_port = from.last_port;
    into.sampling_rate_announced = from.sampling_rate_announced;
    into.sampling_rate_override = from.sampling_rate_override;
    into.clock_skew_ns = from.clock_skew_ns;
    into.last_seen_ns = from.last_seen_ns;
  }
  for (const auto& [index, counters] : from.interfaces) {
    auto [it, inserted] = into.interfaces.try_emplace(index, counters);
    if (!inserted && counters.updated_ns >= it->second.updated_ns) {
      it->second = counters;
    }
  }
}

UdpCollector::UdpCollector(UdpCollectorConfig config, RecordSink sink, Clock& clock)
    : config_(std::move(config)), sink_(std::move(sink)), clock_(clock) {}

UdpCollector::~UdpCollector() {
  stop();
  if (stop_fd_ >= 0) {
    ::close(stop_fd_);
  }
}

Status UdpCollector::start() {
  if (started_) {
    return Error{"collector already started"};
  }
  if (config_.listen.empty()) {
    return Error{"no listen address given"};
  }
  const unsigned per_listener = std::max(1u, config_.workers_per_listener);
  const unsigned batch = std::clamp(config_.batch_datagrams, 1u, 1024u);
  const size_t datagram_bytes = std::clamp<size_t>(config_.max_datagram_bytes, 64, 65535);

  stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd_ < 0) {
    return Error{errno_text("eventfd")};
  }
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<uint16_t> ports;
  int granted = 0;
  for (size_t l = 0; l < config_.listen.size(); ++l) {
    const ListenAddress& listen = config_.listen[l];
    uint16_t port = listen.port;
    for (unsigned w = 0; w < per_listener; ++w) {
      // Port 0: the first socket gets a free port, the others join it.
      auto opened = open_socket(listen, port, config_.receive_buffer_bytes);
      if (!opened) {
        return opened.error();  // workers' destructors close what was opened
      }
      port = opened->port;
      if (granted == 0) {
        granted = opened->buffer;
      }
      auto worker = std::make_unique<Worker>();
      worker->fd = opened->fd;
      worker->listener = l;
      worker->decoder = std::make_unique<ExportDecoder>(config_.decoder);
      worker->buffers.resize(size_t{batch} * datagram_bytes);
      worker->headers.resize(batch);
      worker->iov.resize(batch);
      worker->sources.resize(batch);
      worker->control.resize(batch);
      for (unsigned i = 0; i < batch; ++i) {
        worker->iov[i] = {worker->buffers.data() + i * datagram_bytes, datagram_bytes};
      }
      workers.push_back(std::move(worker));
    }
    ports.push_back(port);
  }
  workers_ = std::move(workers);
  ports_ = std::move(ports);
  granted_buffer_ = granted;
  started_ = true;
  for (auto& worker : workers_) {
    Worker* w = worker.get();
    w->thread = std::thread([this, w] { run_worker(*w); });
  }
  return Status::Ok();
}

void UdpCollector::request_stop() {
  stopping_.store(true, std::memory_order_relaxed);
  if (stop_fd_ >= 0) {
    // The eventfd is never read: it stays readable, so every worker's poll() sees it.
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(stop_fd_, &one, sizeof(one));
  }
}

void UdpCollector::stop() {
  request_stop();
  for (auto& worker : workers_) {
    if (worker->thread.joinable()) {
      worker->thread.join();
    }
  }
}

void UdpCollector::run_worker(Worker& w) {
  const unsigned batch = static_cast<unsigned>(w.headers.size());
  pollfd fds[2] = {{w.fd, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
  const int tick_ms = static_cast<int>(std::clamp<int64_t>(config_.idle_tick.count(), 1, 3'600'000));
  while (!stopping_.load(std::memory_order_relaxed)) {
    bool holding = false;
    {
      std::lock_guard lock(w.mutex);
      holding = w.decoder->held_count() != 0;
    }
    const int ready = ::poll(fds, 2, holding ? tick_ms : -1);
    if (ready < 0) {
      if (errno == EINTR) {
        continue;
      }
      w.receive_errors.fetch_add(1, std::memory_order_relaxed);
      return;  // poll only fails on programming errors (EFAULT, EINVAL, ENOMEM)
    }
    if (ready == 0) {
      // Quiet socket, held sets: decode() would expire them on the next datagram only.
      std::lock_guard lock(w.mutex);
      w.decoder->expire_held(clock_.now_ns());
      continue;
    }
    if ((fds[1].revents & POLLIN) != 0) {
      return;
    }
    // Drain the socket: one poll() per burst, not per datagram.
    while (!stopping_.load(std::memory_order_relaxed)) {
      for (unsigned i = 0; i < batch; ++i) {
        msghdr& m = w.headers[i].msg_hdr;
        m.msg_name = &w.sources[i];
        m.msg_namelen = sizeof(sockaddr_storage);
        m.msg_iov = &w.iov[i];
        m.msg_iovlen = 1;
        m.msg_control = w.control[i].data();
        m.msg_controllen = kControlBytes;
        m.msg_flags = 0;
        w.headers[i].msg_len = 0;
      }
      const int n = ::recvmmsg(w.fd, w.headers.data(), batch, MSG_DONTWAIT, nullptr);
      if (n < 0) {
        if (errno == EINTR) {
          continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
          w.receive_errors.fetch_add(1, std::memory_order_relaxed);
        }
        break;
      }
      if (n == 0) {
        break;
      }
      process_batch(w, static_cast<unsigned>(n));
      if (static_cast<unsigned>(n) < batch) {
        break;  // socket drained
      }
    }
  }
}

void UdpCollector::process_batch(Worker& w, unsigned n) {
  const int64_t now = clock_.now_ns();
  w.records.clear();
  uint64_t bytes = 0;
  uint64_t truncated = 0;
  uint32_t drops = w.drops.load(std::memory_order_relaxed);
  {
    std::lock_guard lock(w.mutex);
    for (unsigned i = 0; i < n; ++i) {
      msghdr& m = w.headers[i].msg_hdr;
      for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL &&
            c->cmsg_len >= CMSG_LEN(sizeof(uint32_t))) {
          uint32_t value = 0;
          std::memcpy(&value, CMSG_DATA(c), sizeof(value));
          drops = std::max(drops, value);
        }
      }
      if ((m.msg_flags & MSG_TRUNC) != 0) {
        ++truncated;
        continue;
      }
      IpAddress exporter;
      uint16_t port = 0;
      from_sockaddr(w.sources[i], exporter, port);
      const size_t len = w.headers[i].msg_len;
      bytes += len;
      w.decoder->decode(exporter, port,
                        {static_cast<const uint8_t*>(w.iov[i].iov_base), len}, now, w.records);
    }
  }
  w.drops.store(drops, std::memory_order_relaxed);
  w.datagrams.fetch_add(n - truncated, std::memory_order_relaxed);
  w.truncated.fetch_add(truncated, std::memory_order_relaxed);
  w.bytes.fetch_add(bytes, std::memory_order_relaxed);
  w.record_count.fetch_add(w.records.size(), std::memory_order_relaxed);
  w.batches.fetch_add(1, std::memory_order_relaxed);
  if (!w.records.empty()) {
    sink_(std::span<const FlowRecord>(w.records));
  }
  received_total_.fetch_add(n);
  notify_progress();
}

void UdpCollector::notify_progress() {
  if (waiters_.load() > 0) {
    { std::lock_guard lock(progress_mutex_); }
    progress_.notify_all();
  }
}

bool UdpCollector::wait_for_datagrams(uint64_t datagrams,
                                      std::chrono::steady_clock::time_point deadline) {
  waiters_.fetch_add(1);
  std::unique_lock lock(progress_mutex_);
  const bool reached = progress_.wait_until(
      lock, deadline, [&] { return received_total_.load() >= datagrams; });
  waiters_.fetch_sub(1);
  return reached;
}

std::vector<uint16_t> UdpCollector::bound_ports() const { return ports_; }

CollectorStats UdpCollector::stats() const {
  CollectorStats s;
  const std::map<uint64_t, uint64_t> proc_drops = proc_udp_drops();
  for (const auto& w : workers_) {
    uint64_t drops = w->drops.load(std::memory_order_relaxed);
    struct stat st {};
    if (::fstat(w->fd, &st) == 0) {
      if (const auto it = proc_drops.find(st.st_ino); it != proc_drops.end()) {
        drops = std::max(drops, it->second);
      }
    }
    s.kernel_drops += drops;
    s.datagrams += w->datagrams.load(std::memory_order_relaxed);
    s.bytes += w->bytes.load(std::memory_order_relaxed);
    s.records += w->record_count.load(std::memory_order_relaxed);
    s.truncated += w->truncated.load(std::memory_order_relaxed);
    s.receive_errors += w->receive_errors.load(std::memory_order_relaxed);
    s.batches += w->batches.load(std::memory_order_relaxed);
  }
  for (const ExporterHealth& h : exporters()) {
    for (size_t i = 0; i < s.decode_errors.size(); ++i) {
      s.decode_errors[i] += h.errors[i];
    }
  }
  return s;
}

std::vector<ExporterHealth> UdpCollector::exporters() const {
  std::map<std::pair<IpFamily, std::array<uint8_t, 16>>, ExporterHealth> merged;
  for (const auto& w : workers_) {
    std::vector<ExporterHealth> one;
    {
      std::lock_guard lock(w->mutex);
      one = w->decoder->exporters();
    }
    for (ExporterHealth& h : one) {
      auto [it, inserted] =
          merged.try_emplace({h.exporter.family, h.exporter.bytes}, std::move(h));
      if (!inserted) {
        merge_exporter_health(it->second, h);
      }
    }
  }
  std::vector<ExporterHealth> out;
  out.reserve(merged.size());
  for (auto& [key, h] : merged) {
    out.push_back(std::move(h));
  }
  std::sort(out.begin(), out.end(), [](const ExporterHealth& a, const ExporterHealth& b) {
    return address_less(a.exporter, b.exporter);
  });
  return out;
}

}  // namespace flowlens::collect
