#pragma once
// Cutting ready-made flow records (flow exports) at window boundaries, the way the
// pipeline cuts metered flows (pipeline.h): a record never spans two windows.
//
// A router exports a flow after its inactive or active timeout, so one record can cover
// minutes (an active timeout of 30 min is common). Charged to the window of its start,
// it would show as one spike minutes in the past; bytes per 10 s would be wrong both
// there and in every window the flow really crossed. split_at_windows() spreads it
// instead, in proportion to time:
//  - piece k covers [max(start, w_k), min(end, w_k + W)) of the record's duration;
//  - packets are apportioned by time with cumulative rounding (floor(packets * elapsed /
//    duration) at each boundary), bytes in proportion to the packets so given (by time
//    when the record has bytes but no packets), so the pieces sum exactly to the record;
//    pieces that receive neither a packet nor a byte are left out;
//  - every piece keeps the record's keys and flow count: a flow crossing windows counts in
//    each (as a metered flow cut at a boundary does, and as pmacct's print_refresh_time
//    does);
//  - a record within one window (the usual case for short flows) or with end <= start is
//    passed through unchanged; one with neither packets nor bytes is kept whole in the
//    window of its end;
//  - at most kMaxPieces windows are used: a longer record (an exporter with a broken
//    clock, or a very long active timeout) is spread over the last kMaxPieces windows up
//    to its end, so one datagram cannot make unbounded work.
// Piece times: start_ns = max(start, window start), end_ns = min(end, window end - 1).

#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/flow_record.h"

namespace flowlens::pipeline {

inline constexpr size_t kMaxPieces = 1024;

// Appends the pieces of `record` to `out`. window_ns > 0.
void split_at_windows(const FlowRecord& record, int64_t window_ns, std::vector<FlowRecord>& out);

}  // namespace flowlens::pipeline
