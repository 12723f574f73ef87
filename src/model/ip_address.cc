#include "model/ip_address.h"

#include <arpa/inet.h>

#include <charconv>

namespace flowlens {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN] = {};
  std::memcpy(buf, text.data(), text.size());
  IpAddress a;
  if (inet_pton(AF_INET, buf, a.bytes.data()) == 1) {
    a.family = IpFamily::kV4;
    return a;
  }
  if (inet_pton(AF_INET6, buf, a.bytes.data()) == 1) {
    a.family = IpFamily::kV6;
    return a;
  }
  return std::nullopt;
}

IpAddress IpAddress::masked(unsigned prefix_len) const {
  IpAddress out = *this;
  const unsigned width = family == IpFamily::kV4 ? 32u : 128u;
  if (prefix_len >= width) return out;
  const unsigned full = prefix_len / 8;
  const unsigned rest = prefix_len % 8;
  for (unsigned i = full; i < 16; ++i) out.bytes[i] = 0;
  if (rest != 0) out.bytes[full] = static_cast<uint8_t>(bytes[full] & (0xFFu << (8 - rest)));
  return out;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family == IpFamily::kV4) {
    inet_ntop(AF_INET, bytes.data(), buf, sizeof buf);
  } else if (family == IpFamily::kV6) {
    inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
  }
  return buf;
}

std::optional<IpNetwork> IpNetwork::parse(std::string_view text) {
  const auto slash = text.find('/');
  auto addr = IpAddress::parse(text.substr(0, slash));
  if (!addr) return std::nullopt;
  const unsigned width = addr->family == IpFamily::kV4 ? 32u : 128u;
  unsigned prefix = width;
  if (slash != std::string_view::npos) {
    const auto digits = text.substr(slash + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (ec != std::errc{} || end != digits.data() + digits.size() || digits.empty() ||
        prefix > width) {
      return std::nullopt;
    }
  }
  return IpNetwork{addr->masked(prefix), static_cast<uint8_t>(prefix)};
}

std::string IpNetwork::to_string() const {
  return address.to_string() + "/" + std::to_string(prefix_len);
}

}  // namespace flowlens
