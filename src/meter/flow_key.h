#pragma once
// FlowKey: the aggregation key of one packet, holding only the aggregated fields (every
// other field is zero), so "aggregation" is decided entirely when the key is built
// (Aggregation::build_key) and the flow table never knows which fields were chosen.
//
// The key is 56 bytes without padding (static_assert), compared with memcmp and hashed
// as seven 64-bit words with a multiply-mix (hash_key): a few cycles, no byte loop.

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace flowlens::meter {

struct FlowKey {
  std::array<uint8_t, 16> src{};  // address, or network (masked) when only src_net is chosen
  std::array<uint8_t, 16> dst{};
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint16_t vlan = 0;
  std::array<uint8_t, 6> mac_src{};
  std::array<uint8_t, 6> mac_dst{};
  uint8_t family = 0;  // IpFamily value when an address field is aggregated, else 0
  uint8_t ip_proto = 0;
  uint8_t tos = 0;
  uint8_t tcp_flags = 0;  // only when tcpflags is aggregated
  uint8_t direction = 0;  // Direction value when direction is aggregated
  uint8_t reserved = 0;   // keeps the struct free of padding; always 0

  friend bool operator==(const FlowKey& a, const FlowKey& b) {
    return std::memcmp(&a, &b, sizeof(FlowKey)) == 0;
  }
};

static_assert(sizeof(FlowKey) == 56, "FlowKey is seven 64-bit words");
static_assert(std::has_unique_object_representations_v<FlowKey>, "no padding: memcmp/hash");
// Aggregation::build_key assembles words 4..6 from these offsets.
static_assert(offsetof(FlowKey, src_port) == 32 && offsetof(FlowKey, vlan) == 36 &&
              offsetof(FlowKey, mac_src) == 38 && offsetof(FlowKey, mac_dst) == 44 &&
              offsetof(FlowKey, family) == 50 && offsetof(FlowKey, direction) == 54);

// 64-bit hash of a key given as its seven words w0..w6 (hash_key()): wyhash-style 64x64->128
// multiply-folds of word pairs. Good avalanche in the high bits, which the table uses for
// the home slot and the tag.
inline uint64_t hash_key_words(uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3, uint64_t w4,
                               uint64_t w5, uint64_t w6) {
  auto mum = [](uint64_t a, uint64_t b) {
    __extension__ using U128 = unsigned __int128;  // GCC/Clang; one MUL instruction
    const U128 p = static_cast<U128>(a) * b;
    return static_cast<uint64_t>(p) ^ static_cast<uint64_t>(p >> 64);
  };
  constexpr uint64_t k0 = 0xa0761d6478bd642full, k1 = 0xe7037ed1a0b428dbull,
                     k2 = 0x8ebc6af09c88c6e3ull, k3 = 0x589965cc75374cc3ull;
  const uint64_t a = mum(w0 ^ k0, w1 ^ k1);
  const uint64_t b = mum(w2 ^ k2, w3 ^ k3);
  const uint64_t c = mum(w4 ^ k1, w5 ^ k0);
  const uint64_t d = mum(w6 ^ k3, a ^ k2);
  return mum(b ^ c ^ k0, d ^ k1);
}

inline uint64_t hash_key(const FlowKey& key) {
  uint64_t w[7];
  std::memcpy(w, &key, sizeof w);
  return hash_key_words(w[0], w[1], w[2], w[3], w[4], w[5], w[6]);
}

}  // namespace flowlens::meter
