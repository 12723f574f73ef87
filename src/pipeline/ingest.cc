#include "pipeline/ingest.h"

#include <sys/stat.h>

#include <array>
#include <map>
#include <utility>

#include "capture/capture_reader.h"

namespace flowlens::pipeline {
namespace {

constexpr size_t kReadBatch = 1024;
// Progress is reported every this many batches (about 1 M packets).
constexpr uint64_t kProgressEveryBatches = 1024;
// How long the directory driver waits for news before checking `stop` again.
constexpr int kWaitMs = 200;

bool stopped(const IngestHooks& hooks) {
  return hooks.stop != nullptr && hooks.stop->load(std::memory_order_relaxed);
}

void report(const IngestHooks& hooks, const IngestProgress& p) {
  if (hooks.progress) hooks.progress(p);
}

}  // namespace

Result<IngestResult> ingest_files(Pipeline& pipeline, const std::vector<std::string>& paths,
                                  const IngestHooks& hooks) {
  IngestResult result;
  IngestProgress& progress = result.progress;
  progress.files_total = paths.size();
  for (const std::string& path : paths) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) progress.bytes_total += static_cast<uint64_t>(st.st_size);
  }
  uint64_t bytes_before_file = 0;
  std::array<capture::PacketRecord, kReadBatch> batch;
  for (const std::string& path : paths) {
    if (stopped(hooks)) break;
    progress.current_file = path;
    report(hooks, progress);
    auto reader = capture::CaptureReader::open(path);
    if (!reader) {
      result.had_damage = true;
      ++progress.files_failed;
      if (hooks.report) hooks.report(reader.error());
      continue;
    }
    capture::CaptureReader& r = *reader.value();
    uint64_t batches = 0;
    while (size_t n = r.read_batch(batch)) {
      Status s = pipeline.add_packets(std::span(batch.data(), n));
      if (!s) return s.error();
      progress.packets += n;
      if (++batches % kProgressEveryBatches == 0) {
        progress.bytes_read = bytes_before_file + r.position();
        report(hooks, progress);
        if (stopped(hooks)) break;
      }
    }
    bytes_before_file += r.position();
    progress.bytes_read = bytes_before_file;
    const std::optional<Error>& damage = r.error();
    if (damage) {
      result.had_damage = true;
      ++progress.files_failed;
      if (hooks.report) hooks.report(*damage);
    } else {
      ++progress.files_done;
    }
    Status s = pipeline.end_file(nullptr, r.position(), damage);
    if (!s) return s.error();
    report(hooks, progress);
  }
  Status s = pipeline.finish();
  if (!s) return s.error();
  return result;
}

Result<IngestResult> ingest_directory(Pipeline& pipeline, store::FlowStore* store,
                                      const capture::DirectorySourceConfig& config, Clock& clock,
                                      const IngestHooks& hooks) {
  std::map<std::string, store::SourceCheckpoint> known;
  if (store != nullptr) {
    auto checkpoints = store->checkpoints();
    if (!checkpoints) return checkpoints.error();
    for (store::SourceCheckpoint& cp : checkpoints.value()) known[cp.path] = std::move(cp);
  }
  auto resume = [&known](const capture::FileIdentity& file) -> capture::ResumePoint {
    auto it = known.find(file.path);
    if (it == known.end()) return {};
    const store::SourceCheckpoint& cp = it->second;
    // Same name, other file (rotated over, replaced): read it from the start.
    if (cp.device != file.device || cp.inode != file.inode) return {};
    if (cp.state != store::SourceState::kActive) return {.skip = true, .offset = cp.offset};
    return {.skip = false, .offset = cp.offset};
  };
  auto source = capture::DirectorySource::open(config, resume, clock);
  if (!source) return source.error();
  capture::DirectorySource& dir = *source.value();

  IngestResult result;
  IngestProgress& progress = result.progress;
  uint64_t batches = 0;
  while (!stopped(hooks)) {
    capture::DirectoryEvent ev = dir.next(kWaitMs);
    using Kind = capture::DirectoryEvent::Kind;
    switch (ev.kind) {
      case Kind::kPackets: {
        Status s = pipeline.add_packets(ev.packets, &ev.file);
        if (!s) return s.error();
        progress.packets += ev.packets.size();
        if (++batches % kProgressEveryBatches == 0) {
          progress.bytes_read = dir.bytes_read();
          report(hooks, progress);
        }
        break;
      }
      case Kind::kFileStarted:
        progress.current_file = ev.file.path;
        report(hooks, progress);
        break;
      case Kind::kFileFinished:
      case Kind::kFileFailed: {
        const bool failed = ev.kind == Kind::kFileFailed;
        if (failed) {
          result.had_damage = true;
          ++progress.files_failed;
          if (hooks.report && ev.error) hooks.report(*ev.error);
        } else {
          ++progress.files_done;
        }
        Status s = pipeline.end_file(&ev.file, ev.offset_after, failed ? ev.error : std::nullopt);
        if (!s) return s.error();
        progress.bytes_read = dir.bytes_read();
        report(hooks, progress);
        break;
      }
      case Kind::kIdle:
        break;
      case Kind::kError:
        return ev.error ? *ev.error : Error{"watched directory failed: " + config.directory};
      case Kind::kEnd: {
        Status s = pipeline.finish();
        if (!s) return s.error();
        return result;
      }
    }
  }
  // Stopped: commit up to the last flush point with its checkpoint; what the meter held
  // since is read again next time (committing it here without a checkpoint past it
  // would count it twice).
  Status s = pipeline.commit_to_last_flush();
  if (!s) return s.error();
  return result;
}

}  // namespace flowlens::pipeline
