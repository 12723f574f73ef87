// NetFlow v9 (RFC 3954) and IPFIX (RFC 7011): templates, options, data sets, held sets.
//
// Both protocols share the set layout (id, length, body) and the information element
// numbers below 128, so one decoder handles both; the differences are the header, the set
// ids of templates (0/1 vs 2/3), enterprise bits and variable-length fields (IPFIX only)
// and how uptime-relative times are anchored (v9: header sysUptime; IPFIX: the options
// element systemInitTimeMilliseconds).

#include <algorithm>
#include <cstring>

#include "core/byte_reader.h"
#include "decode/flow/decoder_state.h"

namespace flowlens::decode::flow {
namespace {

constexpr uint32_t kReversePen = 29305;  // RFC 5103 biflow reverse elements
constexpr uint16_t kVariableLength = 65535;
constexpr int64_t kNtpToUnixSec = 2'208'988'800;

// Inlined by force (as apply_field and decode_record): GCC -O3 kept them out of line,
// a call per field of every record.
[[gnu::always_inline]] inline uint64_t read_uint(const uint8_t* p, size_t n) {
  // The usual widths first: the byte loop below costs several ns per field.
  switch (n) {
    case 1: return p[0];
    case 2: return load_be16(p);
    case 4: return load_be32(p);
    case 8: return load_be64(p);
    default: break;
  }
  if (n > 8) {
    p += n - 8;
    n = 8;
  }
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    v = (v << 8) | p[i];
  }
  return v;
}

FieldKind reverse_kind(uint16_t id) {
  switch (id) {
    case 1: return FieldKind::kReverseBytes;
    case 2: return FieldKind::kReversePackets;
    case 6: return FieldKind::kReverseTcpFlags;
    default: return FieldKind::kSkip;
  }
}

FieldKind field_kind(uint16_t id, uint32_t pen) {
  if (pen == kReversePen) {
    return reverse_kind(id);
  }
  if (pen != 0) {
    return FieldKind::kSkip;  // other enterprise elements: length known, meaning not
  }
  switch (id) {
    case 1: return FieldKind::kBytes;
    case 2: return FieldKind::kPackets;
    case 3: return FieldKind::kFlows;
    case 4: return FieldKind::kProto;
    case 5: return FieldKind::kTos;
    case 6: return FieldKind::kTcpFlags;
    case 7: return FieldKind::kSrcPort;
    case 8: return FieldKind::kSrc4;
    case 9: return FieldKind::kSrcMask;
    case 10: return FieldKind::kInIf;
    case 11: return FieldKind::kDstPort;
    case 12: return FieldKind::kDst4;
    case 13: return FieldKind::kDstMask;
    case 14: return FieldKind::kOutIf;
    case 21: return FieldKind::kLastSwitched;
    case 22: return FieldKind::kFirstSwitched;
    case 23: return FieldKind::kOutBytes;
    case 24: return FieldKind::kOutPackets;
    case 27: return FieldKind::kSrc6;
    case 28: return FieldKind::kDst6;
    case 29: return FieldKind::kSrcMask;
    case 30: return FieldKind::kDstMask;
    case 34: return FieldKind::kSamplingInterval;
    case 35: return FieldKind::kSamplingAlgorithm;
    case 48: return FieldKind::kSamplerId;
    case 50: return FieldKind::kSamplingInterval;  // FLOW_SAMPLER_RANDOM_INTERVAL
    case 56: return FieldKind::kSrcMac;
    case 58: return FieldKind::kVlan;
    case 80: return FieldKind::kDstMac;
    case 150: return FieldKind::kStartSec;
    case 151: return FieldKind::kEndSec;
    case 152: return FieldKind::kStartMs;
    case 153: return FieldKind::kEndMs;
    case 154: return FieldKind::kStartUs;
    case 155: return FieldKind::kEndUs;
    case 156: return FieldKind::kStartNs;
    case 157: return FieldKind::kEndNs;
    case 158: return FieldKind::kStartDeltaUs;
    case 159: return FieldKind::kEndDeltaUs;
    case 160: return FieldKind::kSystemInitMs;
    case 231: return FieldKind::kInitiatorBytes;    // Cisco ASA NSEL
    case 298: return FieldKind::kInitiatorPackets;
    case 302: return FieldKind::kSamplerId;         // selectorId
    case 305: return FieldKind::kPacketInterval;
    case 306: return FieldKind::kPacketSpace;
    case 309: return FieldKind::kSamplingSize;
    case 310: return FieldKind::kSamplingPopulation;
    default: return FieldKind::kSkip;
  }
}

// Values of a data record that are not FlowRecord fields. apply_field writes every one of
// them unconditionally, so one Extras serves all records of a data set: each record
// overwrites exactly the fields its template has and the others stay zero (this replaced
// zeroing a record-sized scratch per record, 12 % of the receiver's CPU).
struct Extras {
  uint64_t out_bytes = 0, out_packets = 0, init_bytes = 0, init_packets = 0;
  uint64_t rev_bytes = 0, rev_packets = 0;
  uint8_t rev_tcp_flags = 0;
  uint64_t first_sw = 0, last_sw = 0;
  int64_t start_abs = 0, end_abs = 0;
  uint64_t start_delta_us = 0, end_delta_us = 0;
  uint64_t sampling_interval = 0, sampler_id = 0, packet_interval = 0, packet_space = 0;
  uint64_t sampling_size = 0, sampling_population = 0;
  int64_t system_init_ms = 0;
  bool has_first = false, has_last = false, has_start_delta = false, has_end_delta = false;
  bool has_sampler = false, has_reverse = false;
};

// Milliseconds to ns, saturating: a 48-bit millisecond field (or system init time plus
// uptime) times 1e6 overflows int64 for values past the year 2262, which only damaged or
// hostile data carries (found by flow_netflow_v9_ipfix_fuzzer); the clock sanity check
// then flags the record.
int64_t ms_to_ns(uint64_t ms) {
  constexpr uint64_t kMaxMs = static_cast<uint64_t>(INT64_MAX / 1'000'000);
  return static_cast<int64_t>(std::min(ms, kMaxMs)) * 1'000'000;
}

int64_t ntp_to_ns(uint64_t v) {
  const int64_t sec = static_cast<int64_t>(v >> 32) - kNtpToUnixSec;
  const int64_t frac = static_cast<int64_t>(((v & 0xffffffffull) * 1'000'000'000ull) >> 32);
  return sec * kNsPerSec + frac;
}

[[gnu::always_inline]] inline void apply_field(FlowRecord& r, Extras& s, FieldKind kind,
                                               const uint8_t* p, size_t n) {
  switch (kind) {
    case FieldKind::kSkip: break;
    case FieldKind::kBytes: r.bytes = read_uint(p, n); break;
    case FieldKind::kPackets: r.packets = read_uint(p, n); break;
    case FieldKind::kOutBytes: s.out_bytes = read_uint(p, n); break;
    case FieldKind::kOutPackets: s.out_packets = read_uint(p, n); break;
    case FieldKind::kInitiatorBytes: s.init_bytes = read_uint(p, n); break;
    case FieldKind::kInitiatorPackets: s.init_packets = read_uint(p, n); break;
    case FieldKind::kFlows: r.flows = read_uint(p, n); break;
    case FieldKind::kProto: r.ip_proto = static_cast<uint8_t>(read_uint(p, n)); break;
    case FieldKind::kTos: r.tos = static_cast<uint8_t>(read_uint(p, n)); break;
    case FieldKind::kTcpFlags: r.tcp_flags = static_cast<uint8_t>(read_uint(p, n)); break;
    case FieldKind::kSrcPort: r.src_port = static_cast<uint16_t>(read_uint(p, n)); break;
    case FieldKind::kDstPort: r.dst_port = static_cast<uint16_t>(read_uint(p, n)); break;
    case FieldKind::kIcmpTypeCode:
    case FieldKind::kIcmpType:
    case FieldKind::kIcmpCode: break;
    case FieldKind::kSrc4: if (n == 4) { r.src = IpAddress::v4(p); } break;
    case FieldKind::kDst4: if (n == 4) { r.dst = IpAddress::v4(p); } break;
    case FieldKind::kSrc6: if (n == 16) { r.src = IpAddress::v6(p); } break;
    case FieldKind::kDst6: if (n == 16) { r.dst = IpAddress::v6(p); } break;
    // Plan only: length 4 or 16 and the family already set (build_plan).
    case FieldKind::kSrcAddrBytes: std::memcpy(r.src.bytes.data(), p, n); break;
    case FieldKind::kDstAddrBytes: std::memcpy(r.dst.bytes.data(), p, n); break;
    case FieldKind::kSrcMask: r.src_mask = static_cast<uint8_t>(read_uint(p, n)); break;
    case FieldKind::kDstMask: r.dst_mask = static_cast<uint8_t>(read_uint(p, n)); break;
    case FieldKind::kInIf: r.input_if = static_cast<uint32_t>(read_uint(p, n)); break;
    case FieldKind::kOutIf: r.output_if = static_cast<uint32_t>(read_uint(p, n)); break;
    case FieldKind::kVlan: r.vlan = static_cast<uint16_t>(read_uint(p, n) & 0x0fff); break;
    case FieldKind::kSrcMac: if (n == 6) { std::copy(p, p + 6, r.mac_src.begin()); } break;
    case FieldKind::kDstMac: if (n == 6) { std::copy(p, p + 6, r.mac_dst.begin()); } break;
    case FieldKind::kFirstSwitched: s.first_sw = read_uint(p, n); s.has_first = true; break;
    case FieldKind::kLastSwitched: s.last_sw = read_uint(p, n); s.has_last = true; break;
    case FieldKind::kStartSec:
      s.start_abs = static_cast<int64_t>(read_uint(p, n) & 0xffffffffull) * kNsPerSec;
      break;
    case FieldKind::kEndSec:
      s.end_abs = static_cast<int64_t>(read_uint(p, n) & 0xffffffffull) * kNsPerSec;
      break;
    case FieldKind::kStartMs:
      s.start_abs = ms_to_ns(read_uint(p, n) & 0xffffffffffffull);
      break;
    case FieldKind::kEndMs:
      s.end_abs = ms_to_ns(read_uint(p, n) & 0xffffffffffffull);
      break;
    case FieldKind::kStartUs:
    case FieldKind::kStartNs: s.start_abs = ntp_to_ns(read_uint(p, n)); break;
    case FieldKind::kEndUs:
    case FieldKind::kEndNs: s.end_abs = ntp_to_ns(read_uint(p, n)); break;
    case FieldKind::kStartDeltaUs:
      s.start_delta_us = read_uint(p, n) & 0xffffffffull;
      s.has_start_delta = true;
      break;
    case FieldKind::kEndDeltaUs:
      s.end_delta_us = read_uint(p, n) & 0xffffffffull;
      s.has_end_delta = true;
      break;
    case FieldKind::kSystemInitMs:
      s.system_init_ms = static_cast<int64_t>(read_uint(p, n) & 0xffffffffffffull);
      break;
    case FieldKind::kSamplingInterval: s.sampling_interval = read_uint(p, n); break;
    case FieldKind::kSamplingAlgorithm: break;
    case FieldKind::kSamplerId: s.sampler_id = read_uint(p, n); s.has_sampler = true; break;
    case FieldKind::kPacketInterval: s.packet_interval = read_uint(p, n); break;
    case FieldKind::kPacketSpace: s.packet_space = read_uint(p, n); break;
    case FieldKind::kSamplingSize: s.sampling_size = read_uint(p, n); break;
    case FieldKind::kSamplingPopulation: s.sampling_population = read_uint(p, n); break;
    case FieldKind::kReverseBytes: s.rev_bytes = read_uint(p, n); s.has_reverse = true; break;
    case FieldKind::kReverseTcpFlags:
      s.rev_tcp_flags = static_cast<uint8_t>(read_uint(p, n));
      break;
    case FieldKind::kReversePackets:
      s.rev_packets = read_uint(p, n);
      s.has_reverse = true;
      break;
  }
}

uint32_t clamp_rate(uint64_t rate) {
  return rate > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(rate);
}

// The 1-in-N rate a record (or options record) states by itself; 0 when it states none.
uint32_t stated_rate(const Extras& s) {
  if (s.sampling_population != 0 && s.sampling_size != 0) {
    return clamp_rate(s.sampling_population / s.sampling_size);
  }
  if (s.packet_interval != 0 && s.packet_space != 0) {
    return clamp_rate((s.packet_interval + s.packet_space) / s.packet_interval);
  }
  return clamp_rate(s.sampling_interval);
}

DomainState& domain_of(DecodeContext& ctx, const DatagramHeader& h) {
  return ctx.state.domains[DomainKey{h.exporter, h.domain, h.version}];
}

void record_options(DecodeContext& ctx, const DatagramHeader& h, const Extras& s) {
  ++ctx.health.options_records;
  DomainState& d = domain_of(ctx, h);
  if (s.system_init_ms != 0) {
    d.system_init_ms = s.system_init_ms;
  }
  const uint32_t rate = stated_rate(s);
  if (rate == 0) {
    return;
  }
  ctx.health.sampling_rate_announced = rate;
  if (s.has_sampler) {
    if (d.sampler_rates.size() < 4096 || d.sampler_rates.count(static_cast<uint32_t>(s.sampler_id))) {
      d.sampler_rates[static_cast<uint32_t>(s.sampler_id)] = rate;
    }
  } else {
    d.default_rate = rate;
  }
}

int64_t event_time(const DatagramHeader& h, const DomainState* d, bool has_sw, uint64_t sw,
                   bool has_delta, uint64_t delta_us, int64_t abs) {
  if (abs != 0) {
    return abs;
  }
  if (has_delta) {
    return h.export_ns - static_cast<int64_t>(delta_us) * 1000;
  }
  if (has_sw) {
    if (h.version == 9) {
      // Signed 32-bit difference: correct across the 49.7-day uptime wrap.
      const auto ago = static_cast<int32_t>(h.sys_uptime_ms - static_cast<uint32_t>(sw));
      return h.export_ns - int64_t{ago} * 1'000'000;
    }
    if (d != nullptr && d->system_init_ms != 0) {
      return ms_to_ns(static_cast<uint64_t>(d->system_init_ms) + (sw & 0xffffffffull));
    }
  }
  return 0;
}

const DomainState* find_domain(const DecodeContext& ctx, const DatagramHeader& h) {
  const auto it = ctx.state.domains.find(DomainKey{h.exporter, h.domain, h.version});
  return it == ctx.state.domains.end() ? nullptr : &it->second;
}

// `d`: the domain's sampling/clock state, nullptr when no options record was seen. `r` is
// ctx.out.back(), made from the data set's prototype (exporter, source, preset address
// families) and the record's fields; it is replaced by the reverse record, or popped, when
// a biflow record has no forward counts.
void emit(DecodeContext& ctx, const DatagramHeader& h, const DomainState* d, FlowRecord& r,
          const Extras& s) {
  if (r.bytes == 0) {
    r.bytes = s.out_bytes != 0 ? s.out_bytes : s.init_bytes;
  }
  if (r.packets == 0) {
    r.packets = s.out_packets != 0 ? s.out_packets : s.init_packets;
  }
  uint32_t announced = stated_rate(s);
  if (announced == 0 && d != nullptr) {
    if (s.has_sampler) {
      const auto it = d->sampler_rates.find(static_cast<uint32_t>(s.sampler_id));
      announced = it != d->sampler_rates.end() ? it->second : d->default_rate;
    } else {
      announced = d->default_rate;
    }
  }
  const uint32_t rate = ctx.effective_rate(announced);
  int64_t start = event_time(h, d, s.has_first, s.first_sw, s.has_start_delta,
                             s.start_delta_us, s.start_abs);
  int64_t end = event_time(h, d, s.has_last, s.last_sw, s.has_end_delta, s.end_delta_us,
                           s.end_abs);
  if (start == 0) {
    start = end != 0 ? end : h.export_ns;
  }
  if (end == 0) {
    end = start;
  }
  r.start_ns = ctx.fix_time(h, start);
  r.end_ns = ctx.fix_time(h, end);
  if (r.flows == 0) {
    r.flows = 1;
  }
  if (rate != 0) {
    r.sampling_rate = rate;
    r.packets *= rate;
    r.bytes *= rate;
  }
  const bool keep = r.packets != 0 || r.bytes != 0 || !s.has_reverse;
  if (keep) {
    ++ctx.health.records;
  }
  if (s.has_reverse && (s.rev_packets != 0 || s.rev_bytes != 0) &&
      ctx.config.emit_reverse_records) {
    FlowRecord rev = r;
    std::swap(rev.src, rev.dst);
    std::swap(rev.src_port, rev.dst_port);
    std::swap(rev.src_mask, rev.dst_mask);
    std::swap(rev.input_if, rev.output_if);
    std::swap(rev.mac_src, rev.mac_dst);
    rev.packets = s.rev_packets * (rate != 0 ? rate : 1);
    rev.bytes = s.rev_bytes * (rate != 0 ? rate : 1);
    rev.tcp_flags = s.rev_tcp_flags;
    if (keep) {
      ctx.out.push_back(rev);  // invalidates r
    } else {
      ctx.out.back() = rev;
    }
    ++ctx.health.records;
  } else if (!keep) {
    ctx.out.pop_back();
  }
}

// Decodes the record at `p` (`left` bytes to the end of the set) into r and s; returns
// the bytes it used, 0 when a variable-length field runs past the set. Fixed-length
// templates cannot fail: the caller checked left >= min_record_length.
[[gnu::always_inline]] inline size_t decode_record(const Template& t, const uint8_t* p,
                                                  size_t left, FlowRecord& r, Extras& s) {
  if (!t.variable) {
    for (const PlanStep& step : t.plan) {
      apply_field(r, s, step.kind, p + step.offset, step.length);
    }
    return t.min_record_length;
  }
  size_t used = 0;
  for (const TemplateField& f : t.fields) {
    size_t n = f.length;
    if (n == kVariableLength) {
      if (used + 1 > left) {
        return 0;
      }
      n = p[used++];
      if (n == 255) {
        if (used + 2 > left) {
          return 0;
        }
        n = load_be16(p + used);
        used += 2;
      }
    }
    if (n > left - used) {
      return 0;
    }
    apply_field(r, s, f.kind, p + used, n);
    used += n;
  }
  return used;  // >= 1: a variable-length field takes at least its length byte
}

void decode_data_set(DecodeContext& ctx, const DatagramHeader& h, const Template& t,
                     std::span<const uint8_t> body) {
  const uint8_t* p = body.data();
  size_t left = body.size();
  Extras s;
  // Trailing bytes shorter than one record are padding (RFC 7011 3.3.1).
  if (t.options) {
    FlowRecord unused;
    while (left >= t.min_record_length) {
      const size_t used = decode_record(t, p, left, unused, s);
      if (used == 0) {
        ctx.count(FlowDecodeError::kVariableLength);
        return;
      }
      record_options(ctx, h, s);
      p += used;
      left -= used;
    }
    return;
  }
  // Looked up once per set: unordered_map keeps element addresses stable, and options
  // records (which may create the entry) never share a set with flow records.
  const DomainState* domain = find_domain(ctx, h);
  // Each record starts as a copy of this, decoded in place in ctx.out (no scratch record
  // to zero and copy).
  FlowRecord prototype;
  prototype.exporter = h.exporter;
  prototype.source = h.version == 9 ? SourceKind::kNetflowV9 : SourceKind::kIpfix;
  prototype.src.family = t.src_family;
  prototype.dst.family = t.dst_family;
  while (left >= t.min_record_length) {
    FlowRecord& r = ctx.out.emplace_back(prototype);
    const size_t used = decode_record(t, p, left, r, s);
    if (used == 0) {
      ctx.out.pop_back();
      ctx.count(FlowDecodeError::kVariableLength);
      return;
    }
    emit(ctx, h, domain, r, s);
    p += used;
    left -= used;
  }
}

void hold_set(DecodeContext& ctx, const DatagramHeader& h, const TemplateKey& key,
              std::span<const uint8_t> body) {
  auto& held = ctx.state.held;
  if (held.size() >= ctx.config.max_held_sets) {
    const HeldSet& old = held.front();
    auto it = ctx.state.health.find(old.key.exporter);
    if (it != ctx.state.health.end()) {
      ++it->second.errors[static_cast<size_t>(FlowDecodeError::kHeldOverflow)];
      ++it->second.sets_dropped_no_template;
      it->second.bytes_dropped_no_template += old.bytes.size();
    }
    held.pop_front();
  }
  if (ctx.config.max_held_sets == 0) {
    ctx.count(FlowDecodeError::kHeldOverflow);
    ++ctx.health.sets_dropped_no_template;
    ctx.health.bytes_dropped_no_template += body.size();
    return;
  }
  held.push_back(HeldSet{key, h, std::vector<uint8_t>(body.begin(), body.end())});
  ++ctx.health.sets_held;
}

bool sets_src(FieldKind k) { return k == FieldKind::kSrc4 || k == FieldKind::kSrc6; }
bool sets_dst(FieldKind k) { return k == FieldKind::kDst4 || k == FieldKind::kDst6; }
bool address_bytes(const TemplateField& f) {
  return (f.length == 4 && (f.kind == FieldKind::kSrc4 || f.kind == FieldKind::kDst4)) ||
         (f.length == 16 && (f.kind == FieldKind::kSrc6 || f.kind == FieldKind::kDst6));
}

// Template::plan and the preset address families (see decoder_state.h).
void build_plan(Template& t) {
  if (t.variable) {
    return;
  }
  const auto src_fields = std::count_if(t.fields.begin(), t.fields.end(),
                                        [](const TemplateField& f) { return sets_src(f.kind); });
  const auto dst_fields = std::count_if(t.fields.begin(), t.fields.end(),
                                        [](const TemplateField& f) { return sets_dst(f.kind); });
  uint32_t offset = 0;
  for (const TemplateField& f : t.fields) {
    FieldKind kind = f.kind;
    // With one address field of the right length every record sets that family, so the
    // record prototype carries it and the plan copies the bytes alone.
    if (src_fields == 1 && sets_src(kind) && address_bytes(f)) {
      t.src_family = kind == FieldKind::kSrc4 ? IpFamily::kV4 : IpFamily::kV6;
      kind = FieldKind::kSrcAddrBytes;
    } else if (dst_fields == 1 && sets_dst(kind) && address_bytes(f)) {
      t.dst_family = kind == FieldKind::kDst4 ? IpFamily::kV4 : IpFamily::kV6;
      kind = FieldKind::kDstAddrBytes;
    }
    const bool no_effect = kind == FieldKind::kSkip || kind == FieldKind::kIcmpTypeCode ||
                           kind == FieldKind::kIcmpType || kind == FieldKind::kIcmpCode ||
                           kind == FieldKind::kSamplingAlgorithm;
    if (!no_effect) {
      t.plan.push_back(PlanStep{offset, f.length, kind});
    }
    offset += f.length;
  }
}

void accept_template(DecodeContext& ctx, const TemplateKey& key, Template t) {
  build_plan(t);
  ctx.state.templates[key] = std::move(t);
  ++ctx.health.templates_seen;
  release_held(ctx, key);
}

void withdraw(DecodeContext& ctx, const DatagramHeader& h, uint16_t template_id, bool all) {
  auto& templates = ctx.state.templates;
  if (!all) {
    ctx.health.templates_withdrawn +=
        templates.erase(TemplateKey{h.exporter, h.domain, template_id, h.version});
    return;
  }
  for (auto it = templates.begin(); it != templates.end();) {
    if (it->first.exporter == h.exporter && it->first.domain == h.domain &&
        it->first.version == h.version) {
      it = templates.erase(it);
      ++ctx.health.templates_withdrawn;
    } else {
      ++it;
    }
  }
}

// Reads `count` field specifiers; false when they run past the set.
bool read_fields(ByteReader& in, size_t count, bool ipfix, Template& t) {
  t.fields.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    uint16_t id = 0;
    uint16_t length = 0;
    uint32_t pen = 0;
    if (!in.u16(id) || !in.u16(length)) {
      return false;
    }
    if (ipfix && (id & 0x8000u) != 0) {
      id &= 0x7fffu;
      if (!in.u32(pen)) {
        return false;
      }
    }
    const bool variable = ipfix && length == kVariableLength;
    t.variable = t.variable || variable;
    t.min_record_length += variable ? 1 : length;
    t.fields.push_back(TemplateField{length, field_kind(id, pen)});
  }
  return true;
}

// Template set (v9 id 0, IPFIX id 2) or options template set (v9 id 1, IPFIX id 3).
void decode_template_set(DecodeContext& ctx, const DatagramHeader& h, bool options,
                         std::span<const uint8_t> body) {
  const bool ipfix = h.version == 10;
  ByteReader in(body);
  // Fewer than 4 bytes left is padding (v9 options templates pad to 4 bytes, RFC 3954 6.1).
  while (in.remaining() >= 4) {
    uint16_t template_id = 0;
    uint16_t count = 0;
    if (!in.u16(template_id) || !in.u16(count)) {
      break;
    }
    Template t;
    t.options = options;
    if (ipfix && count == 0) {
      // Withdrawal (RFC 7011 8.1); the set id as template id withdraws them all.
      withdraw(ctx, h, template_id, template_id == 2 || template_id == 3);
      continue;
    }
    size_t fields = count;
    if (options) {
      uint16_t third = 0;
      if (!in.u16(third)) {
        ctx.count(FlowDecodeError::kBadTemplate);
        return;
      }
      if (!ipfix) {
        // v9: count is the scope length in bytes, third the option length in bytes.
        fields = (size_t{count} + third) / 4;
      }
    }
    if (template_id < 256 || !read_fields(in, fields, ipfix, t)) {
      ctx.count(FlowDecodeError::kBadTemplate);
      return;
    }
    if (t.min_record_length == 0) {
      ctx.count(FlowDecodeError::kTemplateRecordLength);
      continue;
    }
    accept_template(ctx, TemplateKey{h.exporter, h.domain, template_id, h.version},
                    std::move(t));
  }
}

void decode_sets(DecodeContext& ctx, const DatagramHeader& h, std::span<const uint8_t> sets) {
  const bool ipfix = h.version == 10;
  ByteReader in(sets);
  while (in.remaining() >= 4) {
    uint16_t set_id = 0;
    uint16_t length = 0;
    if (!in.u16(set_id) || !in.u16(length)) {
      break;
    }
    std::span<const uint8_t> body;
    if (length < 4 || !in.bytes(length - 4u, body)) {
      ctx.count(FlowDecodeError::kSetLength);
      return;
    }
    const uint16_t template_set = ipfix ? 2 : 0;
    const uint16_t options_set = ipfix ? 3 : 1;
    if (set_id == template_set || set_id == options_set) {
      decode_template_set(ctx, h, set_id == options_set, body);
    } else if (set_id >= 256) {
      const TemplateKey key{h.exporter, h.domain, set_id, h.version};
      const auto it = ctx.state.templates.find(key);
      if (it == ctx.state.templates.end()) {
        hold_set(ctx, h, key, body);
      } else {
        decode_data_set(ctx, h, it->second, body);
      }
    }
    // Set ids 4..255 (v9: 2..255) are reserved: skipped by their length.
  }
}

}  // namespace

void decode_template_protocol(DecodeContext& ctx, const IpAddress& exporter,
                              std::span<const uint8_t> data, int64_t receive_ns) {
  DatagramHeader h;
  h.exporter = exporter;
  h.receive_ns = receive_ns;
  const uint16_t version = load_be16(data.data());
  h.version = static_cast<uint8_t>(version);
  std::span<const uint8_t> sets;
  if (version == 9) {
    if (data.size() < 20) {
      ctx.count(FlowDecodeError::kTooShort);
      return;
    }
    h.sys_uptime_ms = load_be32(data.data() + 4);
    h.export_ns = int64_t{load_be32(data.data() + 8)} * kNsPerSec;
    h.domain = load_be32(data.data() + 16);
    sets = data.subspan(20);
    ++ctx.health.datagrams_by_kind[1];
  } else {
    if (data.size() < 16) {
      ctx.count(FlowDecodeError::kTooShort);
      return;
    }
    const size_t length = load_be16(data.data() + 2);
    if (length < 16 || length > data.size()) {
      ctx.count(FlowDecodeError::kHeaderLength);
      if (length < 16) {
        return;
      }
    }
    h.export_ns = int64_t{load_be32(data.data() + 4)} * kNsPerSec;
    h.domain = load_be32(data.data() + 12);
    sets = data.subspan(16, std::min(length, data.size()) - 16);
    ++ctx.health.datagrams_by_kind[2];
  }
  ctx.check_export_time(h);
  decode_sets(ctx, h, sets);
}

void release_held(DecodeContext& ctx, const TemplateKey& key) {
  auto& held = ctx.state.held;
  for (auto it = held.begin(); it != held.end();) {
    if (!(it->key == key)) {
      ++it;
      continue;
    }
    HeldSet set = std::move(*it);
    it = held.erase(it);
    const auto t = ctx.state.templates.find(key);
    if (t != ctx.state.templates.end()) {
      ++ctx.health.sets_decoded_from_hold;
      decode_data_set(ctx, set.header, t->second, set.bytes);
    }
  }
}

void expire_held_sets(ExportDecoder::State& state, const ExportDecoderConfig& config,
                      int64_t now_ns) {
  auto& held = state.held;
  while (!held.empty() && held.front().header.receive_ns > 0 &&
         held.front().header.receive_ns < now_ns - config.max_hold_ns) {
    const HeldSet& old = held.front();
    auto it = state.health.find(old.key.exporter);
    if (it != state.health.end()) {
      ++it->second.errors[static_cast<size_t>(FlowDecodeError::kHeldExpired)];
      ++it->second.sets_dropped_no_template;
      it->second.bytes_dropped_no_template += old.bytes.size();
    }
    held.pop_front();
  }
}

}  // namespace flowlens::decode::flow
