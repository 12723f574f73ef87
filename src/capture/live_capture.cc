#include "capture/live_capture.h"

#include <pcap/pcap.h>
#include <poll.h>

#include <algorithm>

namespace flowlens::capture {
namespace {

struct Handle {
  std::string name;
  pcap_t* pcap = nullptr;
  int fd = -1;
  uint32_t link_type = 0;
  uint32_t frac_to_ns = 1000;
  std::string error;  // set when the interface failed after open; it is no longer read
};

struct CloseHandles {
  std::vector<Handle>& handles;
  bool release = false;
  ~CloseHandles() {
    if (!release) {
      for (Handle& h : handles) {
        if (h.pcap != nullptr) {
          pcap_close(h.pcap);
        }
      }
    }
  }
};

std::string activate_error(const std::string& name, int rc, pcap_t* p) {
  const std::string detail = pcap_geterr(p);
  switch (rc) {
    case PCAP_ERROR_NO_SUCH_DEVICE:
      return name + ": no such device" + (detail.empty() ? "" : " (" + detail + ")");
    case PCAP_ERROR_PERM_DENIED:
    case PCAP_ERROR_PROMISC_PERM_DENIED:
      return name + ": permission denied (run as root or grant CAP_NET_RAW)" +
             (detail.empty() ? "" : ": " + detail);
    case PCAP_ERROR_IFACE_NOT_UP:
      return name + ": interface is down";
    default:
      return name + ": cannot capture: " + pcap_statustostr(rc) +
             (detail.empty() ? "" : ": " + detail);
  }
}

// Opens one interface; on success `h.pcap` is set and must be closed by the caller.
Status open_one(const LiveCaptureConfig& config, Handle& h) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  h.pcap = pcap_create(h.name.c_str(), errbuf);
  if (h.pcap == nullptr) {
    return Error{h.name + ": cannot capture: " + errbuf};
  }
  pcap_t* p = h.pcap;
  pcap_set_snaplen(p, config.snaplen);
  pcap_set_promisc(p, config.promiscuous ? 1 : 0);
  // Immediate mode: packets are handed over as they arrive instead of when a kernel
  // block fills, so a quiet link still delivers within the poll timeout. The timeout
  // is then only a fallback for kernels without it.
  pcap_set_timeout(p, 100);
  pcap_set_immediate_mode(p, 1);
  pcap_set_buffer_size(p, config.buffer_bytes);
  // Refused on interfaces without it (before activation only the request is checked);
  // the precision actually granted is read back below.
  pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
  const int rc = pcap_activate(p);
  if (rc < 0) {
    return Error{activate_error(h.name, rc, p)};
  }
  if (!config.filter.empty()) {
    struct bpf_program program {};
    if (pcap_compile(p, &program, config.filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
      return Error{h.name + ": bad filter '" + config.filter + "': " + pcap_geterr(p)};
    }
    const int set = pcap_setfilter(p, &program);
    pcap_freecode(&program);
    if (set != 0) {
      return Error{h.name + ": cannot set filter '" + config.filter + "': " + pcap_geterr(p)};
    }
  }
  if (pcap_setnonblock(p, 1, errbuf) != 0) {
    return Error{h.name + ": cannot make non-blocking: " + errbuf};
  }
  h.fd = pcap_get_selectable_fd(p);
  if (h.fd < 0) {
    return Error{h.name + ": has no selectable descriptor to poll"};
  }
  h.link_type = static_cast<uint32_t>(pcap_datalink(p)) & 0xFFFF;
  h.frac_to_ns = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO ? 1 : 1000;
  return Status::Ok();
}

class LiveCaptureImpl final : public LiveCapture {
 public:
  explicit LiveCaptureImpl(std::vector<Handle> handles) : handles_(std::move(handles)) {}
  ~LiveCaptureImpl() override {
    for (Handle& h : handles_) {
      pcap_close(h.pcap);
    }
  }

  size_t read_batch(std::span<PacketRecord> out, int timeout_ms) override;
  std::vector<InterfaceStats> stats() override;

 private:
  struct Batch {
    LiveCaptureImpl* self;
    std::span<PacketRecord> out;
    size_t interface_index;
    size_t count;
  };
  static void on_packet(u_char* user, const struct pcap_pkthdr* header, const u_char* bytes);
  // Takes what libpcap already holds from every interface, without waiting.
  void dispatch_all(Batch& batch);

  std::vector<Handle> handles_;
  std::vector<uint8_t> buffer_;     // copies of this batch's packet bytes
  std::vector<size_t> offsets_;     // where each record's bytes start in buffer_
  std::vector<struct pollfd> pollfds_;
  size_t first_ = 0;                // interface dispatched first (round robin)
};

void LiveCaptureImpl::on_packet(u_char* user, const struct pcap_pkthdr* header,
                                const u_char* bytes) {
  auto& batch = *reinterpret_cast<Batch*>(user);
  if (batch.count >= batch.out.size()) {
    return;  // pcap_dispatch's count keeps this from happening
  }
  LiveCaptureImpl& self = *batch.self;
  const Handle& h = self.handles_[batch.interface_index];
  // libpcap's ring slot is reused once the callback returns: copy. Pointers are fixed
  // up after the batch because buffer_ may grow meanwhile.
  self.offsets_.push_back(self.buffer_.size());
  self.buffer_.insert(self.buffer_.end(), bytes, bytes + header->caplen);
  PacketRecord& r = batch.out[batch.count++];
  r.data = nullptr;
  r.caplen = header->caplen;
  r.wire_len = header->len;
  r.link_type = h.link_type;
  r.interface_id = static_cast<uint32_t>(batch.interface_index);
  r.file_offset = 0;
  r.ts.sec = header->ts.tv_sec;
  r.ts.nsec = int64_t{header->ts.tv_usec} * h.frac_to_ns;
  r.has_timestamp = true;
}

void LiveCaptureImpl::dispatch_all(Batch& batch) {
  const size_t n = handles_.size();
  for (size_t k = 0; k < n && batch.count < batch.out.size(); ++k) {
    const size_t i = (first_ + k) % n;
    Handle& h = handles_[i];
    if (!h.error.empty()) {
      continue;
    }
    batch.interface_index = i;
    const int want = static_cast<int>(std::min<size_t>(batch.out.size() - batch.count, 1u << 20));
    const int rc = pcap_dispatch(h.pcap, want, &LiveCaptureImpl::on_packet,
                                 reinterpret_cast<u_char*>(&batch));
    if (rc == PCAP_ERROR) {
      // The interface went away or down: keep the others running, report it in stats().
      h.error = pcap_geterr(h.pcap);
    }
  }
  first_ = (first_ + 1) % n;
}

size_t LiveCaptureImpl::read_batch(std::span<PacketRecord> out, int timeout_ms) {
  buffer_.clear();
  offsets_.clear();
  Batch batch{this, out, 0, 0};
  if (out.empty()) {
    return 0;
  }
  dispatch_all(batch);
  if (batch.count == 0 && timeout_ms != 0) {
    pollfds_.clear();
    for (const Handle& h : handles_) {
      if (h.error.empty()) {
        pollfds_.push_back({h.fd, POLLIN, 0});
      }
    }
    if (!pollfds_.empty() &&
        ::poll(pollfds_.data(), static_cast<nfds_t>(pollfds_.size()), timeout_ms) > 0) {
      dispatch_all(batch);
    }
  }
  for (size_t i = 0; i < batch.count; ++i) {
    out[i].data = buffer_.data() + offsets_[i];
  }
  return batch.count;
}

std::vector<InterfaceStats> LiveCaptureImpl::stats() {
  std::vector<InterfaceStats> result;
  result.reserve(handles_.size());
  for (Handle& h : handles_) {
    InterfaceStats s;
    s.name = h.name;
    s.error = h.error;
    struct pcap_stat ps {};
    if (pcap_stats(h.pcap, &ps) == 0) {
      s.received = ps.ps_recv;
      s.dropped = ps.ps_drop;
      s.if_dropped = ps.ps_ifdrop;
    }
    result.push_back(std::move(s));
  }
  return result;
}

}  // namespace

Result<std::unique_ptr<LiveCapture>> LiveCapture::open(const LiveCaptureConfig& config) {
  if (config.interfaces.empty()) {
    return Error{"live capture: no interface given"};
  }
  std::vector<Handle> handles(config.interfaces.size());
  CloseHandles guard{handles};
  for (size_t i = 0; i < handles.size(); ++i) {
    handles[i].name = config.interfaces[i];
    if (Status s = open_one(config, handles[i]); !s.ok()) {
      return s.error();
    }
  }
  guard.release = true;
  return std::unique_ptr<LiveCapture>(new LiveCaptureImpl(std::move(handles)));
}

}  // namespace flowlens::capture
