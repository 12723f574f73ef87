#pragma once
// Process exit codes, documented in `flowlens --help`.

namespace flowlens::app {

inline constexpr int kExitOk = 0;           // everything read and processed
inline constexpr int kExitInputErrors = 1;  // finished, but some input was damaged or unreadable
inline constexpr int kExitUsage = 2;        // bad command line (flag, value, missing argument)
inline constexpr int kExitFailure = 3;      // could not run (I/O failure, resource limit)

}  // namespace flowlens::app
