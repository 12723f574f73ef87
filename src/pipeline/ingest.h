#pragma once
// Drivers that feed a Pipeline from capture files: a list of files (`-r`) and a watched
// directory (`--watch`). Live capture and the demo network are driven by the app, which
// owns their pacing.
//
// Both drivers stop early when `stop` becomes true (SIGINT/SIGTERM): they then finish the
// pipeline, so what was read is committed; a watched file's checkpoint marks where to go
// on next time.

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "capture/directory_source.h"
#include "core/clock.h"
#include "core/result.h"
#include "pipeline/pipeline.h"
#include "store/flow_store.h"

namespace flowlens::pipeline {

struct IngestProgress {
  std::string current_file;
  uint64_t files_done = 0;
  uint64_t files_failed = 0;
  uint64_t files_total = 0;  // 0 when unknown (watched directory)
  uint64_t packets = 0;
  uint64_t bytes_read = 0;   // capture bytes consumed
  uint64_t bytes_total = 0;  // 0 when unknown
};

struct IngestHooks {
  // Called every few batches and at each file start/end; keep it cheap.
  std::function<void(const IngestProgress&)> progress;
  // One line per damaged file / directory problem (file, offset, reason).
  std::function<void(const Error&)> report;
  const std::atomic<bool>* stop = nullptr;
};

struct IngestResult {
  IngestProgress progress;
  bool had_damage = false;  // some file was damaged or unreadable (exit code 1)
};

// Reads every file in order, through `pipeline`, then finishes it. Damaged files are
// reported and keep what was readable; the others continue.
Result<IngestResult> ingest_files(Pipeline& pipeline, const std::vector<std::string>& paths,
                                  const IngestHooks& hooks);

// Follows `config.directory` (once or until stopped), resuming every file from the
// checkpoints in `store` (may be null: start from scratch).
Result<IngestResult> ingest_directory(Pipeline& pipeline, store::FlowStore* store,
                                      const capture::DirectorySourceConfig& config, Clock& clock,
                                      const IngestHooks& hooks);

}  // namespace flowlens::pipeline
