// `flowlens serve`: the dashboard, REST API and WebSocket over an existing store, without
// ingesting anything (several `serve` instances may read one store; see issue 4).

#include <fmt/format.h>
#include <poll.h>

#include <atomic>
#include <csignal>
#include <memory>
#include <string>

#include "app/commands.h"
#include "app/exit_codes.h"
#include "app/server_options.h"
#include "collect/exporter_json.h"
#include "app/store_location.h"
#include "store/flow_store.h"

namespace flowlens::app {
namespace {

std::atomic<bool> g_serve_stop{false};
extern "C" void on_serve_signal(int) { g_serve_stop.store(true); }

struct ServeOptions {
  StoreLocation store;
  ServerOptions server;
};

int serve(const ServeOptions& o) {
  const std::string url = o.store.url();
  // Fail early, with the store's own message, when there is nothing to serve.
  auto probe = store::FlowStore::open(url, 0);
  if (!probe) {
    fmt::print(stderr, "flowlens serve: --store {}: {}\n", url, probe.error().message);
    return kExitFailure;
  }
  probe.value().reset();
  // A separate serve process has no collector: the exporters page says so.
  ServerHooks hooks;
  hooks.exporters_json = [] { return collect::to_json(collect::CollectorReport{}); };
  auto srv = start_server(o.server, url, std::move(hooks));
  if (!srv) {
    fmt::print(stderr, "flowlens serve: {}\n", srv.error().message);
    return kExitFailure;
  }
  std::signal(SIGINT, on_serve_signal);
  std::signal(SIGTERM, on_serve_signal);
  const std::string host = o.server.listen.substr(0, o.server.listen.rfind(':'));
  fmt::print(stderr, "flowlens serve: dashboard and API on http://{}:{}/ (store {}); Ctrl-C to stop\n",
             host, srv.value()->port(), url);
  while (!g_serve_stop.load()) ::poll(nullptr, 0, 200);  // waits for a signal
  srv.value()->stop();
  return kExitOk;
}

}  // namespace

void add_serve_command(CLI::App& root, int& exit_code) {
  auto o = std::make_shared<ServeOptions>();
  auto* cmd = root.add_subcommand(
      "serve", "Serve the dashboard, REST API (/api/v1/...) and live WebSocket over a store");
  add_store_options(*cmd, o->store);
  add_server_options(*cmd, o->server, false);
  cmd->footer(
      "The live chart needs windows from a pipeline: `flowlens run` serves them itself; a\n"
      "separate `serve` shows stored data only (the Kafka hot topic joins them later).");
  cmd->callback([o, &exit_code] { exit_code = serve(*o); });
}

}  // namespace flowlens::app
