#include "collect/listen_address.h"

#include <charconv>

namespace flowlens::collect {

std::string ListenAddress::to_string() const {
  // Appended piecewise: GCC 12 at -O2 reports a false -Wrestrict for "[" + std::string.
  std::string out = "udp://";
  const bool v6 = address.family == IpFamily::kV6;
  if (v6) {
    out += '[';
  }
  out += address.to_string();
  if (v6) {
    out += ']';
  }
  out += ':';
  out += std::to_string(port);
  return out;
}

Result<ListenAddress> parse_listen_address(std::string_view text) {
  const auto fail = [&](std::string_view why) {
    return Error{"listen address '" + std::string(text) + "': " + std::string(why) +
                 " (expected udp://ADDR:PORT, e.g. udp://127.0.0.1:2055 or udp://[::1]:4739)"};
  };
  constexpr std::string_view kScheme = "udp://";
  if (text.substr(0, kScheme.size()) != kScheme) {
    return fail("only udp:// is supported");
  }
  std::string_view rest = text.substr(kScheme.size());
  std::string_view host;
  std::string_view port_text;
  if (!rest.empty() && rest.front() == '[') {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
      return fail("IPv6 address must be written [ADDR]:PORT");
    }
    host = rest.substr(1, close - 1);
    port_text = rest.substr(close + 2);
  } else {
    const size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos) {
      return fail("missing :PORT");
    }
    host = rest.substr(0, colon);
    port_text = rest.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return fail("IPv6 address must be written [ADDR]:PORT");
    }
  }
  ListenAddress out;
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return fail("port must be a number 0-65535");
  }
  out.port = static_cast<uint16_t>(port);
  if (host.empty()) {
    host = "127.0.0.1";
  }
  const auto address = IpAddress::parse(host);
  if (!address) {
    return fail("not an IPv4 or IPv6 address");
  }
  out.address = *address;
  return out;
}

}  // namespace flowlens::collect
