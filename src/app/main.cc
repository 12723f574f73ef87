// flowlens: network traffic analytics. See README.md and `flowlens --help`.

#include <CLI/CLI.hpp>

#include <cstdio>

#include "app/commands.h"
#include "app/exit_codes.h"
#include "app/version.h"

int main(int argc, char** argv) {
  using namespace flowlens::app;
  CLI::App root{
      "Flowlens: meter packets and flow exports into flows, aggregate and show them.\n"};
  root.footer(
      "Exit codes:\n"
      "  0  success\n"
      "  1  finished, but some input was damaged or unreadable (details on stderr)\n"
      "  2  bad command line\n"
      "  3  could not run (I/O failure, resource limit)\n"
      "\nRun 'flowlens COMMAND --help' for the options of one command.");
  root.set_version_flag("-V,--version", std::string("flowlens ") + kVersion);
  root.require_subcommand(1);

  int exit_code = kExitOk;
  add_inspect_command(root, exit_code);
  add_flows_command(root, exit_code);
  add_generate_command(root, exit_code);
  add_run_command(root, exit_code);
  add_query_command(root, exit_code);
  add_serve_command(root, exit_code);
  add_collect_command(root, exit_code);
  add_exporters_command(root, exit_code);

  try {
    root.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = root.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  return exit_code;
}
