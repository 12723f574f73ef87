#pragma once
// IpAddress: an IPv4 or IPv6 address as a 16-byte value (IPv4 in the first four bytes,
// the rest zero) plus its family. Fixed size, trivially copyable, hashable as bytes.

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace flowlens {

enum class IpFamily : uint8_t { kNone = 0, kV4 = 4, kV6 = 6 };

struct IpAddress {
  std::array<uint8_t, 16> bytes{};
  IpFamily family = IpFamily::kNone;

  static IpAddress v4(const uint8_t* p) {
    IpAddress a;
    std::memcpy(a.bytes.data(), p, 4);
    a.family = IpFamily::kV4;
    return a;
  }
  static IpAddress v6(const uint8_t* p) {
    IpAddress a;
    std::memcpy(a.bytes.data(), p, 16);
    a.family = IpFamily::kV6;
    return a;
  }
  // Parses dotted-quad IPv4 or RFC 4291 IPv6 text; nullopt when it is neither.
  static std::optional<IpAddress> parse(std::string_view text);

  bool empty() const { return family == IpFamily::kNone; }
  // Keeps the first `prefix_len` bits (clamped to the family's width).
  IpAddress masked(unsigned prefix_len) const;
  // inet_ntop form; "" for kNone.
  std::string to_string() const;

  friend bool operator==(const IpAddress&, const IpAddress&) = default;
  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;
};

// A CIDR network, e.g. 192.168.0.0/16 or 2001:db8::/32.
struct IpNetwork {
  IpAddress address;  // already masked
  uint8_t prefix_len = 0;

  static std::optional<IpNetwork> parse(std::string_view text);
  bool contains(const IpAddress& a) const {
    return a.family == address.family && a.masked(prefix_len) == address;
  }
  std::string to_string() const;
};

}  // namespace flowlens
