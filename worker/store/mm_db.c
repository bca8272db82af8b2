#include <stdio.h>
#include <string.h>

#include "store/mm_db.h"

static void mm_db_error(mm_db *db, const char *what, const char *msg) {
    snprintf(db->err, sizeof(db->err), "%s: %.*s", what, (int) strcspn(msg, "\n"), msg);
}

/* NOTICEs ("relation already exists, skipping") are not the operator's business */
static void mm_db_notice(void *arg, const char *message) {
    (void) arg, (void) message;
}

int mm_db_open(mm_db *db, const char *url) {
    memset(db, 0, sizeof(*db));
    db->url = url;
    db->conn = PQconnectdb(url);
    if (PQstatus(db->conn) != CONNECTION_OK) {
        /* libpq's message names host and port, never the password */
        mm_db_error(db, "database connect failed", PQerrorMessage(db->conn));
        PQfinish(db->conn);
        db->conn = NULL;
        return -1;
    }
    PQsetNoticeProcessor(db->conn, mm_db_notice, NULL);
    return 0;
}

void mm_db_close(mm_db *db) {
    if (db->conn)
        PQfinish(db->conn);
    db->conn = NULL;
}

int mm_db_ensure(mm_db *db) {
    if (db->conn && PQstatus(db->conn) == CONNECTION_OK)
        return 0;
    mm_db_close(db);
    return mm_db_open(db, db->url);
}

PGresult *mm_db_run(mm_db *db, mm_sql id, int n, const char *const *params) {
    const mm_sql_stmt *st = &mm_sql_stmts[id];
    uint64_t bit = 1ULL << (id % 64);
    PGresult *res;
    ExecStatusType s;

    if (db->conn == NULL) {
        snprintf(db->err, sizeof(db->err), "no database connection");
        return NULL;
    }
    if (!(db->prepared[id / 64] & bit)) {
        res = PQprepare(db->conn, st->name, st->sql, 0, NULL);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            mm_db_error(db, st->name, PQresultErrorMessage(res));
            PQclear(res);
            return NULL;
        }
        PQclear(res);
        db->prepared[id / 64] |= bit;
    }
    res = PQexecPrepared(db->conn, st->name, n, params, NULL, NULL, 0);
    s = PQresultStatus(res);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        mm_db_error(db, st->name, res ? PQresultErrorMessage(res) : PQerrorMessage(db->conn));
        PQclear(res);
        if (PQstatus(db->conn) != CONNECTION_OK)
            memset(db->prepared, 0, sizeof(db->prepared));
        return NULL;
    }
    return res;
}

int mm_db_do(mm_db *db, mm_sql id, int n, const char *const *params) {
    PGresult *res = mm_db_run(db, id, n, params);

    if (res == NULL)
        return -1;
    PQclear(res);
    return 0;
}

int mm_db_exec(mm_db *db, const char *sql) {
    PGresult *res;

    if (db->conn == NULL) {
        snprintf(db->err, sizeof(db->err), "no database connection");
        return -1;
    }
    res = PQexec(db->conn, sql);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        mm_db_error(db, sql, res ? PQresultErrorMessage(res) : PQerrorMessage(db->conn));
        PQclear(res);
        if (PQstatus(db->conn) != CONNECTION_OK)
            memset(db->prepared, 0, sizeof(db->prepared));
        return -1;
    }
    PQclear(res);
    return 0;
}
