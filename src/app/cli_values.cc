#include "app/cli_values.h"

#include <fmt/format.h>

namespace flowlens::app {

Result<std::vector<IpNetwork>> parse_networks(const std::vector<std::string>& texts,
                                              std::string_view flag) {
  std::vector<IpNetwork> nets;
  for (const std::string& text : texts) {
    auto net = IpNetwork::parse(text);
    if (!net) {
      return Error{fmt::format("{} '{}': not a CIDR network (e.g. 10.0.0.0/8 or 2001:db8::/32)",
                               flag, text)};
    }
    nets.push_back(*net);
  }
  return nets;
}

}  // namespace flowlens::app
