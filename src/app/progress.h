#pragma once
// Progress of batch work for `flowlens run`: a redrawn bar on a terminal (files, packets,
// MB/s, ETA), plain log lines every few seconds otherwise, and one final summary line.
// Time comes from an injected Clock (tests drive it by hand).

#include <cstdint>
#include <cstdio>
#include <string>

#include "core/clock.h"
#include "pipeline/ingest.h"

namespace flowlens::app {

enum class ProgressMode : uint8_t { kBar, kLog, kNone };

class ProgressReporter {
 public:
  ProgressReporter(std::FILE* out, ProgressMode mode, Clock& clock, std::string prefix);
  // Renders at most every 200 ms (bar) or 5 s (log).
  void update(const pipeline::IngestProgress& p);
  // The final line, always printed (also in kNone mode).
  void done(const pipeline::IngestProgress& p, const std::string& extra);
  // One line about a problem, printed above the bar.
  void message(const std::string& line);

  // "12.3 MB", "1.2 GB", ... (decimal units, as network tools count bytes).
  static std::string human_bytes(double bytes);
  static std::string human_count(double n);  // "12.3 M"
  static std::string line(const pipeline::IngestProgress& p, double elapsed_s, bool bar);

 private:
  void clear_bar();

  std::FILE* out_;
  ProgressMode mode_;
  Clock& clock_;
  std::string prefix_;
  int64_t start_ns_;
  int64_t last_render_ns_ = INT64_MIN;
  bool bar_shown_ = false;
};

}  // namespace flowlens::app
