#include "app/cli_values.h"

#include <fmt/format.h>

#include <charconv>

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

// CIDR=RATE or CIDR=RATE,override.
Result<decode::flow::SamplingRule> parse_sampling(const std::string& text) {
  const auto fail = [&] {
    return Error{"--sampling '" + text +
                 "': expected CIDR=RATE or CIDR=RATE,override (e.g. 10.0.0.0/8=1000)"};
  };
  const size_t eq = text.find('=');
  if (eq == std::string::npos) {
    return fail();
  }
  auto net = IpNetwork::parse(std::string_view(text).substr(0, eq));
  if (!net) {
    return fail();
  }
  std::string_view rate_text = std::string_view(text).substr(eq + 1);
  decode::flow::SamplingRule rule;
  rule.network = *net;
  rule.override = false;
  if (const size_t comma = rate_text.find(','); comma != std::string_view::npos) {
    if (rate_text.substr(comma + 1) != "override") {
      return fail();
    }
    rule.override = true;
    rate_text = rate_text.substr(0, comma);
  }
  const auto [end, ec] =
      std::from_chars(rate_text.data(), rate_text.data() + rate_text.size(), rule.rate);
  if (rate_text.empty() || ec != std::errc() || end != rate_text.data() + rate_text.size() ||
      rule.rate == 0) {
    return fail();
  }
  return rule;
}

}  // namespace flowlens::app
