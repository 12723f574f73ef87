#pragma once
// Where the store lives, shared by `run` and `query`: --store URL, else sqlite:// in the
// data directory (--data-dir, else $FLOWLENS_DATA_DIR, else $XDG_DATA_HOME/flowlens,
// else ~/.local/share/flowlens).

#include <CLI/CLI.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "model/rollup.h"
#include "store/flow_store.h"

namespace flowlens::app {

struct StoreLocation {
  std::string store_url;
  std::string data_dir;

  std::string resolved_data_dir() const {
    if (!data_dir.empty()) return data_dir;
    if (const char* d = std::getenv("FLOWLENS_DATA_DIR"); d && *d) return d;
    if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) return std::string(x) + "/flowlens";
    if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.local/share/flowlens";
    return "flowlens-data";
  }
  std::string url() const {
    return store_url.empty() ? "sqlite://" + resolved_data_dir() + "/flowlens.db" : store_url;
  }
};

// Totals and extent of everything stored, read from day rollups (a day-aligned range):
// never a scan of the raw flows.
using store::whole_store_summary;

inline void add_store_options(CLI::App& cmd, StoreLocation& loc) {
  cmd.add_option("--store", loc.store_url,
                 "Store URL: sqlite://PATH (default: sqlite://DATA_DIR/flowlens.db)")
      ->group("Store");
  cmd.add_option("--data-dir", loc.data_dir,
                 "Data directory (default $FLOWLENS_DATA_DIR, $XDG_DATA_HOME/flowlens or\n"
                 "~/.local/share/flowlens)")
      ->group("Store");
}

}  // namespace flowlens::app
