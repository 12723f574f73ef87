// `flowlens flows`: meter capture files into flow records (pmacct-compatible fields).

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "app/commands.h"
#include "app/exit_codes.h"
#include "capture/capture_reader.h"
#include "decode/flow/replay_exports.h"
#include "meter/aggregation.h"
#include "meter/flow_meter.h"
#include "model/flow_output.h"

namespace flowlens::app {
namespace {

struct FlowsOptions {
  std::vector<std::string> inputs;
  std::vector<std::string> replay_exports;
  std::string aggregate{meter::kDefaultAggregate};
  std::vector<std::string> local_nets;
  double active_timeout_s = 1800;
  double inactive_timeout_s = 15;
  double refresh_s = 0;
  size_t max_flows = 4'000'000;
  std::string format = "jsonl";
  std::string output;
};

int64_t seconds_to_ns(double s) { return static_cast<int64_t>(s * 1e9); }

// Export datagrams inside captures: the records are flows already (one per exported flow),
// so they are printed as decoded, with the chosen fields, not re-aggregated.
int replay_flow_exports(const FlowsOptions& opt, FlowWriter& writer) {
  decode::flow::ExportDecoder decoder;
  decode::flow::ReplayStats total;
  int exit_code = kExitOk;
  for (const std::string& path : opt.replay_exports) {
    auto stats = decode::flow::replay_exports(
        path, decoder, [&writer](std::span<const FlowRecord> records) { writer.write(records); });
    if (!stats) {
      fmt::print(stderr, "flowlens flows: {}\n", stats.error().message);
      exit_code = kExitInputErrors;
      continue;
    }
    total.packets += stats->packets;
    total.datagrams += stats->datagrams;
    total.not_udp += stats->not_udp;
    total.records += stats->records;
  }
  if (!writer.flush()) {
    fmt::print(stderr, "flowlens flows: writing {}: I/O error\n",
               opt.output.empty() ? std::string("standard output") : opt.output);
    return kExitFailure;
  }
  std::string errors;
  for (const auto& health : decoder.exporters()) {
    for (size_t e = 0; e < health.errors.size(); ++e) {
      if (health.errors[e] != 0) {
        errors += fmt::format(" {}:{}={}", health.exporter.to_string(),
                              error_name(static_cast<decode::flow::FlowDecodeError>(e)),
                              health.errors[e]);
      }
    }
  }
  fmt::print(stderr,
             "flowlens flows: {} file(s) replayed, {} packets, {} export datagrams ({} other "
             "packets skipped), {} flow records from {} exporter(s); decode errors:{}\n",
             opt.replay_exports.size(), total.packets, total.datagrams, total.not_udp,
             total.records, decoder.exporters().size(), errors.empty() ? " none" : errors);
  return exit_code;
}

int run_flows(const FlowsOptions& opt) {
  if (opt.inputs.empty() && opt.replay_exports.empty()) {
    fmt::print(stderr, "flowlens flows: --read FILE (or --replay-exports FILE) is required\n");
    return kExitUsage;
  }
  std::vector<IpNetwork> nets;
  for (const std::string& text : opt.local_nets) {
    auto net = IpNetwork::parse(text);
    if (!net) {
      fmt::print(stderr, "flowlens flows: --local-net '{}': not a CIDR network (e.g. 10.0.0.0/8)\n",
                 text);
      return kExitUsage;
    }
    nets.push_back(*net);
  }
  auto aggregation = meter::Aggregation::parse(opt.aggregate, std::move(nets));
  if (!aggregation) {
    fmt::print(stderr, "flowlens flows: {}\n", aggregation.error().message);
    return kExitUsage;
  }
  const auto format = parse_flow_output_format(opt.format);
  if (!format) {
    fmt::print(stderr, "flowlens flows: --format '{}': expected jsonl, csv or table\n", opt.format);
    return kExitUsage;
  }
  if (opt.max_flows == 0) {
    fmt::print(stderr, "flowlens flows: --max-flows must be at least 1\n");
    return kExitUsage;
  }
  for (const auto& [name, value] : {std::pair{"--active-timeout", opt.active_timeout_s},
                                    std::pair{"--inactive-timeout", opt.inactive_timeout_s},
                                    std::pair{"--refresh", opt.refresh_s}}) {
    if (!(value >= 0) || value > 1e9) {
      fmt::print(stderr, "flowlens flows: {} {}: expected seconds >= 0 (0 = off)\n", name, value);
      return kExitUsage;
    }
  }

  std::FILE* out = stdout;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> owned(nullptr, &std::fclose);
  if (!opt.output.empty() && opt.output != "-") {
    owned.reset(std::fopen(opt.output.c_str(), "w"));
    if (!owned) {
      fmt::print(stderr, "flowlens flows: -o {}: cannot open for writing\n", opt.output);
      return kExitFailure;
    }
    out = owned.get();
  }

  FlowWriter writer(out, aggregation->fields(), *format);
  if (!opt.replay_exports.empty()) {
    return replay_flow_exports(opt, writer);
  }
  meter::FlowTableConfig table_config;
  table_config.max_flows = opt.max_flows;
  table_config.active_timeout_ns = seconds_to_ns(opt.active_timeout_s);
  table_config.inactive_timeout_ns = seconds_to_ns(opt.inactive_timeout_s);
  table_config.refresh_ns = seconds_to_ns(opt.refresh_s);
  meter::FlowMeter meter(*aggregation, table_config,
                         [&writer](FlowBatch batch) { writer.write(batch); });

  int exit_code = kExitOk;
  size_t files_read = 0;
  std::vector<capture::PacketRecord> records(1024);
  const auto started = std::chrono::steady_clock::now();
  for (const std::string& path : opt.inputs) {
    auto reader = capture::CaptureReader::open(path);
    if (!reader) {
      fmt::print(stderr, "flowlens flows: {}\n", reader.error().message);
      exit_code = kExitInputErrors;
      continue;
    }
    ++files_read;
    for (;;) {
      const size_t n = (*reader)->read_batch(records);
      if (n == 0) break;
      meter.process(std::span<const capture::PacketRecord>(records.data(), n));
    }
    if (const auto& error = (*reader)->error()) {
      fmt::print(stderr, "flowlens flows: {} (packets before it were metered)\n", error->message);
      exit_code = kExitInputErrors;
    }
  }
  meter.finish();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!writer.flush()) {
    fmt::print(stderr, "flowlens flows: writing {}: I/O error\n",
               opt.output.empty() ? std::string("standard output") : opt.output);
    return kExitFailure;
  }

  const auto& mc = meter.counters();
  const auto& dc = meter.decode_counters();
  const auto& fc = meter.fragment_counters();
  const auto& tc = meter.table().counters();
  fmt::print(stderr,
             "flowlens flows: {} file(s), {} packets ({} IP, {} metered, {} bytes), {} flow records; "
             "skipped: not_ip={} truncated={} malformed={} unsupported_link={} short_transport={} "
             "orphan_fragments={}; evictions={} (max-flows {}); {:.2f} Mpps in {:.3f} s\n",
             files_read, mc.frames, mc.ip_packets, mc.metered_packets, mc.metered_bytes,
             tc.records_emitted, dc.not_ip, dc.truncated, dc.malformed, dc.unsupported_link,
             mc.short_transport, fc.orphaned_packets, tc.evicted, opt.max_flows,
             elapsed > 0 ? static_cast<double>(mc.frames) / elapsed / 1e6 : 0.0, elapsed);
  return exit_code;
}

}  // namespace

void add_flows_command(CLI::App& root, int& exit_code) {
  auto opt = std::make_shared<FlowsOptions>();
  auto* cmd = root.add_subcommand(
      "flows",
      "Meter packets of capture files (pcap, pcapng) into flow records with pmacct's\n"
      "aggregation primitives and field names. Times are event times from the packets.");
  auto* read = cmd->add_option("-r,--read", opt->inputs,
                               "Capture file(s) to read, in order ('-' = stdin)");
  auto* replay = cmd->add_option(
      "--replay-exports", opt->replay_exports,
      "Capture file(s) holding NetFlow v5/v9, IPFIX or sFlow export datagrams (any UDP\n"
      "port): decode them as `flowlens collect` would have at the packet times and print\n"
      "one line per exported flow record (not re-aggregated: --aggregate only picks the\n"
      "fields printed; timeouts do not apply)");
  read->excludes(replay);
  replay->excludes(read);
  cmd->add_option("--aggregate", opt->aggregate,
                  "Comma-separated pmacct primitives: src_host, dst_host, src_net[/V4[/V6]],\n"
                  "dst_net[/V4[/V6]] (default /24 and /64), src_port, dst_port, proto, tos,\n"
                  "src_mac, dst_mac, vlan, tcpflags, direction (needs --local-net)")
      ->capture_default_str();
  cmd->add_option("--local-net", opt->local_nets,
                  "Local network(s) in CIDR form, for `direction`: in = to a local host,\n"
                  "out = from one, local = both, transit = neither");
  cmd->add_option("--active-timeout", opt->active_timeout_s,
                  "Seconds (event time) after a flow's first packet at which it is cut and\n"
                  "emitted; 0 = never")
      ->capture_default_str();
  cmd->add_option("--inactive-timeout", opt->inactive_timeout_s,
                  "Seconds (event time) without packets after which a flow is emitted; 0 = never")
      ->capture_default_str();
  cmd->add_option("--refresh", opt->refresh_s,
                  "Every S seconds of event time (aligned to multiples of S), emit all flows and\n"
                  "start afresh, like pmacct's print_refresh_time; 0 = off")
      ->capture_default_str();
  cmd->add_option("--max-flows", opt->max_flows,
                  "Live flows kept in memory (~128 bytes each); when full, the least recently\n"
                  "updated of a small sample is emitted early (counted as an eviction)")
      ->capture_default_str();
  cmd->add_option("--format", opt->format, "Output: jsonl (pmacct JSON lines), csv or table")
      ->capture_default_str();
  cmd->add_option("-o,--output", opt->output, "Write flows to FILE instead of standard output");
  cmd->footer(
      "Bytes are IP bytes (IP header + payload from the IP header's length field), as pmacct\n"
      "counts them. Use --inactive-timeout 0 --active-timeout 0 to aggregate the whole input\n"
      "per key, as pmacctd does with a long print_refresh_time. A one-line summary goes to\n"
      "stderr. Exit code 1: some input was damaged or unreadable; what could be read is in\n"
      "the output.");
  cmd->callback([opt, &exit_code] { exit_code = run_flows(*opt); });
}

}  // namespace flowlens::app
