#include "libstac/pg/connection.hpp"

#include "libstac/base/strings.hpp"
#include "libstac/pg/sqlstate.hpp"

namespace stacfed::pg {
namespace {

bool Succeeded(const PGresult* result) {
  if (result == nullptr) return false;
  auto status = PQresultStatus(result);
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_COPY_IN ||
         status == PGRES_EMPTY_QUERY;
}

}  // namespace

absl::StatusOr<Connection> Connection::Open(const std::string& url) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (conn == nullptr) return absl::UnavailableError("cannot allocate a database connection");
  Connection connection(conn);
  if (PQstatus(conn) != CONNECTION_OK) {
    return absl::UnavailableError(
        StrCat("cannot connect to the database: ", PQerrorMessage(conn)));
  }
  // Server notices (IF NOT EXISTS, ...) are not for the user's terminal.
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  return connection;
}

absl::Status Connection::Execute(std::string_view sql) {
  Result result(PQexec(conn_.get(), std::string(sql).c_str()));
  if (!Succeeded(result.raw())) return StatusFromResult(result.raw(), "SQL failed");
  return absl::OkStatus();
}

absl::StatusOr<Result> Connection::Query(std::string_view sql, const std::vector<Param>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  Result result(PQexecParams(conn_.get(), std::string(sql).c_str(),
                             static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                             nullptr, 0));
  if (!Succeeded(result.raw())) return StatusFromResult(result.raw(), "query failed");
  return result;
}

absl::Status Connection::CopyBegin(std::string_view copy_sql) {
  Result result(PQexec(conn_.get(), std::string(copy_sql).c_str()));
  if (result.raw() == nullptr || PQresultStatus(result.raw()) != PGRES_COPY_IN) {
    return StatusFromResult(result.raw(), "COPY failed to start");
  }
  return absl::OkStatus();
}

absl::Status Connection::CopyPut(std::string_view data) {
  if (PQputCopyData(conn_.get(), data.data(), static_cast<int>(data.size())) != 1) {
    return absl::UnavailableError(StrCat("COPY failed: ", PQerrorMessage(conn_.get())));
  }
  return absl::OkStatus();
}

absl::Status Connection::CopyEnd() {
  if (PQputCopyEnd(conn_.get(), nullptr) != 1) {
    return absl::UnavailableError(StrCat("COPY failed: ", PQerrorMessage(conn_.get())));
  }
  absl::Status status = absl::OkStatus();
  while (PGresult* raw = PQgetResult(conn_.get())) {
    Result result(raw);
    if (status.ok() && !Succeeded(raw)) status = StatusFromResult(raw, "COPY failed");
  }
  return status;
}

absl::StatusOr<Transaction> Transaction::Begin(Connection& conn) {
  auto status = conn.Execute("BEGIN");
  if (!status.ok()) return status;
  return Transaction(&conn);
}

Transaction::~Transaction() {
  if (conn_ != nullptr) (void)conn_->Execute("ROLLBACK");
}

absl::Status Transaction::Commit() {
  Connection* conn = conn_;
  conn_ = nullptr;
  return conn->Execute("COMMIT");
}

}  // namespace stacfed::pg
