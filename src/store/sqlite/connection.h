#pragma once
// Connection: one SQLite database handle plus its cache of prepared statements.
//
// Contract:
//  - Opened in multi-thread mode (no per-call mutex): a Connection is used by one thread
//    at a time, as FlowStore requires.
//  - prepare() returns the cached statement for the exact SQL text, preparing it the
//    first time. SQL texts are composed by the store from fixed fragments only; request
//    values are always bound. A statement is borrowed until the returned Statement dies,
//    so the same SQL cannot be stepped twice at once (prepare_owned() gives instances of
//    their own for that).
//  - Errors name the step that failed and carry SQLite's message.

#include <sqlite3.h>

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"
#include "store/sqlite/statement.h"

namespace flowlens::store::sqlite {

class Connection {
 public:
  static Result<std::unique_ptr<Connection>> open(const std::string& path);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Result<Statement> prepare(const std::string& sql);
  // A statement of its own, not cached (finalized when the Statement dies): for stepping
  // several instances of one SQL text at once.
  Result<Statement> prepare_owned(const std::string& sql);
  // Runs SQL that binds nothing and returns no rows we need (DDL, pragmas, BEGIN).
  Status exec(const std::string& sql, std::string_view step);
  // Runs a statement to completion, mapping failure to an Error naming `step`.
  Status run(Statement& stmt, std::string_view step);
  // Single integer result of a bind-free query (PRAGMA page_count, count(*)...).
  Result<int64_t> query_int(const std::string& sql, std::string_view step);

  Error error(std::string_view step) const;
  Error error(std::string_view step, int rc) const;
  int64_t changes() const { return sqlite3_changes64(db_); }
  const std::string& path() const { return path_; }

 private:
  Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

// A read transaction: every statement of the connection inside it sees one snapshot of
// the database, the one current at its first read (of meta.generation, which every
// commit of the store changes: two read transactions that read the same generation see
// the same data). Ends (COMMIT) when destroyed.
class ReadTransaction {
 public:
  static Result<std::unique_ptr<ReadTransaction>> begin(Connection& db);
  ~ReadTransaction();
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;
  int64_t generation() const { return generation_; }

 private:
  explicit ReadTransaction(Connection& db) : db_(db) {}
  Connection& db_;
  int64_t generation_ = 0;  // no row yet: no write of this version committed
};

}  // namespace flowlens::store::sqlite
