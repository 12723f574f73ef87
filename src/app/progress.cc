#include "app/progress.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace flowlens::app {
namespace {

constexpr int64_t kBarEveryNs = 200'000'000;
constexpr int64_t kLogEveryNs = 5'000'000'000;
constexpr int kBarWidth = 24;

std::string eta_text(double seconds) {
  if (!(seconds >= 0) || seconds > 360000) return "--:--";
  const auto s = static_cast<int64_t>(seconds);
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

}  // namespace

ProgressReporter::ProgressReporter(std::FILE* out, ProgressMode mode, Clock& clock,
                                   std::string prefix)
    : out_(out), mode_(mode), clock_(clock), prefix_(std::move(prefix)), start_ns_(clock.now_ns()) {}

std::string ProgressReporter::human_bytes(double bytes) {
  static constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB"};
  int u = 0;
  while (bytes >= 1000 && u < 5) {
    bytes /= 1000;
    ++u;
  }
  return u == 0 ? fmt::format("{:.0f} B", bytes) : fmt::format("{:.1f} {}", bytes, kUnits[u]);
}

std::string ProgressReporter::human_count(double n) {
  if (n >= 1e9) return fmt::format("{:.2f} G", n / 1e9);
  if (n >= 1e6) return fmt::format("{:.2f} M", n / 1e6);
  if (n >= 1e3) return fmt::format("{:.1f} k", n / 1e3);
  return fmt::format("{:.0f}", n);
}

std::string ProgressReporter::line(const pipeline::IngestProgress& p, double elapsed_s, bool bar) {
  const double rate = elapsed_s > 0 ? static_cast<double>(p.bytes_read) / elapsed_s : 0;
  std::string files = p.files_total > 0
                          ? fmt::format("{}/{} files", p.files_done + p.files_failed, p.files_total)
                          : fmt::format("{} files", p.files_done + p.files_failed);
  if (p.files_failed > 0) files += fmt::format(" ({} damaged)", p.files_failed);
  std::string text = fmt::format("{}, {} packets, {}, {}/s", files,
                                 human_count(static_cast<double>(p.packets)),
                                 human_bytes(static_cast<double>(p.bytes_read)), human_bytes(rate));
  if (!p.current_file.empty() && !bar) {
    const size_t slash = p.current_file.rfind('/');
    text += ", at " + (slash == std::string::npos ? p.current_file : p.current_file.substr(slash + 1));
  }
  if (p.bytes_total > 0) {
    const double fraction =
        std::clamp(static_cast<double>(p.bytes_read) / static_cast<double>(p.bytes_total), 0.0, 1.0);
    const double eta =
        rate > 0 ? static_cast<double>(p.bytes_total - std::min(p.bytes_read, p.bytes_total)) / rate : -1;
    text += fmt::format(", ETA {}", eta_text(eta));
    if (bar) {
      const int filled = static_cast<int>(std::lround(fraction * kBarWidth));
      text = fmt::format("[{}{}] {:3.0f}% ", std::string(static_cast<size_t>(filled), '#'),
                         std::string(static_cast<size_t>(kBarWidth - filled), '.'), fraction * 100) +
             text;
    }
  }
  return text;
}

void ProgressReporter::clear_bar() {
  if (bar_shown_) {
    fmt::print(out_, "\r\033[K");
    bar_shown_ = false;
  }
}

void ProgressReporter::update(const pipeline::IngestProgress& p) {
  if (mode_ == ProgressMode::kNone) return;
  const int64_t now = clock_.now_ns();
  const int64_t every = mode_ == ProgressMode::kBar ? kBarEveryNs : kLogEveryNs;
  if (last_render_ns_ != INT64_MIN && now - last_render_ns_ < every) return;
  last_render_ns_ = now;
  const double elapsed = static_cast<double>(now - start_ns_) / 1e9;
  if (mode_ == ProgressMode::kBar) {
    fmt::print(out_, "\r\033[K{}{}", prefix_, line(p, elapsed, true));
    bar_shown_ = true;
  } else {
    fmt::print(out_, "{}{}\n", prefix_, line(p, elapsed, false));
  }
  std::fflush(out_);
}

void ProgressReporter::done(const pipeline::IngestProgress& p, const std::string& extra) {
  clear_bar();
  const double elapsed = static_cast<double>(clock_.now_ns() - start_ns_) / 1e9;
  pipeline::IngestProgress final_p = p;
  final_p.bytes_total = 0;  // no ETA in the summary
  fmt::print(out_, "{}done: {} in {:.2f} s{}\n", prefix_, line(final_p, elapsed, false), elapsed,
             extra.empty() ? "" : "; " + extra);
  std::fflush(out_);
}

void ProgressReporter::message(const std::string& text) {
  clear_bar();
  fmt::print(out_, "{}{}\n", prefix_, text);
  std::fflush(out_);
}

}  // namespace flowlens::app
