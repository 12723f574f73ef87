// `flowlens run`: the embedded pipeline in one process — a source (live interfaces,
// capture files, a watched directory, or the demo network), the flow meter, event-time
// windows and rollups, and the SQLite store. See src/pipeline/README.md.

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "app/cli_values.h"
#include "app/commands.h"
#include "app/exit_codes.h"
#include "app/progress.h"
#include "app/server_options.h"
#include "app/store_location.h"
#include "capture/live_capture.h"
#include "collect/exporter_json.h"
#include "collect/listen_address.h"
#include "collect/udp_collector.h"
#include "core/clock.h"
#include "model/rollup.h"
#include "pipeline/ingest.h"
#include "pipeline/pipeline.h"
#include "pipeline/record_inbox.h"
#include "process/stream_processor.h"
#include "store/flow_store.h"
#include "synth/demo_network.h"

namespace flowlens::app {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int) { g_stop.store(true); }

struct RunOptions {
  std::vector<std::string> interfaces;
  std::string filter;
  int snaplen = 262144;
  bool no_promisc = false;
  std::vector<std::string> files;
  std::string watch;
  std::string pattern = "*.pcap*";
  bool once = false;
  std::string idle_timeout = "30s";
  std::vector<std::string> collect;
  unsigned collect_workers = 1;
  std::vector<std::string> sampling;
  bool demo = false;
  std::string demo_history = "7d";
  uint64_t demo_seed = 1;
  std::string demo_live;  // "" = until stopped
  uint32_t demo_local_hosts = 12;
  std::string demo_local_net = "10.1.0.0/24";
  std::string window = "10s";
  std::string allowed_lateness;  // "" = 5s for files, 0s for live capture, 30s for exports
  std::vector<std::string> local_nets;
  uint32_t top_n = 10;
  size_t max_flows = 4'000'000;
  StoreLocation store;
  ServerOptions server;
  std::string retention = "flows=7d,window=2d,minute=30d,hour=400d,day=0";
  std::string retention_size = "0";
  bool print_windows = false;
  std::string progress = "auto";
};

constexpr const char* kPrefix = "flowlens run: ";

int usage_error(const std::string& message) {
  fmt::print(stderr, "{}{}\n", kPrefix, message);
  return kExitUsage;
}

int failure(const std::string& message) {
  fmt::print(stderr, "{}{}\n", kPrefix, message);
  return kExitFailure;
}

// Runs the live loop shared by interfaces, the collector and the demo: `poll` brings packets for up to
// ~100 ms and returns false on a fatal error; event time advances with the clock so quiet
// windows still close.
template <typename Poll>
int live_loop(pipeline::Pipeline& pipe, Clock& clock, Poll&& poll,
              const std::function<Status()>& before_finish = {}) {
  // Packets still in flight (kernel buffers, libpcap timeout) may carry times up to this
  // much behind the clock; the window is cut only after that.
  constexpr int64_t kSlackNs = 500'000'000;
  while (!g_stop.load()) {
    if (!poll()) return kExitFailure;
    Status s = pipe.advance_to(clock.now_ns() - kSlackNs);
    if (!s) return failure(s.error().message);
  }
  if (before_finish) {
    if (Status s = before_finish(); !s) return failure(s.error().message);
  }
  Status s = pipe.finish();
  if (!s) return failure(s.error().message);
  return kExitOk;
}

int run(const RunOptions& opt) {
  const int kinds = (!opt.interfaces.empty() ? 1 : 0) + (!opt.files.empty() ? 1 : 0) +
                    (!opt.watch.empty() ? 1 : 0) + (opt.demo ? 1 : 0) + (!opt.collect.empty() ? 1 : 0);
  if (kinds > 1) {
    return usage_error(
        "give one source: -i IFACE..., -r FILE..., --watch DIR, --collect udp://ADDR:PORT... or --demo");
  }
  const bool demo = opt.demo || kinds == 0;

  pipeline::PipelineConfig config;
  config.async_commits = true;  // SQLite work on its own thread, beside reading and metering
  const auto window = parse_duration(opt.window);
  if (!window || *window < 1'000'000'000 || *window > 3600LL * 1'000'000'000 ||
      (60LL * 1'000'000'000) % *window != 0) {
    return usage_error(fmt::format(
        "--window {}: expected a duration from 1s to 60s that divides a minute (1s, 2s, 5s, "
        "10s, 15s, 20s, 30s, 60s)",
        opt.window));
  }
  config.window_ns = *window;
  // Live sources (capture, demo) already cut windows 0.5 s behind the clock for packets
  // in flight; waiting longer only delays the live chart (issue 4: a packet's window
  // must reach the browser within window + 1 s). Files can be out of order by more.
  // Exporters send a flow only after its inactive timeout (15 s on most routers) or at
  // its active timeout: a window waits 30 s for them (long flows are spread over the
  // windows they cover, see pipeline/window_split.h; the part older than that goes to
  // the rollups only).
  const bool live_source = !opt.interfaces.empty() || demo;
  const std::string lateness_text =
      !opt.allowed_lateness.empty() ? opt.allowed_lateness
                                    : (!opt.collect.empty() ? "30s" : (live_source ? "0s" : "5s"));
  const auto lateness = parse_duration(lateness_text);
  if (!lateness) return usage_error(fmt::format("--allowed-lateness {}: expected a duration like 5s", opt.allowed_lateness));
  config.allowed_lateness_ns = *lateness;
  auto nets = parse_networks(opt.local_nets, "--local-net");
  if (!nets) return usage_error(nets.error().message);
  config.local_networks = nets.value();
  std::optional<int64_t> demo_live;
  if (!opt.demo_live.empty()) {
    demo_live = parse_duration(opt.demo_live);
    if (!demo_live) return usage_error(fmt::format("--demo-live {}: expected a duration like 1h (0 = seed and exit)", opt.demo_live));
  }
  synth::DemoNetworkConfig demo_config;
  demo_config.seed = opt.demo_seed;
  demo_config.local_hosts = opt.demo_local_hosts;
  demo_config.local_network = opt.demo_local_net;
  if (demo && config.local_networks.empty()) {
    auto net = IpNetwork::parse(opt.demo_local_net);
    if (!net) return usage_error(fmt::format("--demo-local-net {}: not a CIDR network", opt.demo_local_net));
    config.local_networks.push_back(*net);
    config.local_networks.push_back(*IpNetwork::parse(synth::DemoNetwork::kLocalNetworkV6));
  }
  config.top_n = opt.top_n;
  if (opt.max_flows == 0) return usage_error("--max-flows must be at least 1");
  config.max_flows = opt.max_flows;
  const auto idle = parse_duration(opt.idle_timeout);
  if (!idle) return usage_error(fmt::format("--idle-timeout {}: expected a duration like 30s", opt.idle_timeout));
  const auto history = parse_duration(opt.demo_history);
  if (!history) return usage_error(fmt::format("--demo-history {}: expected a duration like 7d", opt.demo_history));

  collect::UdpCollectorConfig collector_config;
  for (const std::string& text : opt.collect) {
    auto address = collect::parse_listen_address(text);
    if (!address) return usage_error(fmt::format("--collect: {}", address.error().message));
    collector_config.listen.push_back(*address);
  }
  for (const std::string& text : opt.sampling) {
    auto rule = parse_sampling(text);
    if (!rule) return usage_error(rule.error().message);
    collector_config.decoder.sampling_rules.push_back(*rule);
  }
  if (opt.collect_workers == 0 || opt.collect_workers > 64) {
    return usage_error(fmt::format("--collect-workers {}: expected 1-64", opt.collect_workers));
  }
  collector_config.workers_per_listener = opt.collect_workers;

  store::RetentionPolicy retention;
  {
    // "flows=7d,window=2d,...": only the tables named change.
    std::string_view rest = opt.retention;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      const std::string_view item = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      const size_t eq = item.find('=');
      const std::string_view table = item.substr(0, eq);
      const auto age = eq == std::string_view::npos ? std::nullopt : parse_duration(item.substr(eq + 1));
      int64_t* slot = nullptr;
      if (table == "flows") slot = &retention.flows_max_age_ns;
      for (int r = 0; r < kResolutionCount; ++r) {
        if (table == to_string(static_cast<Resolution>(r))) slot = &retention.max_age_ns[r];
      }
      if (slot == nullptr || !age) {
        return usage_error(fmt::format(
            "--retention '{}': expected TABLE=AGE items separated by commas, TABLE one of flows, "
            "window, minute, hour, day and AGE a duration like 7d (0 = forever)",
            item));
      }
      *slot = *age;
    }
  }
  const auto max_bytes = parse_size(opt.retention_size);
  if (!max_bytes) return usage_error(fmt::format("--retention-size {}: expected a size like 10GB (0 = no limit)", opt.retention_size));
  retention.max_bytes = *max_bytes;

  ProgressMode mode = ProgressMode::kLog;
  if (opt.progress == "auto") {
    mode = ::isatty(STDERR_FILENO) ? ProgressMode::kBar : ProgressMode::kLog;
  } else if (opt.progress == "bar") {
    mode = ProgressMode::kBar;
  } else if (opt.progress == "log") {
    mode = ProgressMode::kLog;
  } else if (opt.progress == "none") {
    mode = ProgressMode::kNone;
  } else {
    return usage_error(fmt::format("--progress {}: expected auto, bar, log or none", opt.progress));
  }

  const std::string url = opt.store.url();
  auto opened = store::FlowStore::open(url, config.window_ns);
  if (!opened) return failure(fmt::format("--store {}: {}", url, opened.error().message));
  store::FlowStore& db = *opened.value();

  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);

  SystemClock& clock = SystemClock::instance();
  ProgressReporter progress(stderr, mode, clock, kPrefix);
  // The collector's state for GET /api/v1/exporters and /metrics; the server starts
  // before the collector and may be asked while it starts or stops.
  struct CollectorView {
    std::mutex mu;
    const collect::UdpCollector* collector = nullptr;
    std::vector<std::string> listeners;
    collect::CollectorReport report() {
      std::lock_guard lock(mu);
      if (collector == nullptr) return {};
      return collect::report_of(*collector, listeners);
    }
  };
  auto view = std::make_shared<CollectorView>();
  std::unique_ptr<server::HttpServer> http;
  if (!opt.server.disabled) {
    ServerHooks server_hooks;
    server_hooks.exporters_json = [view] { return collect::to_json(view->report()); };
    server_hooks.extra_metrics = [view] { return collect::to_prometheus(view->report()); };
    auto started = start_server(opt.server, url, server_hooks);
    if (!started) return failure(started.error().message);
    http = std::move(started).value();
    progress.message(fmt::format("dashboard and API on http://{}/",
                                 opt.server.listen.substr(0, opt.server.listen.rfind(':')) + ":" +
                                     std::to_string(http->port())));
  }
  process::WindowSink windows = [print = opt.print_windows,
                                 srv = http.get()](const process::WindowSummary& w) {
    if (srv != nullptr) srv->publish(w);
    if (print) {
      std::fputs(process::to_json(w).c_str(), stdout);
      std::fputc('\n', stdout);
      std::fflush(stdout);
    }
  };
  pipeline::Pipeline pipe(config, &db, windows, clock);

  pipeline::IngestHooks hooks;
  hooks.progress = [&progress](const pipeline::IngestProgress& p) { progress.update(p); };
  hooks.report = [&progress](const Error& e) { progress.message(e.message); };
  hooks.stop = &g_stop;

  int code = kExitOk;
  std::string what;
  if (!opt.files.empty() || !opt.watch.empty()) {
    Result<pipeline::IngestResult> result = Error{""};
    if (!opt.files.empty()) {
      result = pipeline::ingest_files(pipe, opt.files, hooks);
    } else {
      capture::DirectorySourceConfig dir;
      dir.directory = opt.watch;
      dir.pattern = opt.pattern;
      dir.once = opt.once;
      dir.idle_timeout_ns = *idle;
      result = pipeline::ingest_directory(pipe, &db, dir, clock, hooks);
    }
    if (!result) return failure(result.error().message);
    const auto& c = pipe.counters();
    progress.done(result.value().progress,
                  fmt::format("{} flow records, {} windows, {} late records, {} commits",
                              c.records, pipe.processor().counters().windows_closed,
                              pipe.processor().counters().late_records, c.commits));
    if (result.value().had_damage) code = kExitInputErrors;
  } else if (!opt.interfaces.empty()) {
    capture::LiveCaptureConfig live;
    live.interfaces = opt.interfaces;
    live.filter = opt.filter;
    live.snaplen = opt.snaplen;
    live.promiscuous = !opt.no_promisc;
    auto cap = capture::LiveCapture::open(live);
    if (!cap) return failure(cap.error().message);
    std::vector<capture::PacketRecord> batch(1024);
    progress.message(fmt::format("capturing on {} (Ctrl-C to stop); store {}",
                                 fmt::join(opt.interfaces, ", "), url));
    Status err = Status::Ok();
    code = live_loop(pipe, clock, [&] {
      const size_t n = cap.value()->read_batch(batch, 100);
      if (n == 0) {
        // An interface that fails (unplugged, taken down) is dropped by LiveCapture; with
        // none left read_batch would return at once forever.
        const auto st = cap.value()->stats();
        if (std::all_of(st.begin(), st.end(), [](const auto& i) { return !i.error.empty(); })) {
          std::vector<std::string> why;
          for (const auto& i : st) why.push_back(i.name + ": " + i.error);
          err = Error{fmt::format("no interface left to capture on ({})", fmt::join(why, "; "))};
          return false;
        }
      }
      Status s = pipe.add_packets(std::span(batch.data(), n));
      if (!s) {
        err = s;
        return false;
      }
      return true;
    });
    if (!err) return failure(err.error().message);
    for (const capture::InterfaceStats& st : cap.value()->stats()) {
      progress.message(fmt::format("{}: {} packets received, {} dropped by the kernel, {} by the interface",
                                   st.name, st.received, st.dropped, st.if_dropped));
    }
  } else if (!opt.collect.empty()) {
    // Workers push decoded records into the inbox; this thread spreads them over their
    // windows (Pipeline::add_records) and moves event time with the clock. A full inbox
    // blocks the workers, so a pipeline that cannot keep up shows as kernel drops.
    pipeline::RecordInbox inbox(1 << 20);
    collect::UdpCollector collector(
        collector_config, [&inbox](std::span<const FlowRecord> records) { inbox.push(records); }, clock);
    if (Status s = collector.start(); !s) return failure(fmt::format("--collect: {}", s.error().message));
    {
      std::lock_guard lock(view->mu);
      const auto ports = collector.bound_ports();
      for (size_t i = 0; i < collector_config.listen.size(); ++i) {
        collect::ListenAddress bound = collector_config.listen[i];
        bound.port = ports[i];
        view->listeners.push_back(bound.to_string());
        progress.message(fmt::format("collecting flow exports on {} ({} worker(s), receive buffer {} bytes)",
                                     bound.to_string(), opt.collect_workers,
                                     collector.receive_buffer_bytes()));
      }
      view->collector = &collector;
    }
    std::vector<FlowRecord> got;
    Status err = Status::Ok();
    code = live_loop(pipe, clock, [&] {
      inbox.take(got, std::chrono::milliseconds(100));
      err = pipe.add_records(got);
      return err.ok();
    }, [&] {
      // Stopping: workers finish the batch in hand (close() keeps them from blocking on
      // a full inbox), and what they pushed is still stored.
      inbox.close();
      collector.stop();
      inbox.take(got, std::chrono::milliseconds(0));
      return pipe.add_records(got);
    });
    // Also after a failure in the loop: a worker may be blocked on the full inbox.
    inbox.close();
    collector.stop();
    const collect::CollectorReport last = view->report();
    {
      std::lock_guard lock(view->mu);
      view->collector = nullptr;
    }
    if (!err) return failure(err.error().message);
    const auto& t = last.totals;
    progress.message(fmt::format(
        "collected {} datagrams, {} records from {} exporter(s); kernel drops {}, truncated {}, "
        "decode errors {}",
        t.datagrams, t.records, last.exporters.size(), t.kernel_drops, t.truncated,
        [&] {
          uint64_t n = 0;
          for (uint64_t e : t.decode_errors) n += e;
          return n;
        }()));
  } else if (demo) {
    auto net = synth::DemoNetwork::create(demo_config);
    if (!net) return usage_error(net.error().message);
    auto stats = whole_store_summary(db);
    if (!stats) return failure(stats.error().message);
    const int64_t now = clock.now_ns();
    const int64_t live_from = bucket_start(now, config.window_ns);
    if (stats.value().stored_flows == 0 && *history > 0) {
      progress.message(fmt::format("demo: seeding {} of history into {}", opt.demo_history, url));
      Status err = Status::Ok();
      net.value().history(live_from - *history, live_from, config.window_ns,
                          [&](std::span<const FlowRecord> records) {
                            if (err) err = pipe.add_records(records);
                          });
      if (!err) return failure(err.error().message);
    }
    if (demo_live && *demo_live == 0) {
      Status s = pipe.finish();
      if (!s) return failure(s.error().message);
      progress.message(fmt::format("demo: {} records seeded", pipe.counters().records));
      return kExitOk;
    }
    const int64_t live_until = demo_live ? clock.now_ns() + *demo_live : INT64_MAX;
    progress.message("demo: live traffic from the demo network (Ctrl-C to stop)");
    std::vector<uint8_t> frames;
    std::vector<capture::PacketRecord> packets;
    int64_t event_ns = std::max(live_from, stats.value().last_ns + 1);
    Status err = Status::Ok();
    code = live_loop(pipe, clock, [&] {
      // Event time follows the wall clock in ~100 ms slices.
      const int64_t until = clock.now_ns();
      if (until >= live_until) g_stop.store(true);
      if (until > event_ns) {
        frames.clear();
        packets.clear();
        net.value().live(event_ns, until, frames, packets);
        event_ns = until;
        Status s = pipe.add_packets(packets);
        if (!s) {
          err = s;
          return false;
        }
      }
      ::usleep(100'000);  // pacing the generator, not synchronisation
      return true;
    });
    if (!err) return failure(err.error().message);
  }

  auto summary = whole_store_summary(db);
  if (summary && summary.value().last_ns > 0) {
    // Age is measured from the newest data, not the wall clock: replaying last month's
    // capture must not delete what it just stored.
    auto report = db.apply_retention(retention, summary.value().last_ns);
    if (!report) return failure(report.error().message);
  }
  return code;
}

}  // namespace

void add_run_command(CLI::App& root, int& exit_code) {
  auto opt = std::make_shared<RunOptions>();
  auto* cmd = root.add_subcommand(
      "run",
      "Run the embedded pipeline: capture or read packets, meter them into flows, window\n"
      "and roll them up by event time, and store everything in SQLite. Without a source,\n"
      "runs the demo network (a week of history, then live traffic).");
  cmd->add_option("-i,--interface", opt->interfaces, "Capture live on IFACE (repeatable)")
      ->group("Sources");
  cmd->add_option("-f,--filter", opt->filter, "BPF filter for live capture, e.g. 'tcp or udp'")
      ->group("Sources");
  cmd->add_option("--snaplen", opt->snaplen, "Bytes captured per packet (live)")
      ->capture_default_str()
      ->check(CLI::Range(64, 262144))
      ->group("Sources");
  cmd->add_flag("--no-promisc", opt->no_promisc, "Do not put interfaces in promiscuous mode")
      ->group("Sources");
  cmd->add_option("-r,--read", opt->files, "Read capture file(s) (pcap, pcapng), in order")
      ->group("Sources");
  cmd->add_option("--watch", opt->watch,
                  "Follow a directory that receives capture files (tcpdump -w/-G/-C); each\n"
                  "file's progress is stored with its data, so a restart neither loses nor\n"
                  "repeats anything")
      ->group("Sources");
  cmd->add_option("--pattern", opt->pattern, "File name glob for --watch")
      ->capture_default_str()
      ->group("Sources");
  cmd->add_flag("--once", opt->once, "--watch: read what is there, then exit")->group("Sources");
  cmd->add_option("--idle-timeout", opt->idle_timeout,
                  "--watch: a file that has not grown for this long is complete")
      ->capture_default_str()
      ->group("Sources");
  cmd->add_option("--collect", opt->collect,
                  "Receive flow exports (NetFlow v5/v9, IPFIX, sFlow v5; told by each datagram's\n"
                  "version) on udp://ADDR:PORT (repeatable; e.g. udp://0.0.0.0:2055). Exporter\n"
                  "health: GET /api/v1/exporters, `flowlens exporters`, /metrics")
      ->group("Sources");
  cmd->add_option("--collect-workers", opt->collect_workers,
                  "--collect: sockets and threads per listener (SO_REUSEPORT)")
      ->capture_default_str()
      ->group("Sources");
  cmd->add_option("--sampling", opt->sampling,
                  "--collect: CIDR=RATE sampling rate for exporters in CIDR that announce none;\n"
                  "CIDR=RATE,override also replaces an announced rate (repeatable)")
      ->group("Sources");
  cmd->add_flag("--demo", opt->demo, "Synthetic demo network (the default without a source)")
      ->group("Sources");
  cmd->add_option("--demo-history", opt->demo_history,
                  "History seeded into an empty store before live demo traffic")
      ->capture_default_str()
      ->group("Sources");
  cmd->add_option("--demo-seed", opt->demo_seed, "Seed of the demo network")
      ->capture_default_str()
      ->group("Sources");
  cmd->add_option("--demo-live", opt->demo_live,
                  "Stop the demo after this much live traffic (0 = seed history and exit;\n"
                  "default: until stopped)")
      ->group("Sources");
  cmd->add_option("--demo-local-net", opt->demo_local_net, "The demo's local IPv4 network")
      ->capture_default_str()
      ->group("Sources");
  cmd->add_option("--demo-local-hosts", opt->demo_local_hosts, "Local hosts in the demo network")
      ->capture_default_str()
      ->group("Sources");
  cmd->add_option("--window", opt->window, "Window length (event time; divides a minute)")
      ->capture_default_str()
      ->group("Processing");
  cmd->add_option("--allowed-lateness", opt->allowed_lateness,
                  "How long a window waits for late records before its summary is final\n"
                  "(later records still update the stored rollups). Default: 5s for -r and\n"
                  "--watch; 0s for -i and --demo, which already wait 0.5 s for packets in flight;\n"
                  "30s for --collect (exporters send a flow after its inactive timeout)")
      ->group("Processing");
  cmd->add_option("--local-net", opt->local_nets,
                  "Local network(s), CIDR: in/out per local host and network")
      ->group("Processing");
  cmd->add_option("--top-n", opt->top_n, "Top hosts/ports kept per window summary")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000))
      ->group("Processing");
  cmd->add_option("--max-flows", opt->max_flows, "Live flows kept by the meter (~128 B each)")
      ->capture_default_str()
      ->group("Processing");
  add_store_options(*cmd, opt->store);
  add_server_options(*cmd, opt->server, true);
  cmd->add_option("--retention", opt->retention,
                  "How long each table keeps data, measured from the newest data (not the\n"
                  "wall clock); TABLE=AGE items, 0 = forever; items not given keep their default")
      ->capture_default_str()
      ->group("Store");
  cmd->add_option("--retention-size", opt->retention_size,
                  "Cap the store size (e.g. 10GB); oldest raw flows go first, hour/day\n"
                  "rollups are kept (0 = no cap)")
      ->capture_default_str()
      ->group("Store");
  cmd->add_flag("--print-windows", opt->print_windows,
                "Print each closed window's summary as a JSON line on stdout")
      ->group("Output");
  cmd->add_option("--progress", opt->progress, "auto (bar on a terminal, else log lines), bar, log, none")
      ->capture_default_str()
      ->group("Output");
  cmd->footer(
      "Event time comes from the data: replaying last week's capture fills last week.\n"
      "Stop with Ctrl-C / SIGTERM: what was read is committed. Query the store with\n"
      "'flowlens query'.");
  cmd->callback([opt, &exit_code] { exit_code = run(*opt); });
}

}  // namespace flowlens::app
