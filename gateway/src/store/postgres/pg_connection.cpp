#include "store/postgres/pg_connection.hpp"

#include <spdlog/spdlog.h>

#include <poll.h>

#include <charconv>

namespace cgw::gw::pg {

namespace {

std::string dsn_with_timeout(const std::string& dsn) {
  // A database that does not answer must not hold a request for minutes.
  if (dsn.find("connect_timeout") != std::string::npos) return dsn;
  return dsn + " connect_timeout=5";
}

int64_t parse_int64(std::string_view s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size())
    throw PgError("not an integer: '" + std::string(s.substr(0, 32)) + "'", "", false);
  return v;
}

}  // namespace

int64_t PgResult::int64(int row, int col) const {
  return parse_int64(text(row, col));
}

std::optional<int64_t> PgResult::opt_int64(int row, int col) const {
  if (null(row, col)) return std::nullopt;
  return int64(row, col);
}

int64_t PgResult::affected() const {
  const char* n = PQcmdTuples(r_.get());
  return (n && *n) ? parse_int64(n) : 0;
}

PgConnection::PgConnection(const std::string& dsn) {
  conn_ = PQconnectdb(dsn_with_timeout(dsn).c_str());
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string msg = conn_ ? PQerrorMessage(conn_) : "out of memory";
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    PQfinish(conn_);
    conn_ = nullptr;
    throw PgError("cannot connect to PostgreSQL: " + msg, "", true);
  }
  // Server notices (a NOTICE of IF NOT EXISTS, a shutdown's FATAL) go to the
  // log at debug level instead of stderr.
  PQsetNoticeProcessor(
      conn_,
      [](void*, const char* message) {
        std::string_view m(message);
        while (!m.empty() && m.back() == '\n') m.remove_suffix(1);
        spdlog::debug("store: PostgreSQL says: {}", m);
      },
      nullptr);
}

PgConnection::~PgConnection() {
  PQfinish(conn_);
}

void PgConnection::fail(const std::string& what, PGresult* r) {
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  std::string msg = r ? PQresultErrorMessage(r) : "";
  if (msg.empty()) msg = PQerrorMessage(conn_);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  const bool lost = PQstatus(conn_) != CONNECTION_OK;
  std::string sqlstate = state ? state : "";
  if (r) PQclear(r);
  throw PgError(what + ": " + msg, std::move(sqlstate), lost);
}

PgResult PgConnection::exec(const std::string& sql, const std::vector<Param>& params) {
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    const std::string name = "s" + std::to_string(prepared_.size() + 1);
    PGresult* r = PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) fail("prepare", r);
    PQclear(r);
    it = prepared_.emplace(sql, name).first;
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& v : params) values.push_back(v ? v->c_str() : nullptr);
  PGresult* r = PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(values.size()),
                               values.data(), nullptr, nullptr, 0);
  const auto st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) fail("statement", r);
  return PgResult(r);
}

void PgConnection::exec_simple(const std::string& sql) {
  PGresult* r = PQexec(conn_, sql.c_str());
  const auto st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) fail("statement", r);
  PQclear(r);
}

bool PgConnection::ensure_ok() {
  // An idle connection has nothing to read: input (the server's "terminating
  // connection" and end of stream, on a restart) means the server closed it.
  // libpq would notice only when the next statement fails, so the first
  // requests after a restart would get errors; reset it now instead.
  pollfd fd{PQsocket(conn_), POLLIN, 0};
  if (PQstatus(conn_) == CONNECTION_OK && ::poll(&fd, 1, 0) == 0) return true;
  PQreset(conn_);
  prepared_.clear();  // a new server session knows none of them
  return PQstatus(conn_) == CONNECTION_OK;
}

bool PgConnection::in_transaction() const {
  return PQtransactionStatus(conn_) != PQTRANS_IDLE;
}

}  // namespace cgw::gw::pg
