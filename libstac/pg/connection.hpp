#pragma once
// A blocking libpq connection for the command-line tools (migrate, load, federation,
// harvest). The server uses the asynchronous pool instead. Values reach SQL only as
// bind parameters.

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace stacfed::pg {

// A bind parameter in text format; nullopt is SQL NULL.
using Param = std::optional<std::string>;

class Result {
 public:
  Result() = default;
  explicit Result(PGresult* result) : result_(result, &PQclear) {}

  int Rows() const { return result_ ? PQntuples(result_.get()) : 0; }
  int Columns() const { return result_ ? PQnfields(result_.get()) : 0; }
  bool IsNull(int row, int column) const { return PQgetisnull(result_.get(), row, column); }
  std::string_view Get(int row, int column) const {
    return {PQgetvalue(result_.get(), row, column),
            static_cast<size_t>(PQgetlength(result_.get(), row, column))};
  }
  // The value of row 0, column 0 (for single-value queries).
  std::string_view Scalar() const { return Get(0, 0); }
  const PGresult* raw() const { return result_.get(); }

 private:
  std::shared_ptr<PGresult> result_;
};

// How PostgreSQL plans a statement. Generic: prepared once per connection and planned without
// its values (plan_cache_mode = force_generic_plan for the server's sessions): no planning per
// request, for statements whose best plan does not depend on the values, or that decide at run
// time (search/query.hpp). Custom: not prepared; planned with the actual values on every
// execution, for statements whose plan does (a count over a filter, where the statistics of
// the values decide between an index and a scan), at the price of planning each time.
enum class Plan { kGeneric, kCustom };

class Connection {
 public:
  // Opens a connection from a libpq URL or key=value string.
  static absl::StatusOr<Connection> Open(const std::string& url);

  Connection(Connection&&) = default;
  Connection& operator=(Connection&&) = default;

  // Runs one or more statements without parameters (DDL, BEGIN/COMMIT, migration files).
  absl::Status Execute(std::string_view sql);
  // Runs one statement with text bind parameters.
  absl::StatusOr<Result> Query(std::string_view sql, const std::vector<Param>& params = {});

  // COPY ... FROM STDIN: Begin, then Put any number of chunks, then End.
  absl::Status CopyBegin(std::string_view copy_sql);
  absl::Status CopyPut(std::string_view data);
  absl::Status CopyEnd();

  PGconn* raw() const { return conn_.get(); }

 private:
  explicit Connection(PGconn* conn) : conn_(conn, &PQfinish) {}
  std::unique_ptr<PGconn, void (*)(PGconn*)> conn_;
};

// A transaction that rolls back unless committed.
class Transaction {
 public:
  static absl::StatusOr<Transaction> Begin(Connection& conn);
  Transaction(Transaction&& other) noexcept : conn_(other.conn_) { other.conn_ = nullptr; }
  ~Transaction();
  absl::Status Commit();

 private:
  explicit Transaction(Connection* conn) : conn_(conn) {}
  Connection* conn_;
};

}  // namespace stacfed::pg
