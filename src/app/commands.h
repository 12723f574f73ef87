#pragma once
// Each subcommand lives in its own <name>_command.cc and registers itself on the root
// CLI11 app. The callback sets `exit_code`; main returns it.

#include <CLI/CLI.hpp>

namespace flowlens::app {

void add_inspect_command(CLI::App& root, int& exit_code);
void add_flows_command(CLI::App& root, int& exit_code);
void add_generate_command(CLI::App& root, int& exit_code);
void add_run_command(CLI::App& root, int& exit_code);
void add_query_command(CLI::App& root, int& exit_code);
void add_serve_command(CLI::App& root, int& exit_code);
void add_collect_command(CLI::App& root, int& exit_code);
void add_exporters_command(CLI::App& root, int& exit_code);

}  // namespace flowlens::app
