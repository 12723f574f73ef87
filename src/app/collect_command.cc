// `flowlens collect`: receive NetFlow v5/v9, IPFIX and sFlow exports over UDP and print the
// decoded records the way `flowlens flows` prints metered ones.

#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "app/cli_values.h"
#include "app/commands.h"
#include "app/exit_codes.h"
#include "collect/exporter_table.h"
#include "collect/udp_collector.h"
#include "model/flow_output.h"

namespace flowlens::app {
namespace {

// The eventfd the SIGINT/SIGTERM handler writes to (write() is async-signal-safe).
volatile sig_atomic_t g_stop_fd = -1;

void on_collect_stop_signal(int) {
  const int fd = g_stop_fd;
  if (fd >= 0) {
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(fd, &one, sizeof(one));
  }
}

struct CollectOptions {
  std::vector<std::string> listen;
  unsigned workers = 1;
  std::string format = "jsonl";
  std::string fields = "src_host,dst_host,src_port,dst_port,proto";
  std::string output;
  std::vector<std::string> sampling;
  uint64_t count = 0;
  double duration_s = 0;
  int receive_buffer = 32 << 20;
  bool exporters = false;
};

Result<FlowFields> parse_fields(const std::string& text) {
  FlowFields fields;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string name = text.substr(start, comma - start);
    const auto field = parse_aggregate_name(name);
    if (!field) {
      return Error{"--fields: unknown field '" + name + "'"};
    }
    fields.add(*field);
    start = comma + 1;
  }
  return fields;
}

std::string stats_line(const collect::CollectorStats& s, uint64_t written) {
  std::string errors;
  for (size_t e = 0; e < s.decode_errors.size(); ++e) {
    if (s.decode_errors[e] != 0) {
      errors += fmt::format(" {}={}", error_name(static_cast<decode::flow::FlowDecodeError>(e)),
                            s.decode_errors[e]);
    }
  }
  return fmt::format(
      "flowlens collect: {} datagrams ({} bytes), {} records ({} written), kernel_drops={} "
      "truncated={} receive_errors={}; decode errors:{}\n",
      s.datagrams, s.bytes, s.records, written, s.kernel_drops, s.truncated, s.receive_errors,
      errors.empty() ? " none" : errors);
}

int run_collect(const CollectOptions& opt) {
  collect::UdpCollectorConfig config;
  for (const std::string& text : opt.listen) {
    auto address = collect::parse_listen_address(text);
    if (!address) {
      fmt::print(stderr, "flowlens collect: --listen: {}\n", address.error().message);
      return kExitUsage;
    }
    config.listen.push_back(*address);
  }
  for (const std::string& text : opt.sampling) {
    auto rule = parse_sampling(text);
    if (!rule) {
      fmt::print(stderr, "flowlens collect: {}\n", rule.error().message);
      return kExitUsage;
    }
    config.decoder.sampling_rules.push_back(*rule);
  }
  if (opt.workers == 0 || opt.workers > 64) {
    fmt::print(stderr, "flowlens collect: --workers {}: expected 1-64\n", opt.workers);
    return kExitUsage;
  }
  if (!(opt.duration_s >= 0) || opt.duration_s > 1e9) {
    fmt::print(stderr, "flowlens collect: --duration {}: expected seconds >= 0\n", opt.duration_s);
    return kExitUsage;
  }
  const bool print = opt.format != "none";
  const auto format = print ? parse_flow_output_format(opt.format) : FlowOutputFormat::kJsonLines;
  if (!format) {
    fmt::print(stderr, "flowlens collect: --format '{}': expected jsonl, csv, table or none\n",
               opt.format);
    return kExitUsage;
  }
  auto fields = parse_fields(opt.fields);
  if (!fields) {
    fmt::print(stderr, "flowlens collect: {}\n", fields.error().message);
    return kExitUsage;
  }
  config.workers_per_listener = opt.workers;
  config.receive_buffer_bytes = opt.receive_buffer;

  std::FILE* out = stdout;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> owned(nullptr, &std::fclose);
  if (print && !opt.output.empty() && opt.output != "-") {
    owned.reset(std::fopen(opt.output.c_str(), "w"));
    if (!owned) {
      fmt::print(stderr, "flowlens collect: -o {}: cannot open for writing\n", opt.output);
      return kExitFailure;
    }
    out = owned.get();
  }

  // SIGINT/SIGTERM write to an eventfd that the loop below polls: a handler works whichever
  // thread the kernel picks for the signal (a signalfd would need the signal blocked in
  // every thread of the process, including ones this command did not start).
  const int done_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (done_fd < 0) {
    fmt::print(stderr, "flowlens collect: eventfd failed\n");
    return kExitFailure;
  }
  g_stop_fd = done_fd;
  struct sigaction action {};
  action.sa_handler = &on_collect_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  struct sigaction previous_int {};
  struct sigaction previous_term {};
  ::sigaction(SIGINT, &action, &previous_int);
  ::sigaction(SIGTERM, &action, &previous_term);
  const auto restore_signals = [&] {
    ::sigaction(SIGINT, &previous_int, nullptr);
    ::sigaction(SIGTERM, &previous_term, nullptr);
    g_stop_fd = -1;
    ::close(done_fd);
  };

  FlowWriter writer(out, *fields, *format);
  std::mutex writer_mutex;
  uint64_t accepted = 0;  // records written (or counted with --format none), under the mutex
  const uint64_t limit = opt.count;
  collect::UdpCollector collector(config, [&](std::span<const FlowRecord> records) {
    std::lock_guard lock(writer_mutex);
    if (limit != 0 && accepted >= limit) {
      return;
    }
    if (limit != 0 && accepted + records.size() >= limit) {
      records = records.first(limit - accepted);
      const uint64_t one = 1;
      [[maybe_unused]] const ssize_t n = ::write(done_fd, &one, sizeof(one));
    }
    accepted += records.size();
    if (print) {
      writer.write(records);
    }
  });
  if (const Status started = collector.start(); !started.ok()) {
    fmt::print(stderr, "flowlens collect: {}\n", started.error().message);
    restore_signals();
    return kExitFailure;
  }
  const auto ports = collector.bound_ports();
  for (size_t i = 0; i < config.listen.size(); ++i) {
    collect::ListenAddress bound = config.listen[i];
    bound.port = ports[i];
    fmt::print(stderr, "flowlens collect: listening on {} ({} worker(s), receive buffer {} bytes)\n",
               bound.to_string(), opt.workers, collector.receive_buffer_bytes());
  }

  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(opt.duration_s));
  for (;;) {
    int timeout_ms = -1;
    if (opt.duration_s > 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        break;
      }
      timeout_ms = static_cast<int>(std::min<int64_t>(left.count() + 1, 1'000'000));
    }
    pollfd fds[1] = {{done_fd, POLLIN, 0}};
    const int ready = ::poll(fds, 1, timeout_ms);
    if (ready < 0 && errno == EINTR) {
      continue;
    }
    if (ready != 0) {
      break;  // a signal, --count reached, or poll failed
    }
  }
  collector.stop();
  restore_signals();

  const bool flushed = !print || writer.flush();
  const collect::CollectorStats s = collector.stats();
  fmt::print(stderr, "{}", stats_line(s, accepted));
  if (opt.exporters) {
    fmt::print(stderr, "{}", collect::format_exporter_table(collector.exporters()));
  }
  if (!flushed) {
    fmt::print(stderr, "flowlens collect: writing {}: I/O error\n",
               opt.output.empty() ? std::string("standard output") : opt.output);
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

void add_collect_command(CLI::App& root, int& exit_code) {
  auto opt = std::make_shared<CollectOptions>();
  auto* cmd = root.add_subcommand(
      "collect",
      "Receive flow exports (NetFlow v5, v9, IPFIX, sFlow v5) over UDP and print the decoded\n"
      "records with pmacct's field names, like `flowlens flows`. The protocol is told by each\n"
      "datagram's version field, not by the port.");
  cmd->add_option("-l,--listen", opt->listen,
                  "udp://ADDR:PORT to listen on (repeatable; IPv6 as udp://[::1]:PORT; an\n"
                  "empty ADDR means 127.0.0.1; port 0 = any free port, printed on stderr)")
      ->required();
  cmd->add_option("--workers", opt->workers,
                  "Sockets and threads per listener (SO_REUSEPORT; the kernel keeps each\n"
                  "exporter on one worker, so templates stay together)")
      ->capture_default_str();
  cmd->add_option("--format", opt->format,
                  "Output: jsonl (pmacct JSON lines), csv, table, or none (count only)")
      ->capture_default_str();
  cmd->add_option("--fields", opt->fields,
                  "Fields printed besides times, packets and bytes (pmacct primitive names:\n"
                  "src_host, dst_host, src_port, dst_port, proto, tos, src_mac, dst_mac, vlan,\n"
                  "tcpflags, ...). Records are printed one per exported flow, not aggregated")
      ->capture_default_str();
  cmd->add_option("-o,--output", opt->output, "Write records to FILE instead of standard output");
  cmd->add_option("--sampling", opt->sampling,
                  "CIDR=RATE: sampling rate for exporters in CIDR that announce none;\n"
                  "CIDR=RATE,override: also replaces an announced rate (repeatable; the\n"
                  "longest prefix wins)");
  cmd->add_option("--count", opt->count, "Stop after N records (0 = no limit)")
      ->capture_default_str();
  cmd->add_option("--duration", opt->duration_s, "Stop after S seconds (0 = no limit)")
      ->capture_default_str();
  cmd->add_option("--receive-buffer", opt->receive_buffer,
                  "Socket receive buffer to ask for, bytes (granted size printed on stderr)")
      ->capture_default_str();
  cmd->add_flag("--exporters", opt->exporters,
                "At exit, print each exporter's health (datagrams by protocol, records,\n"
                "templates, held/dropped data sets, sampling, clock skew, errors) on stderr");
  cmd->footer(
      "Runs until SIGINT/SIGTERM (exit 0), --count or --duration. At exit a stats line goes\n"
      "to stderr: datagrams, records, kernel drops (socket buffer overflow, SO_RXQ_OVFL),\n"
      "truncated datagrams and decode errors by reason. Bytes are IP bytes as exported.");
  cmd->callback([opt, &exit_code] { exit_code = run_collect(*opt); });
}

}  // namespace flowlens::app
