#pragma once
// FlatMap: the open-addressing hash map behind every per-record aggregate of the stream
// processor (window summaries and rollup deltas).
//
// Contract:
//  - Keys are WordKey<N>: N 64-bit words that the caller fills completely (no padding, so
//    equality and hashing are plain word compares). Values are trivially copyable and
//    value-initialised on insertion.
//  - Linear probing over a power-of-two slot array, grown x2 beyond load 0.7; no erase
//    (aggregates only grow, then are handed over whole by clear()).
//  - clear() keeps the slot array unless it is much larger than what was used, so a
//    map refilled every window does not reallocate, and a one-off burst does not pin
//    memory for ever.
//  - References returned by find_or_insert() stay valid until the next insertion.
//  - Slot arrays of 2 MiB and more are anonymous mappings aligned to 2 MiB with
//    MADV_HUGEPAGE: a window's host table for 50k flows spans thousands of 4 KiB pages,
//    and random probes would otherwise miss the TLB on nearly every record.

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <type_traits>

#include "core/zeroed_memory.h"

namespace flowlens {

template <size_t N>
struct WordKey {
  std::array<uint64_t, N> w{};
  // Word by word, not the defaulted memberwise compare (which becomes a memcmp call).
  friend bool operator==(const WordKey& a, const WordKey& b) {
    uint64_t diff = 0;
    for (size_t i = 0; i < N; ++i) {
      diff |= a.w[i] ^ b.w[i];
    }
    return diff == 0;
  }
};

// A multiply-xorshift mix per word and a final avalanche (murmur3's fmix64): cheap, and
// every input bit reaches the low bits the slot index takes.
template <size_t N>
inline uint64_t hash_words(const WordKey<N>& k) {
  uint64_t h = 0x243F6A8885A308D3ull;
  for (size_t i = 0; i < N; ++i) {
    h = (h ^ k.w[i]) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
  }
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDull;
  h ^= h >> 33;
  h *= 0xC4CEB9FE1A85EC53ull;
  h ^= h >> 33;
  return h;
}

template <size_t N, typename Value>
class FlatMap {
 public:
  using Key = WordKey<N>;
  static_assert(std::is_trivially_copyable_v<Value>);

  struct Slot {
    Key key;
    Value value;
    bool used = false;
  };

  static constexpr size_t kMinCapacity = 16;

  explicit FlatMap(size_t capacity = kMinCapacity) { allocate(round_up(capacity)); }
  FlatMap(FlatMap&&) noexcept = default;
  FlatMap& operator=(FlatMap&&) noexcept = default;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t capacity() const { return capacity_; }

  Value& find_or_insert(const Key& key) { return find_or_insert(key, hash_words(key)); }

  Value& find_or_insert(const Key& key, uint64_t hash) {
    size_t i = hash & mask_;
    while (true) {
      Slot& s = slots_[i];
      if (!s.used) {
        break;
      }
      if (s.key == key) {
        return s.value;
      }
      i = (i + 1) & mask_;
    }
    if (size_ + 1 > grow_at_) {
      grow();
      return insert_new(key, hash);
    }
    return claim(slots_[i], key);
  }

  const Value* find(const Key& key) const {
    size_t i = hash_words(key) & mask_;
    while (slots_[i].used) {
      if (slots_[i].key == key) {
        return &slots_[i].value;
      }
      i = (i + 1) & mask_;
    }
    return nullptr;
  }

  // Brings the home slot of `hash` towards the cache ahead of a find_or_insert.
  void prefetch(uint64_t hash) const { __builtin_prefetch(&slots_[hash & mask_], 1); }

  // f(const Key&, const Value&) for every entry, in slot order.
  template <typename F>
  void for_each(F&& f) const {
    for (size_t i = 0; i < capacity_; ++i) {
      if (slots_[i].used) {
        f(slots_[i].key, slots_[i].value);
      }
    }
  }

  void clear() {
    if (capacity_ > kMinCapacity && capacity_ > 8 * size_) {
      allocate(round_up(2 * size_));
    } else {
      for (size_t i = 0; i < capacity_; ++i) {
        slots_[i].used = false;
      }
    }
    size_ = 0;
  }

 private:
  static size_t round_up(size_t n) {
    size_t c = kMinCapacity;
    while (c < n) {
      c *= 2;
    }
    return c;
  }

  struct Free {
    size_t mapped = 0;
    void operator()(Slot* p) const { free_zeroed(p, mapped); }
  };
  using Slots = std::unique_ptr<Slot[], Free>;

  // All-zero bytes are an empty slot (used == false); Slot is an implicit-lifetime type.
  static_assert(std::is_trivially_copyable_v<Slot> && std::is_trivially_destructible_v<Slot>);

  void allocate(size_t capacity) {
    size_t mapped = 0;
    void* p = allocate_zeroed(capacity * sizeof(Slot), mapped);
    slots_ = Slots(static_cast<Slot*>(p), Free{mapped});
    capacity_ = capacity;
    mask_ = capacity - 1;
    grow_at_ = capacity * 7 / 10;
  }

  Value& insert_new(const Key& key, uint64_t hash) {
    size_t i = hash & mask_;
    while (slots_[i].used) {
      i = (i + 1) & mask_;
    }
    return claim(slots_[i], key);
  }

  // Makes the empty slot `s` hold `key` with a value-initialised value.
  Value& claim(Slot& s, const Key& key) {
    s.used = true;
    s.key = key;
    s.value = Value{};
    ++size_;
    return s.value;
  }

  void grow() {
    Slots old = std::move(slots_);
    const size_t old_capacity = capacity_;
    allocate(old_capacity * 2);
    for (size_t j = 0; j < old_capacity; ++j) {
      const Slot& s = old[j];
      if (s.used) {
        size_t i = hash_words(s.key) & mask_;
        while (slots_[i].used) {
          i = (i + 1) & mask_;
        }
        slots_[i] = s;
      }
    }
  }

  Slots slots_;
  size_t capacity_ = 0;
  size_t mask_ = 0;
  size_t grow_at_ = 0;
  size_t size_ = 0;
};

}  // namespace flowlens
