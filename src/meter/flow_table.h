#pragma once
// FlowTable: the flow cache. Open addressing with linear probing over one array of
// 64-byte entries (key + counters + times + a 32-bit hash tag; see Entry for keys that
// do not fit), backward-shift deletion
// (no tombstones), capacity not restricted to powers of two (home slot = tag * capacity
// >> 32), grown x2 up to the capacity that --max-flows needs at load 0.75.
//
// Time is event time only: the packet timestamps passed to update(); the table's "now"
// is the largest timestamp seen. Semantics (see README.md for the reasons):
//  - inactive timeout: a packet arriving more than `inactive_timeout_ns` after its
//    entry's last packet first emits the entry, then starts it afresh; the sweep emits
//    entries idle for longer than that.
//  - active timeout: a packet arriving `active_timeout_ns` or more after its entry's
//    first packet emits the entry and starts it afresh (a long flow is cut every S s).
//  - refresh: at every multiple of `refresh_ns` of event time (UTC-aligned), every entry
//    is emitted and the table emptied (pmacct's print_refresh_time).
//  - max flows: inserting into a full table first evicts (emits) the least recently
//    updated entry among kEvictionSample entries at a rotating cursor (sampled LRU, as
//    Redis does), counted in counters().evicted.
// Expiry never scans the whole table per packet: sweep(n) looks at n slots from a
// rotating cursor and the meter calls it once per batch, so the whole table is visited
// once per ~capacity packets.
//
// Emitted records go to the sink in batches (std::function called per batch, never per
// packet). Not thread-safe: one table per metering thread.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <vector>

#include "meter/aggregation.h"
#include "meter/flow_key.h"
#include "model/flow_record.h"

namespace flowlens::meter {

inline constexpr int64_t kNsPerSecond = 1'000'000'000;

struct FlowTableConfig {
  size_t max_flows = 4'000'000;                    // live entries; must be >= 1
  int64_t active_timeout_ns = 1800 * kNsPerSecond;  // 0 = never cut long flows
  int64_t inactive_timeout_ns = 15 * kNsPerSecond;  // 0 = never expire idle flows
  int64_t refresh_ns = 0;                           // 0 = no periodic purge
  size_t initial_capacity = 1 << 14;                // slots before the first growth
};

struct FlowTableCounters {
  uint64_t packets = 0;           // update() calls
  uint64_t flows_created = 0;     // entries started (including restarts after a cut)
  uint64_t records_emitted = 0;
  uint64_t evicted = 0;           // emitted early because the table was full
  uint64_t expired_inactive = 0;  // emitted by the inactive timeout
  uint64_t expired_active = 0;    // emitted by the active timeout
  uint64_t refreshed = 0;         // emitted by a refresh purge
  uint64_t refreshes = 0;         // refresh purges done
  size_t peak_flows = 0;
  uint64_t grows = 0;
};

using FlowSink = std::function<void(FlowBatch)>;

class FlowTable {
 public:
  // One cache line; `packets == 0` marks an empty slot. A key whose words 1, 3 and 5 and
  // the high halves of words 0 and 2 are zero (any IPv4 key without MAC addresses) is
  // kept here as three words (`narrow`: word0 | word2 << 32, word4, word6), so a lookup
  // touches one line; any other key lives in a side array of 64-byte slots (`wide_keys_`,
  // same index), which the table maps but touches only for such keys.
  struct alignas(64) Entry {
    uint64_t narrow[3] = {};
    uint64_t packets = 0;
    uint64_t bytes = 0;
    int64_t first_ns = 0;
    int64_t last_ns = 0;
    uint32_t tag = 0;  // high 32 bits of the key's hash; home slot = tag * capacity >> 32
    uint8_t tcp_flags = 0;
    uint8_t wide = 0;  // 1: the key is wide_keys_[slot]
    uint8_t pad[2] = {};
  };
  static_assert(sizeof(Entry) == 64);
  struct alignas(64) WideKey {
    FlowKey key;
    uint8_t pad[8] = {};
  };
  static_assert(sizeof(WideKey) == 64);

  static constexpr double kMaxLoad = 0.75;
  static constexpr size_t kEvictionSample = 8;
  static constexpr size_t kOutputBatch = 1024;

  FlowTable(const FlowTableConfig& config, const Aggregation& aggregation, FlowSink sink);

  // Adds `packets` packets / `bytes` bytes seen at `ts_ns` to the key's entry. `hash`
  // must be hash_key(key). Inline: the lookup and the update of a live entry are the
  // per-packet path; starting, restarting and evicting entries are out of line.
  void update(const FlowKey& key, uint64_t hash, int64_t ts_ns, uint64_t bytes, uint64_t packets,
              uint8_t tcp_flags) {
    ++counters_.packets;
    if (ts_ns > now_ns_) now_ns_ = ts_ns;
    if (config_.refresh_ns > 0) refresh_if_due(ts_ns);  // may flush: bound reset below
    recent_min_ts_ = std::min(recent_min_ts_, ts_ns);

    const auto tag = static_cast<uint32_t>(hash >> 32);
    uint64_t w[3];
    const uint8_t wide = narrow_words(key, w) ? uint8_t{0} : uint8_t{1};
    for (size_t i = home_of(tag);; i = next(i)) {
      Entry& e = slots_[i];
      if (e.packets == 0) {
        insert(key, tag, i, ts_ns, bytes, packets, tcp_flags);
        return;
      }
      if (e.tag == tag && e.wide == wide &&
          (wide == 0 ? ((e.narrow[0] ^ w[0]) | (e.narrow[1] ^ w[1]) | (e.narrow[2] ^ w[2])) == 0
                     : wide_keys_[i].key == key)) {
        if (inactive_past(e, ts_ns) || active_past(e, ts_ns)) [[unlikely]] {
          restart(i, ts_ns, bytes, packets, tcp_flags);
          return;
        }
        e.packets += packets;
        e.bytes += bytes;
        e.first_ns = std::min(e.first_ns, ts_ns);
        e.last_ns = std::max(e.last_ns, ts_ns);
        e.tcp_flags |= tcp_flags;
        return;
      }
    }
  }

  // Hints the cache about the slots update() will touch for `hash`: the home slot and
  // the one after it. Each slot is a cache line of its own, so a key displaced by one
  // (a quarter of lookups at load 0.5) would otherwise cost a DRAM miss the prefetch did
  // not cover. &slots_[capacity_] is one past the end: prefetching it is harmless.
  void prefetch(uint64_t hash) const {
    const Entry* home = &slots_[home_of(static_cast<uint32_t>(hash >> 32))];
    __builtin_prefetch(home, 1, 3);
    __builtin_prefetch(home + 1, 1, 3);
  }

  // Expires idle/old entries among the next `slots` slots (no-op without timeouts).
  void sweep(size_t slots);
  // Sweeps the share of the table that the event time elapsed since the last call
  // earns: one whole pass per sweep period (1 s, or the inactive timeout if shorter).
  // Tying the work to event time rather than to packets keeps it off the hot path at
  // millions of packets per second and still expires flows on a quiet link.
  void sweep_due();
  // Emits every entry, empties the table and hands everything to the sink.
  void flush();
  // Hands records emitted so far (timeouts, evictions) to the sink.
  void drain() { emit_batch(); }

  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  size_t max_capacity() const { return max_capacity_; }
  int64_t now_ns() const { return now_ns_; }
  const FlowTableCounters& counters() const { return counters_; }
  const FlowTableConfig& config() const { return config_; }

 private:
  size_t home_of(uint32_t tag) const {
    return static_cast<size_t>((static_cast<uint64_t>(tag) * capacity_) >> 32);
  }
  size_t next(size_t i) const { return i + 1 == capacity_ ? 0 : i + 1; }
  // a - b > limit / >= limit for event times, without signed overflow on damaged
  // timestamps.
  static bool later_by_more_than(int64_t a, int64_t b, int64_t limit) {
    return a > b &&
           static_cast<uint64_t>(a) - static_cast<uint64_t>(b) > static_cast<uint64_t>(limit);
  }
  static bool later_by_at_least(int64_t a, int64_t b, int64_t limit) {
    return a > b &&
           static_cast<uint64_t>(a) - static_cast<uint64_t>(b) >= static_cast<uint64_t>(limit);
  }
  bool inactive_past(const Entry& e, int64_t ts_ns) const {
    return config_.inactive_timeout_ns > 0 &&
           later_by_more_than(ts_ns, e.last_ns, config_.inactive_timeout_ns);
  }
  bool active_past(const Entry& e, int64_t ts_ns) const {
    return config_.active_timeout_ns > 0 &&
           later_by_at_least(ts_ns, e.first_ns, config_.active_timeout_ns);
  }
  // True (and counted by reason) when `e` is past a timeout at event time `ts_ns`.
  bool expired_at(const Entry& e, int64_t ts_ns);
  // update()'s cold paths: the entry in `slot` timed out and starts afresh with this
  // packet; a new key goes into `empty` (where its probe ended) or, when the table has
  // to grow or evict first, wherever its probe ends then.
  void restart(size_t slot, int64_t ts_ns, uint64_t bytes, uint64_t packets, uint8_t tcp_flags);
  void insert(const FlowKey& key, uint32_t tag, size_t empty, int64_t ts_ns, uint64_t bytes,
              uint64_t packets, uint8_t tcp_flags);
  // The first event time at which `e` is expired (expired_at(e, t) iff t >= it).
  int64_t deadline_of(const Entry& e) const;
  // A lower bound of deadline_of() over every entry in the table: while now_ns_ is below
  // it, sweeping finds nothing and only moves the cursor.
  int64_t expiry_bound() const;
  // Counts `slots` more slots covered by the current sweep pass; at the end of a pass
  // raises settled_bound_ to what the pass saw.
  void end_pass_if_done(size_t slots);
  void restart_pass();
  // True when `key` fits an Entry's narrow words; then `w` holds them.
  static bool narrow_words(const FlowKey& key, uint64_t (&w)[3]) {
    uint64_t k[7];
    std::memcpy(k, &key, sizeof k);
    w[0] = k[0] | (k[2] << 32);
    w[1] = k[4];
    w[2] = k[6];
    return ((k[0] >> 32) | (k[2] >> 32) | k[1] | k[3] | k[5]) == 0;
  }
  FlowKey key_at(size_t slot) const;
  void store_key(size_t slot, const FlowKey& key);
  void move_slot(size_t from, size_t to);  // copies the entry (and its wide key)
  void emit(size_t slot);
  void emit_batch();
  void erase_at(size_t slot);
  void evict_one();
  void grow();
  size_t find_empty(uint32_t tag) const;
  void refresh_if_due(int64_t ts_ns);

  FlowTableConfig config_;
  const Aggregation* aggregation_;
  FlowSink sink_;
  struct FreeSlots {
    size_t mapped_bytes;  // > 0: the block is an mmap of this size (no NSDMI: GCC 12 then
                          // cannot default-construct the nested deleter in-class)
    void operator()(void* p) const;
  };
  // Zeroed entries (all-zero is an empty slot); 2 MiB-aligned and madvise(MADV_HUGEPAGE)d
  // when large, so random probes of a big table do not miss the TLB on every packet.
  template <typename T>
  static std::unique_ptr<T[], FreeSlots> allocate_zeroed(size_t count);

  std::unique_ptr<Entry[], FreeSlots> slots_;
  std::unique_ptr<WideKey[], FreeSlots> wide_keys_;
  size_t capacity_ = 0;
  size_t max_capacity_ = 0;
  size_t grow_at_ = 0;
  size_t size_ = 0;
  size_t sweep_cursor_ = 0;
  size_t evict_cursor_ = 0;
  int64_t sweep_mark_ns_ = INT64_MIN;
  int64_t now_ns_ = INT64_MIN;
  int64_t next_refresh_ns_ = INT64_MIN;
  // Sweep skipping (see sweep()). deadline_of(e) >= min(settled_bound_, recent_min_ts_ +
  // min_lead_ns_) for every entry e at all times: settled_bound_ is what the last
  // complete pass saw, recent_min_ts_ the earliest timestamp updated since that pass
  // began (an update or insert at ts leaves a deadline >= ts + min_lead_ns_).
  int64_t min_lead_ns_ = INT64_MAX;
  int64_t settled_bound_ = INT64_MAX;
  int64_t recent_min_ts_ = INT64_MAX;
  int64_t pass_min_ = INT64_MAX;  // min deadline seen (or bound skipped) in this pass
  size_t pass_covered_ = 0;       // slots the cursor passed in this pass
  bool pass_clean_ = true;        // false once an entry may have moved behind the cursor
  std::vector<FlowRecord> out_;
  FlowTableCounters counters_;
};

}  // namespace flowlens::meter
