// `flowlens inspect FILE... [--json]`: what a capture file holds, in the terms of
// testdata/EXPECTED.tsv (tshark's reading), so the two can be compared line by line.

#include <cstdio>
#include <string>
#include <vector>

#include "app/commands.h"
#include "app/exit_codes.h"
#include "capture/capture_summary.h"
#include "core/json_writer.h"

namespace flowlens::app {
namespace {

void print_json(const std::string& file, const capture::CaptureSummary* s, const Error* error) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().member("file", file);
  if (s != nullptr) {
    for (const auto& [name, text] : capture::summary_columns(*s)) {
      const bool numeric = name == "packets" || name == "captured_bytes" ||
                           name == "wire_bytes" || name.rfind("outer_", 0) == 0;
      if (numeric) {
        w.member(name, static_cast<uint64_t>(std::stoull(text)));
      } else if (name == "ts_nondecreasing") {
        if (text == "-") {
          w.key(name).null();
        } else {
          w.member(name, text == "yes");
        }
      } else if (text == "-") {
        w.key(name).null();  // first_ts / last_ts without any timestamped packet
      } else {
        w.member(name, text);  // timestamps stay strings: tshark's exact digits
      }
    }
    w.member("interfaces", uint64_t{s->info.interface_count});
    if (s->read_error) {
      w.member("warning", s->read_error->message);
      w.member("warning_offset", s->read_error->offset);
    }
  }
  if (error != nullptr) {
    w.member("error", error->message);
    w.member("error_offset", error->offset);
  }
  w.end_object();
  out += '\n';
  std::fwrite(out.data(), 1, out.size(), stdout);
}

void print_table(const std::string& file, const capture::CaptureSummary& s) {
  std::printf("%s\n", file.c_str());
  for (const auto& [name, text] : capture::summary_columns(s)) {
    std::printf("  %-18s %s\n", name.c_str(), text.c_str());
  }
  if (s.read_error) {
    std::printf("  %-18s %s\n", "warning", s.read_error->message.c_str());
  }
}

int inspect_files(const std::vector<std::string>& files, bool json) {
  int rc = kExitOk;
  bool first = true;
  for (const auto& file : files) {
    if (!json && !first) {
      std::printf("\n");
    }
    first = false;
    auto summary = capture::summarize_capture_file(file);
    if (!summary.ok()) {
      std::fprintf(stderr, "flowlens inspect: error: %s\n", summary.error().message.c_str());
      if (json) {
        print_json(file, nullptr, &summary.error());
      }
      rc = kExitInputErrors;
      continue;
    }
    const auto& s = *summary;
    if (s.read_error) {
      std::fprintf(stderr,
                   "flowlens inspect: warning: %s (reading stopped there; the %llu packets "
                   "before it are counted)\n",
                   s.read_error->message.c_str(), static_cast<unsigned long long>(s.packets));
      rc = kExitInputErrors;
    }
    if (json) {
      print_json(file, &s, nullptr);
    } else {
      print_table(file, s);
    }
    std::fflush(stdout);
  }
  return rc;
}

}  // namespace

void add_inspect_command(CLI::App& root, int& exit_code) {
  auto* cmd = root.add_subcommand(
      "inspect",
      "Summarise capture files (pcap/pcapng, detected by content): format, link types, "
      "packet and byte counts, first/last timestamp as tshark prints them, and the "
      "outer-IP flow counts.");
  struct Options {
    std::vector<std::string> files;
    bool json = false;
  };
  auto opts = std::make_shared<Options>();
  cmd->add_option("files", opts->files, "Capture files to read ('-' = standard input)")
      ->required()
      ->expected(1, -1);
  cmd->add_flag("--json", opts->json,
                "Print JSON Lines: one JSON object per file, one per line. Unreadable files "
                "give {\"file\",\"error\",\"error_offset\"}; damaged ones carry \"warning\" "
                "and \"warning_offset\" beside the counts");
  cmd->footer(
      "Exit code 1 when a file cannot be read or is damaged after its header: what was "
      "read before the damage is still printed, and stderr names the file, the byte "
      "offset and the reason.");
  cmd->callback([opts, &exit_code] { exit_code = inspect_files(opts->files, opts->json); });
}

}  // namespace flowlens::app
