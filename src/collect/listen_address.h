#pragma once
// ListenAddress: one `udp://ADDR:PORT` listener of the collector.
//
// Accepted forms: udp://127.0.0.1:2055, udp://[::1]:2055, udp://0.0.0.0:2055, udp://[::]:2055
// and udp://:2055, where a missing address means 127.0.0.1 so that nothing is exposed
// beyond the host unless asked for. The port is required. Port 0 asks
// the kernel for a free port (tests); UdpCollector::bound_port() tells which one.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "model/ip_address.h"

namespace flowlens::collect {

struct ListenAddress {
  IpAddress address;
  uint16_t port = 0;

  // "udp://ADDR:PORT" with IPv6 in brackets.
  std::string to_string() const;
};

// Errors name the text and what is wrong with it.
Result<ListenAddress> parse_listen_address(std::string_view text);

}  // namespace flowlens::collect
