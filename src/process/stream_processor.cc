#include "process/stream_processor.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "process/local_network_set.h"
#include "process/record_facts.h"
#include "process/rollup_accumulator.h"
#include "process/window_aggregate.h"

namespace flowlens::process {
namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

// Times come from the data; a corrupt timestamp near the int64 limits must not wrap.
int64_t saturating_add(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) {
    return b > 0 ? kMax : kMin;
  }
  return out;
}

int64_t saturating_sub(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_sub_overflow(a, b, &out)) {
    return b > 0 ? kMin : kMax;
  }
  return out;
}

// A few emptied windows are kept for reuse: their tables are already grown.
constexpr size_t kSpareWindows = 4;

}  // namespace

struct StreamProcessor::Impl {
  Impl(const ProcessorConfig& config) : nets(config.local_networks), rollups(config.window_ns) {}

  LocalNetworkSet nets;
  RollupAccumulator rollups;
  std::vector<std::unique_ptr<WindowAggregate>> open;  // ascending start
  std::vector<std::unique_ptr<WindowAggregate>> spare;
  WindowAggregate* last = nullptr;  // the window of the previous record, usually the next's
  int64_t max_end = kMin;
  // Every window ending at or before this is closed: the watermark, or beyond it after
  // finish(). A record of such a window is late.
  int64_t closed_until = kMin;

  RecordFacts facts_of(const FlowRecord& r, int64_t window_ns) const;
  WindowAggregate& window_for(int64_t start);
  // Emits, in order, every open window ending at or before `limit`.
  void close_until(int64_t limit, const ProcessorConfig& config, ProcessorCounters& counters,
                   const WindowSink& sink);
};

StreamProcessor::StreamProcessor(ProcessorConfig config, WindowSink sink)
    : config_(std::move(config)), sink_(std::move(sink)), impl_(std::make_unique<Impl>(config_)) {}

StreamProcessor::~StreamProcessor() = default;
StreamProcessor::StreamProcessor(StreamProcessor&&) noexcept = default;
StreamProcessor& StreamProcessor::operator=(StreamProcessor&&) noexcept = default;

Direction StreamProcessor::direction_of(const FlowRecord& r) const {
  if (r.direction != Direction::kUnknown) {
    return r.direction;
  }
  const LocalNetworkSet& nets = impl_->nets;
  return direction_from(nets.contains_any(r.src, address_words(r.src)),
                        nets.contains_any(r.dst, address_words(r.dst)));
}

RecordFacts StreamProcessor::Impl::facts_of(const FlowRecord& r, int64_t window_ns) const {
  RecordFacts f;
  f.src = address_words(r.src);
  f.dst = address_words(r.dst);
  f.counters = {r.bytes, r.packets, r.flows};
  f.has_ports = protocol_has_ports(r.ip_proto);
  f.service_port = service_port(r);
  const bool no_networks = nets.empty();
  const bool src_in = !no_networks && nets.contains_any(r.src, f.src);
  const bool dst_in = !no_networks && nets.contains_any(r.dst, f.dst);
  f.src_local = no_networks || src_in;
  f.dst_local = no_networks || dst_in;
  f.direction = r.direction != Direction::kUnknown ? r.direction : direction_from(src_in, dst_in);
  f.window_start = bucket_start(r.start_ns, window_ns);
  f.src_host_hash = hash_words(WindowAggregate::host_key(f.src, r.src.family));
  f.dst_host_hash = hash_words(WindowAggregate::host_key(f.dst, r.dst.family));
  return f;
}

// Records go through in groups of kAhead: first every record's facts and table hashes,
// with prefetches of the host slots (the tables outgrow the caches with many hosts), then
// the updates, which then find their slots arriving instead of stalling on each in turn.
void StreamProcessor::add(FlowBatch records) {
  constexpr size_t kAhead = 8;
  Impl& m = *impl_;
  const int64_t window = config_.window_ns;
  RecordFacts facts[kAhead];
  int64_t batch_end = INT64_MIN;
  for (size_t base = 0; base < records.size(); base += kAhead) {
    const size_t n = std::min(kAhead, records.size() - base);
    for (size_t j = 0; j < n; ++j) {
      const FlowRecord& r = records[base + j];
      facts[j] = m.facts_of(r, window);
      m.rollups.prefetch(facts[j]);
      if (m.last != nullptr && m.last->start_ns() == facts[j].window_start) {
        m.last->prefetch(facts[j]);
      }
    }
    for (size_t j = 0; j < n; ++j) {
      const FlowRecord& r = records[base + j];
      const RecordFacts& f = facts[j];
      ++counters_.records;
      m.rollups.add(r, f);
      if (saturating_add(f.window_start, window) <= m.closed_until) {
        ++counters_.late_records;
      } else {
        m.window_for(f.window_start).add(r, f, m.nets);
      }
      // end_ns before start_ns would be a source's bug; the record still happened by start.
      batch_end = std::max(batch_end, std::max(r.start_ns, r.end_ns));
    }
  }
  // The watermark moves once per batch: records given together arrived together (a
  // flush of the meter, a batch of flow exports in any time order), so none of them is
  // late for a window another one of them would close.
  if (batch_end > m.max_end) {
    advance_to(batch_end);
  }
}

void StreamProcessor::advance_to(int64_t event_ns) {
  Impl& m = *impl_;
  m.max_end = std::max(m.max_end, event_ns);
  const int64_t watermark = saturating_sub(m.max_end, config_.allowed_lateness_ns);
  if (watermark > counters_.watermark_ns) {
    counters_.watermark_ns = watermark;
    m.close_until(watermark, config_, counters_, sink_);
  }
}

WindowAggregate& StreamProcessor::Impl::window_for(int64_t start) {
  if (last != nullptr && last->start_ns() == start) {
    return *last;
  }
  // Open windows are few (lateness / window + 1) and the newest is the likely one.
  auto it = open.end();
  while (it != open.begin() && (*(it - 1))->start_ns() > start) {
    --it;
  }
  if (it != open.begin() && (*(it - 1))->start_ns() == start) {
    last = (it - 1)->get();
    return *last;
  }
  std::unique_ptr<WindowAggregate> w;
  if (!spare.empty()) {
    w = std::move(spare.back());
    spare.pop_back();
  } else {
    w = std::make_unique<WindowAggregate>();
  }
  w->reset(start, nets.size());
  last = w.get();
  open.insert(it, std::move(w));
  return *last;
}

void StreamProcessor::Impl::close_until(int64_t limit, const ProcessorConfig& config,
                                        ProcessorCounters& counters, const WindowSink& sink) {
  closed_until = std::max(closed_until, limit);
  size_t closed = 0;
  while (closed < open.size() &&
         saturating_add(open[closed]->start_ns(), config.window_ns) <= limit) {
    const WindowAggregate& w = *open[closed];
    const WindowSummary summary = w.summarize(saturating_add(w.start_ns(), config.window_ns),
                                              config.top_n, config.local_networks);
    ++counters.windows_closed;
    if (sink) {
      sink(summary);
    }
    ++closed;
  }
  if (closed == 0) {
    return;
  }
  for (size_t i = 0; i < closed; ++i) {
    if (open[i].get() == last) {
      last = nullptr;
    }
    if (spare.size() < kSpareWindows) {
      spare.push_back(std::move(open[i]));
    }
  }
  open.erase(open.begin(), open.begin() + static_cast<std::ptrdiff_t>(closed));
}

void StreamProcessor::finish() {
  if (!impl_->open.empty()) {
    const WindowAggregate& newest = *impl_->open.back();
    impl_->close_until(saturating_add(newest.start_ns(), config_.window_ns), config_, counters_,
                       sink_);
  }
}

RollupDelta StreamProcessor::take_rollups() { return impl_->rollups.take(); }

}  // namespace flowlens::process
