#include "meter/flow_table.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <type_traits>

#include "core/zeroed_memory.h"

namespace flowlens::meter {
namespace {

int64_t saturating_add(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? INT64_MAX : INT64_MIN;
  return r;
}

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

}  // namespace

void FlowTable::FreeSlots::operator()(void* p) const { free_zeroed(p, mapped_bytes); }

// All-zero bytes are a default (empty) value; core/zeroed_memory.h says why large tables
// are huge-page backed anonymous mappings.
template <typename T>
std::unique_ptr<T[], FlowTable::FreeSlots> FlowTable::allocate_zeroed(size_t count) {
  static_assert(std::is_trivially_copyable_v<T>);
  size_t mapped = 0;
  void* p = flowlens::allocate_zeroed(count * sizeof(T), mapped);
  return std::unique_ptr<T[], FreeSlots>(static_cast<T*>(p), FreeSlots{mapped});
}

FlowKey FlowTable::key_at(size_t slot) const {
  const Entry& e = slots_[slot];
  if (e.wide != 0) return wide_keys_[slot].key;
  uint64_t k[7] = {e.narrow[0] & 0xFFFFFFFF, 0, e.narrow[0] >> 32, 0, e.narrow[1], 0,
                   e.narrow[2]};
  FlowKey key;
  std::memcpy(&key, k, sizeof k);
  return key;
}

void FlowTable::store_key(size_t slot, const FlowKey& key) {
  Entry& e = slots_[slot];
  if (narrow_words(key, e.narrow)) {
    e.wide = 0;
  } else {
    e.wide = 1;
    e.narrow[0] = e.narrow[1] = e.narrow[2] = 0;
    wide_keys_[slot].key = key;
  }
}

void FlowTable::move_slot(size_t from, size_t to) {
  slots_[to] = slots_[from];
  if (slots_[from].wide != 0) wide_keys_[to] = wide_keys_[from];
}

FlowTable::FlowTable(const FlowTableConfig& config, const Aggregation& aggregation, FlowSink sink)
    : config_(config), aggregation_(&aggregation), sink_(std::move(sink)) {
  config_.max_flows = std::max<size_t>(config_.max_flows, 1);
  // One spare slot at least, so a probe always ends at an empty slot.
  max_capacity_ = std::max<size_t>(
      static_cast<size_t>(std::ceil(static_cast<double>(config_.max_flows) / kMaxLoad)),
      config_.max_flows + 1);
  max_capacity_ = std::min<size_t>(max_capacity_, size_t{1} << 32);
  capacity_ = std::min(std::max<size_t>(config_.initial_capacity, 16), max_capacity_);
  slots_ = allocate_zeroed<Entry>(capacity_);
  wide_keys_ = allocate_zeroed<WideKey>(capacity_);
  grow_at_ = capacity_ == max_capacity_ ? SIZE_MAX
                                        : static_cast<size_t>(static_cast<double>(capacity_) * kMaxLoad);
  out_.reserve(kOutputBatch);
  if (config_.inactive_timeout_ns > 0) {
    min_lead_ns_ = saturating_add(config_.inactive_timeout_ns, 1);
  }
  if (config_.active_timeout_ns > 0) {
    min_lead_ns_ = std::min(min_lead_ns_, config_.active_timeout_ns);
  }
}

void FlowTable::refresh_if_due(int64_t ts_ns) {
  const int64_t r = config_.refresh_ns;
  if (next_refresh_ns_ == INT64_MIN) {
    next_refresh_ns_ = (floor_div(ts_ns, r) + 1) * r;
    return;
  }
  if (ts_ns < next_refresh_ns_) return;
  // pmacct's print plugin purges its whole cache every print_refresh_time seconds; the
  // boundary here is the event time, aligned to multiples of the interval.
  counters_.refreshed += size_;
  ++counters_.refreshes;
  flush();
  next_refresh_ns_ = (floor_div(ts_ns, r) + 1) * r;
}

void FlowTable::restart(size_t slot, int64_t ts_ns, uint64_t bytes, uint64_t packets,
                        uint8_t tcp_flags) {
  Entry& e = slots_[slot];
  expired_at(e, ts_ns);  // counts the reason
  emit(slot);
  ++counters_.flows_created;
  e.packets = packets;
  e.bytes = bytes;
  e.first_ns = ts_ns;
  e.last_ns = ts_ns;
  e.tcp_flags = tcp_flags;
}

void FlowTable::insert(const FlowKey& key, uint32_t tag, size_t empty, int64_t ts_ns,
                       uint64_t bytes, uint64_t packets, uint8_t tcp_flags) {
  size_t i = empty;
  if (size_ >= config_.max_flows) {
    evict_one();
    i = find_empty(tag);
  } else if (size_ >= grow_at_) {
    grow();
    i = find_empty(tag);
  }
  Entry& e = slots_[i];
  store_key(i, key);
  e.tag = tag;
  e.packets = packets;
  e.bytes = bytes;
  e.first_ns = ts_ns;
  e.last_ns = ts_ns;
  e.tcp_flags = tcp_flags;
  ++size_;
  ++counters_.flows_created;
  counters_.peak_flows = std::max(counters_.peak_flows, size_);
}

size_t FlowTable::find_empty(uint32_t tag) const {
  size_t i = home_of(tag);
  while (slots_[i].packets != 0) i = next(i);
  return i;
}

void FlowTable::grow() {
  const size_t new_capacity = std::min(capacity_ * 2, max_capacity_);
  auto old = std::move(slots_);
  auto old_wide = std::move(wide_keys_);
  const size_t old_capacity = capacity_;
  slots_ = allocate_zeroed<Entry>(new_capacity);
  wide_keys_ = allocate_zeroed<WideKey>(new_capacity);
  capacity_ = new_capacity;
  grow_at_ = capacity_ == max_capacity_ ? SIZE_MAX
                                        : static_cast<size_t>(static_cast<double>(capacity_) * kMaxLoad);
  for (size_t k = 0; k < old_capacity; ++k) {
    if (old[k].packets == 0) continue;
    const size_t to = find_empty(old[k].tag);
    slots_[to] = old[k];
    if (old[k].wide != 0) wide_keys_[to] = old_wide[k];
  }
  sweep_cursor_ = 0;
  evict_cursor_ = 0;
  restart_pass();  // every entry moved; a pass from slot 0 sees them all again
  ++counters_.grows;
}

void FlowTable::erase_at(size_t slot) {
  // Backward-shift deletion (Knuth 6.4 algorithm R): pull later members of the probe
  // run into the hole unless their home lies cyclically in (hole, position].
  size_t hole = slot;
  size_t j = slot;
  for (;;) {
    j = next(j);
    Entry& candidate = slots_[j];
    if (candidate.packets == 0) break;
    const size_t home = home_of(candidate.tag);
    const bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (stays) continue;
    move_slot(j, hole);
    hole = j;
  }
  slots_[hole].packets = 0;
  --size_;
}

void FlowTable::evict_one() {
  size_t best = SIZE_MAX;
  size_t seen = 0;
  size_t i = evict_cursor_;
  for (size_t scanned = 0; scanned < capacity_ && seen < kEvictionSample; ++scanned) {
    const Entry& e = slots_[i];
    if (e.packets != 0) {
      if (best == SIZE_MAX || e.last_ns < slots_[best].last_ns) best = i;
      ++seen;
    }
    i = next(i);
  }
  evict_cursor_ = i;
  if (best == SIZE_MAX) return;  // empty table: cannot happen when size_ >= max_flows >= 1
  emit(best);
  ++counters_.evicted;
  erase_at(best);
  pass_clean_ = false;  // the shift may have moved an entry behind the sweep cursor
}

void FlowTable::sweep(size_t slots) {
  if (size_ == 0 || (config_.inactive_timeout_ns <= 0 && config_.active_timeout_ns <= 0)) return;
  slots = std::min(slots, capacity_);
  // No entry can be expired before expiry_bound(): the visit would find nothing, so only
  // the cursor moves, exactly as far as the visit would have moved it. With 2 M flows a
  // visit reads the whole table (400 MB) once per second of event time.
  const int64_t bound = expiry_bound();
  if (now_ns_ < bound) {
    sweep_cursor_ += slots;
    if (sweep_cursor_ >= capacity_) sweep_cursor_ -= capacity_;
    pass_min_ = std::min(pass_min_, bound);
    end_pass_if_done(slots);
    return;
  }
  // `k` counts slots passed; an erasure does not advance (a later entry may have moved
  // into the slot), so the work is at most `slots` + the number of expired entries.
  size_t k = 0;
  while (k < slots && size_ > 0) {
    const Entry& e = slots_[sweep_cursor_];
    if (e.packets != 0) {
      if (expired_at(e, now_ns_)) {
        emit(sweep_cursor_);
        erase_at(sweep_cursor_);
        continue;
      }
      pass_min_ = std::min(pass_min_, deadline_of(e));
    }
    sweep_cursor_ = next(sweep_cursor_);
    ++k;
  }
  end_pass_if_done(k);
}

int64_t FlowTable::deadline_of(const Entry& e) const {
  int64_t d = INT64_MAX;
  if (config_.inactive_timeout_ns > 0) {
    d = saturating_add(e.last_ns, saturating_add(config_.inactive_timeout_ns, 1));
  }
  if (config_.active_timeout_ns > 0) {
    d = std::min(d, saturating_add(e.first_ns, config_.active_timeout_ns));
  }
  return d;
}

int64_t FlowTable::expiry_bound() const {
  const int64_t recent =
      recent_min_ts_ == INT64_MAX ? INT64_MAX : saturating_add(recent_min_ts_, min_lead_ns_);
  return std::min(settled_bound_, recent);
}

void FlowTable::end_pass_if_done(size_t slots) {
  pass_covered_ += slots;
  if (pass_covered_ < capacity_) return;
  // Every slot was seen (or skipped below the bound) since the pass began; entries
  // changed or added meanwhile are covered by recent_min_ts_.
  const int64_t recent =
      recent_min_ts_ == INT64_MAX ? INT64_MAX : saturating_add(recent_min_ts_, min_lead_ns_);
  if (pass_clean_) {
    settled_bound_ = std::min(pass_min_, recent);
  } else {
    settled_bound_ = std::min({settled_bound_, pass_min_, recent});
  }
  recent_min_ts_ = INT64_MAX;
  restart_pass();
}

void FlowTable::restart_pass() {
  pass_min_ = INT64_MAX;
  pass_covered_ = 0;
  pass_clean_ = true;
}

bool FlowTable::expired_at(const Entry& e, int64_t ts_ns) {
  if (inactive_past(e, ts_ns)) {
    ++counters_.expired_inactive;
    return true;
  }
  if (active_past(e, ts_ns)) {
    ++counters_.expired_active;
    return true;
  }
  return false;
}

void FlowTable::sweep_due() {
  if (sweep_mark_ns_ == INT64_MIN || now_ns_ < sweep_mark_ns_) {
    sweep_mark_ns_ = now_ns_;
    return;
  }
  int64_t period = kNsPerSecond;
  if (config_.inactive_timeout_ns > 0) period = std::min(period, config_.inactive_timeout_ns);
  const auto elapsed = static_cast<uint64_t>(now_ns_) - static_cast<uint64_t>(sweep_mark_ns_);
  const auto p = static_cast<uint64_t>(period);
  // capacity_ <= 2^32 and elapsed < period here, so the product fits in 64 bits.
  const size_t slots = elapsed >= p ? capacity_ : static_cast<size_t>(capacity_ * elapsed / p);
  if (slots == 0) return;  // keep the mark: the elapsed time accumulates
  sweep_mark_ns_ = now_ns_;
  sweep(slots);
}

void FlowTable::emit(size_t slot) {
  const Entry& e = slots_[slot];
  FlowRecord r;
  aggregation_->fill_record(key_at(slot), r);
  r.start_ns = e.first_ns;
  r.end_ns = e.last_ns;
  r.packets = e.packets;
  r.bytes = e.bytes;
  r.flows = 1;
  r.tcp_flags = e.tcp_flags;
  out_.push_back(r);
  ++counters_.records_emitted;
  if (out_.size() >= kOutputBatch) emit_batch();
}

void FlowTable::emit_batch() {
  if (out_.empty()) return;
  if (sink_) sink_(FlowBatch(out_.data(), out_.size()));
  out_.clear();
}

void FlowTable::flush() {
  for (size_t i = 0; i < capacity_; ++i) {
    Entry& e = slots_[i];
    if (e.packets != 0) {
      emit(i);
      e.packets = 0;
    }
  }
  size_ = 0;
  settled_bound_ = INT64_MAX;  // no entries left
  recent_min_ts_ = INT64_MAX;
  restart_pass();
  emit_batch();
}

}  // namespace flowlens::meter
