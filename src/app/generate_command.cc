// `flowlens generate`: writes a synthetic capture (see synth/traffic_generator.h for the
// exact shape of the traffic). Used by the benchmarks in bench/ and handy for demos.

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>

#include <fmt/core.h>

#include "app/commands.h"
#include "app/exit_codes.h"
#include "synth/pcap_file_writer.h"
#include "synth/traffic_generator.h"
#include "synth/traffic_profile.h"

namespace flowlens::app {
namespace {

struct GenerateOptions {
  std::string profile = "64b";
  std::string packets = "1M";
  std::string flows = "50k";
  uint64_t seed = 1;
  std::string start = "2026-01-01T00:00:00Z";
  std::string rate = "1M";
  std::string precision = "us";
  std::string output;
  bool progress = false;
  bool quiet = false;
};

// "20000000", "20M", "50k", "1G" (decimal multipliers): counts are easier to read so.
std::optional<uint64_t> parse_count(const std::string& text) {
  if (text.empty() || text[0] < '0' || text[0] > '9') {
    return std::nullopt;
  }
  size_t used = 0;
  uint64_t value = 0;
  try {
    value = std::stoull(text, &used);
  } catch (const std::exception&) {  // only CLI text reaches here, never packet data
    return std::nullopt;
  }
  const std::string suffix = text.substr(used);
  uint64_t multiplier = 1;
  if (suffix == "k" || suffix == "K") {
    multiplier = 1'000;
  } else if (suffix == "M" || suffix == "m") {
    multiplier = 1'000'000;
  } else if (suffix == "G" || suffix == "g") {
    multiplier = 1'000'000'000;
  } else if (!suffix.empty()) {
    return std::nullopt;
  }
  if (value > UINT64_MAX / multiplier) {
    return std::nullopt;
  }
  return value * multiplier;
}

// "2026-01-01T00:00:00Z" (UTC, optional fraction of a second) or Unix seconds "1767225600".
std::optional<int64_t> parse_start(const std::string& text) {
  if (text.find('T') == std::string::npos) {
    const auto seconds = parse_count(text);
    if (!seconds || *seconds > INT64_MAX / 1'000'000'000) {
      return std::nullopt;
    }
    return static_cast<int64_t>(*seconds) * 1'000'000'000;
  }
  std::tm tm{};
  const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr) {
    return std::nullopt;
  }
  int64_t fraction_ns = 0;
  if (*rest == '.') {
    int64_t scale = 100'000'000;
    for (++rest; *rest >= '0' && *rest <= '9'; ++rest) {
      fraction_ns += (*rest - '0') * scale;
      scale /= 10;
    }
  }
  if (std::string(rest) != "Z") {
    return std::nullopt;
  }
  return static_cast<int64_t>(timegm(&tm)) * 1'000'000'000 + fraction_ns;
}

int run_generate(const GenerateOptions& options) {
  const auto usage_error = [](const char* flag) {
    fmt::print(stderr, "flowlens generate: invalid value for {} (see --help)\n", flag);
    return kExitUsage;
  };
  const auto profile = synth::parse_traffic_profile(options.profile);
  const auto packets = parse_count(options.packets);
  const auto flows = parse_count(options.flows);
  const auto rate = parse_count(options.rate);
  const auto start = parse_start(options.start);
  if (!profile) {
    return usage_error("--profile");
  }
  if (!packets) {
    return usage_error("--packets");
  }
  if (!flows || *flows > UINT32_MAX) {
    return usage_error("--flows");
  }
  if (!rate) {
    return usage_error("--rate");
  }
  if (!start) {
    return usage_error("--start");
  }
  synth::GeneratorConfig config;
  config.profile = *profile;
  config.packets = *packets;
  config.flows = static_cast<uint32_t>(*flows);
  config.rate_pps = *rate;
  config.start_ns = *start;
  config.seed = options.seed;
  config.precision = options.precision == "ns" ? synth::TimestampPrecision::kNano
                                               : synth::TimestampPrecision::kMicro;

  auto generator = synth::TrafficGenerator::create(config);
  if (!generator) {
    fmt::print(stderr, "flowlens generate: {}\n", generator.error().message);
    return kExitUsage;
  }
  auto writer = synth::PcapFileWriter::open(options.output, config.precision);
  if (!writer) {
    fmt::print(stderr, "flowlens generate: {}\n", writer.error().message);
    return kExitFailure;
  }

  const auto began = std::chrono::steady_clock::now();
  const auto elapsed = [&began] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  };
  const bool show_progress = !options.quiet && (options.progress || isatty(STDERR_FILENO) == 1);
  synth::TrafficGenerator::Progress progress;
  if (show_progress) {
    progress = [&](uint64_t done) {
      fmt::print(stderr, "\rflowlens generate: {:.1f} / {:.1f} M packets ({:.0f} %)",
                 static_cast<double>(done) / 1e6, static_cast<double>(config.packets) / 1e6,
                 100.0 * static_cast<double>(done) / static_cast<double>(config.packets));
    };
  }
  const Status written = generator->write(*writer, progress);
  const Status closed = writer->close();
  if (show_progress) {
    fmt::print(stderr, "\n");
  }
  if (!written.ok() || !closed.ok()) {
    fmt::print(stderr, "flowlens generate: {}\n",
               (!written.ok() ? written : closed).error().message);
    return kExitFailure;
  }
  if (!options.quiet) {
    const double seconds = elapsed();
    fmt::print(stderr,
               "flowlens generate: wrote {} packets over {} flows ({}, seed {}) to {}: "
               "{:.1f} MB in {:.2f} s ({:.1f} M packets/s)\n",
               config.packets, config.flows, options.profile, config.seed, options.output,
               static_cast<double>(writer->bytes_flushed()) / 1e6, seconds,
               static_cast<double>(config.packets) / 1e6 / (seconds > 0 ? seconds : 1e-9));
  }
  return kExitOk;
}

}  // namespace

void add_generate_command(CLI::App& root, int& exit_code) {
  static GenerateOptions options;
  auto* cmd = root.add_subcommand(
      "generate",
      "Write a synthetic capture (classic pcap, Ethernet) for benchmarks and tests.");
  cmd->footer(
      "Profiles:\n"
      "  64b   64-byte IPv4 frames (UDP: 14+20+8+22 payload, TCP: 14+20+20+10), TCP or\n"
      "        UDP per flow, half each. The packets-per-second worst case.\n"
      "  imix  Simple IMIX: 64, 594 and 1518-byte frames in the ratio 7:4:1; TCP 60 %,\n"
      "        UDP 35 %, ICMP echo 5 %; 15 % of flows IPv6 (an IPv6 TCP frame is at\n"
      "        least 74 bytes).\n"
      "  demo  A small office: 32 local hosts (10.1.0.0/24) and many remote ones\n"
      "        (198.18.0.0/15) on common service ports, packets both ways, reply sizes\n"
      "        by service, 10 % of flows inbound. The rate follows the hour of day\n"
      "        (UTC) with --rate as the afternoon peak: --rate 200 --packets 10M spans\n"
      "        about a day. For dashboards and demos, not for benchmarks.\n"
      "Packets visit the flows in a shuffled order that repeats, so a file with at\n"
      "least as many packets as flows holds exactly --flows distinct 5-tuples (one\n"
      "direction each; demo: both directions). Frame sizes are captured bytes, without FCS. Addresses come\n"
      "from documentation/benchmark ranges (10/8, 198.18/15, 2001:db8::/32). The same\n"
      "options and seed always give the same bytes.\n"
      "Counts accept k, M, G suffixes (decimal): --packets 20M --flows 50k.\n"
      "\nExample:\n"
      "  flowlens generate --profile 64b --packets 20M --flows 2M -w /tmp/64b-2M.pcap");
  cmd->add_option("--profile", options.profile, "Traffic profile: 64b, imix or demo")
      ->check(CLI::IsMember({"64b", "imix", "demo"}))
      ->capture_default_str();
  cmd->add_option("-n,--packets", options.packets, "Number of packets to write")
      ->capture_default_str();
  cmd->add_option("--flows", options.flows, "Number of distinct flows (1 .. 134217728)")
      ->capture_default_str();
  cmd->add_option("--seed", options.seed, "Seed of the pseudo-random choices")
      ->capture_default_str();
  cmd->add_option("--start", options.start,
                  "Event time of the first packet: UTC like 2026-01-01T00:00:00Z, or Unix "
                  "seconds")
      ->capture_default_str();
  cmd->add_option("--rate", options.rate, "Packets per second of event time (timestamps)")
      ->capture_default_str();
  cmd->add_option("--precision", options.precision, "Timestamp precision: us or ns")
      ->check(CLI::IsMember({"us", "ns"}))
      ->capture_default_str();
  cmd->add_option("-w,--write", options.output, "Output file ('-' for standard output)")
      ->required();
  cmd->add_flag("--progress", options.progress,
                "Show progress on stderr (default: only when stderr is a terminal)");
  cmd->add_flag("-q,--quiet", options.quiet, "No progress and no summary line on stderr");
  cmd->callback([&exit_code] { exit_code = run_generate(options); });
}

}  // namespace flowlens::app
