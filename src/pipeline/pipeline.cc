#include "pipeline/pipeline.h"

#include <algorithm>
#include <utility>

#include "model/rollup.h"

namespace flowlens::pipeline {
namespace {

// Packets handed to the meter at once between pressure checks: big enough for the
// meter's batching, small enough that pending records stay near the bound.
constexpr size_t kChunk = 4096;

}  // namespace

Pipeline::Pipeline(const PipelineConfig& config, store::FlowStore* store,
                   process::WindowSink windows, Clock& clock)
    : config_(config),
      store_(store),
      clock_(clock),
      processor_(
          process::ProcessorConfig{
              .window_ns = config.window_ns,
              .allowed_lateness_ns = config.allowed_lateness_ns,
              .top_n = config.top_n,
              .local_networks = config.local_networks,
          },
          std::move(windows)) {
  // Timeouts are off: the pipeline cuts every flow at window boundaries itself, which is
  // what makes a flush point a valid commit point (see the header).
  meter::FlowTableConfig table;
  table.max_flows = config.max_flows;
  table.active_timeout_ns = 0;
  table.inactive_timeout_ns = 0;
  table.refresh_ns = 0;
  meter_ = std::make_unique<meter::FlowMeter>(meter::Aggregation(), table,
                                              [this](FlowBatch batch) { on_records(batch); });
  last_commit_wall_ns_ = clock_.now_ns();
  if (config.async_commits && store_ != nullptr) writer_ = std::make_unique<StoreWriter>(*store_);
}

Pipeline::~Pipeline() = default;

void Pipeline::on_records(FlowBatch batch) {
  // Held until the next flush point (see flush_meter).
  pending_.insert(pending_.end(), batch.begin(), batch.end());
  counters_.records += batch.size();
}

void Pipeline::flush_meter() {
  meter_->finish();
  ++counters_.flushes;
  feed_processor();
}

void Pipeline::feed_processor() {
  // Records reach the processor only at flush points, so its rollup deltas always
  // describe exactly pending_[0, fed_): what a commit at the last flush point writes.
  for (size_t i = fed_; i < pending_.size(); ++i) {
    if (pending_[i].direction == Direction::kUnknown) {
      pending_[i].direction = processor_.direction_of(pending_[i]);
    }
  }
  if (pending_.size() > fed_) processor_.add(FlowBatch(pending_.data() + fed_, pending_.size() - fed_));
  fed_ = pending_.size();
}

Status Pipeline::maybe_commit(const store::SourceCheckpoint* checkpoint, bool force) {
  if (checkpoint != nullptr) last_flush_checkpoint_ = *checkpoint;
  const int64_t now = clock_.now_ns();
  const bool due = force || fed_ >= config_.commit_records ||
                   now - last_commit_wall_ns_ >= config_.commit_interval_ns;
  if (!due) return Status::Ok();
  return commit(now);
}

Status Pipeline::commit(int64_t now_ns) {
  RollupDelta rollups = processor_.take_rollups();
  if (writer_ != nullptr) {
    if (fed_ > 0 || !rollups.empty() || last_flush_checkpoint_) {
      // Hand pending_[0, fed_) over without copying it; what was metered since the flush
      // point stays pending in a recycled buffer.
      std::vector<FlowRecord> rest = writer_->take_buffer();
      rest.assign(pending_.begin() + static_cast<ptrdiff_t>(fed_), pending_.end());
      pending_.resize(fed_);
      CommitJob job{std::move(pending_), std::move(rollups), std::move(last_flush_checkpoint_)};
      pending_ = std::move(rest);
      Status s = writer_->submit(std::move(job));
      if (!s) return s;
      ++counters_.commits;
    }
    fed_ = 0;
    last_flush_checkpoint_.reset();
    last_commit_wall_ns_ = now_ns;
    return Status::Ok();
  }
  if (store_ != nullptr) {
    store::WriteBatch batch;
    batch.flows = std::span<const FlowRecord>(pending_.data(), fed_);
    batch.rollups = &rollups;
    if (last_flush_checkpoint_) batch.checkpoints = std::span(&*last_flush_checkpoint_, 1);
    if (fed_ > 0 || !rollups.empty() || last_flush_checkpoint_) {
      Status s = store_->write(batch);
      if (!s) return s;
      ++counters_.commits;
    }
  }
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<ptrdiff_t>(fed_));
  fed_ = 0;
  last_flush_checkpoint_.reset();
  last_commit_wall_ns_ = now_ns;
  return Status::Ok();
}

Status Pipeline::commit_to_last_flush() {
  Status s = commit(clock_.now_ns());
  if (!s) return s;
  return writer_ != nullptr ? writer_->drain() : Status::Ok();
}

Status Pipeline::add_packets(std::span<const capture::PacketRecord> packets,
                             const capture::FileIdentity* file) {
  counters_.packets += packets.size();
  const int64_t window = config_.window_ns;
  auto commit_before = [&](const capture::PacketRecord& next) -> Status {
    if (file == nullptr) return maybe_commit(nullptr, false);
    store::SourceCheckpoint cp{file->path, file->device, file->inode, next.file_offset,
                               store::SourceState::kActive, {}};
    return maybe_commit(&cp, false);
  };

  size_t start = 0;  // first packet not yet given to the meter
  for (size_t i = 0; i < packets.size(); ++i) {
    const capture::PacketRecord& p = packets[i];
    const bool crosses = p.has_timestamp && p.time_ns() >= next_boundary_ns_;
    const bool pressure = (i - start) >= kChunk;
    if (!crosses && !pressure) continue;
    if (i > start) meter_->process(packets.subspan(start, i - start));
    start = i;
    if (crosses) {
      if (next_boundary_ns_ != INT64_MIN) {
        flush_meter();
        Status s = commit_before(p);
        if (!s) return s;
      }
      next_boundary_ns_ = bucket_start(p.time_ns(), window) + window;
    } else if (pending_.size() >= config_.max_pending_records) {
      // Memory bound inside one window (e.g. a table evicting under --max-flows).
      flush_meter();
      Status s = commit_before(p);
      if (!s) return s;
    }
  }
  if (start < packets.size()) meter_->process(packets.subspan(start));
  return Status::Ok();
}

Status Pipeline::add_records(FlowBatch records) {
  for (const FlowRecord& r : records) split_at_windows(r, config_.window_ns, pending_);
  counters_.records += records.size();
  feed_processor();
  return maybe_commit(nullptr, false);
}

Status Pipeline::end_file(const capture::FileIdentity* file, uint64_t final_offset,
                          const std::optional<Error>& failure) {
  flush_meter();
  // The next file starts its own window sequence, exactly as it would after a restart
  // that resumes at that file.
  next_boundary_ns_ = INT64_MIN;
  if (failure) {
    ++counters_.files_failed;
  } else {
    ++counters_.files_done;
  }
  if (file == nullptr) return maybe_commit(nullptr, false);
  store::SourceCheckpoint cp{file->path,   file->device,
                             file->inode,  final_offset,
                             failure ? store::SourceState::kFailed : store::SourceState::kDone,
                             failure ? failure->message : std::string()};
  return maybe_commit(&cp, true);
}

Status Pipeline::advance_to(int64_t event_ns) {
  if (next_boundary_ns_ == INT64_MIN || event_ns < next_boundary_ns_) {
    // Inside the current window: the meter holds only its flows, so earlier windows have
    // all their records in the processor and may close now (without this a window closed
    // only once the next one was flushed, a whole window later on a busy link).
    processor_.advance_to(event_ns);
    return Status::Ok();
  }
  flush_meter();
  next_boundary_ns_ = bucket_start(event_ns, config_.window_ns) + config_.window_ns;
  processor_.advance_to(event_ns);
  return maybe_commit(nullptr, false);
}

Status Pipeline::finish() {
  flush_meter();
  processor_.finish();
  Status s = maybe_commit(nullptr, true);
  if (!s) return s;
  return writer_ != nullptr ? writer_->drain() : Status::Ok();
}

}  // namespace flowlens::pipeline
