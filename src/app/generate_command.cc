#include "app/commands.h"
#include "app/exit_codes.h"

namespace flowlens::app {

void add_generate_command(CLI::App& root, int& exit_code) {
  auto* cmd = root.add_subcommand("generate", "(not built yet)");
  cmd->callback([&exit_code] { exit_code = kExitFailure; });
}

}  // namespace flowlens::app
