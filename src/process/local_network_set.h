#pragma once
// LocalNetworkSet: the configured local networks, prepared for two membership tests per
// record (mask words instead of IpNetwork::contains, which builds a masked copy).
//
// Contract: network i of the set is network i of the configuration; an address is in a
// network when the families match and the first prefix_len bits match. With no networks
// configured, nothing is inside any network (callers apply the "every host is local"
// rule themselves, see model/rollup.h).

#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

#include "model/ip_address.h"

namespace flowlens::process {

// An address as two native words, for masking and hashing.
struct AddressWords {
  uint64_t hi = 0;
  uint64_t lo = 0;
};

inline AddressWords address_words(const IpAddress& a) {
  AddressWords w;
  std::memcpy(&w.hi, a.bytes.data(), 8);
  std::memcpy(&w.lo, a.bytes.data() + 8, 8);
  return w;
}

class LocalNetworkSet {
 public:
  explicit LocalNetworkSet(const std::vector<IpNetwork>& networks);

  size_t size() const { return nets_.size(); }
  bool empty() const { return nets_.empty(); }

  bool contains(size_t i, const IpAddress& a, const AddressWords& w) const {
    const Prepared& n = nets_[i];
    return a.family == n.family && (w.hi & n.mask.hi) == n.net.hi &&
           (w.lo & n.mask.lo) == n.net.lo;
  }

  bool contains_any(const IpAddress& a, const AddressWords& w) const {
    for (size_t i = 0; i < nets_.size(); ++i) {
      if (contains(i, a, w)) {
        return true;
      }
    }
    return false;
  }

 private:
  struct Prepared {
    AddressWords mask;
    AddressWords net;
    IpFamily family = IpFamily::kNone;
  };
  std::vector<Prepared> nets_;
};

}  // namespace flowlens::process
