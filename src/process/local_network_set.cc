#include "process/local_network_set.h"

#include <algorithm>

namespace flowlens::process {

LocalNetworkSet::LocalNetworkSet(const std::vector<IpNetwork>& networks) {
  nets_.reserve(networks.size());
  for (const IpNetwork& n : networks) {
    const unsigned width = n.address.family == IpFamily::kV4 ? 32u : 128u;
    const unsigned bits = std::min<unsigned>(n.prefix_len, width);
    // The mask is built byte by byte, like the address, so masking the native words
    // agrees with IpAddress::masked whatever the machine's byte order.
    IpAddress mask_bytes;
    for (unsigned b = 0; b < bits; ++b) {
      mask_bytes.bytes[b / 8] = static_cast<uint8_t>(mask_bytes.bytes[b / 8] | (0x80u >> (b % 8)));
    }
    Prepared p;
    p.mask = address_words(mask_bytes);
    const AddressWords a = address_words(n.address);
    p.net = {a.hi & p.mask.hi, a.lo & p.mask.lo};
    p.family = n.address.family;
    nets_.push_back(p);
  }
}

}  // namespace flowlens::process
