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
    const char *on_connect = db->on_connect;

    memset(db, 0, sizeof(*db));
    db->url = url;
    db->on_connect = on_connect;
    db->conn = PQconnectdb(url);
    if (PQstatus(db->conn) != CONNECTION_OK) {
        /* libpq's message names host and port, never the password */
        mm_db_error(db, "database connect failed", PQerrorMessage(db->conn));
        PQfinish(db->conn);
        db->conn = NULL;
        return -1;
    }
    PQsetNoticeProcessor(db->conn, mm_db_notice, NULL);
    if (db->on_connect && mm_db_exec(db, db->on_connect)) {
        mm_db_close(db);
        return -1;
    }
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

/* Prepares statement id on this connection once; 0 or -1 with db->err. */
static int mm_db_prepare(mm_db *db, mm_sql id) {
    const mm_sql_stmt *st = &mm_sql_stmts[id];
    uint64_t bit = 1ULL << (id % 64);
    PGresult *res;

    if (db->conn == NULL) {
        snprintf(db->err, sizeof(db->err), "no database connection");
        return -1;
    }
    if (db->prepared[id / 64] & bit)
        return 0;
    res = PQprepare(db->conn, st->name, st->sql, 0, NULL);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        mm_db_error(db, st->name, PQresultErrorMessage(res));
        PQclear(res);
        return -1;
    }
    PQclear(res);
    db->prepared[id / 64] |= bit;
    return 0;
}

PGresult *mm_db_run(mm_db *db, mm_sql id, int n, const char *const *params) {
    const mm_sql_stmt *st = &mm_sql_stmts[id];
    PGresult *res;
    ExecStatusType s;

    if (mm_db_prepare(db, id))
        return NULL;
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

int mm_db_batch(mm_db *db, mm_db_step *steps, int count) {
    PGresult *res;
    int rc = 0, sent = 0;

    for (int i = 0; i < count; i++) {
        steps[i].res = NULL;
        if (steps[i].sql == NULL && mm_db_prepare(db, steps[i].id))
            return -1;
    }
    if (!PQenterPipelineMode(db->conn)) {
        mm_db_error(db, "pipeline", PQerrorMessage(db->conn));
        return -1;
    }
    for (; sent < count; sent++) {
        mm_db_step *st = &steps[sent];
        int ok = st->sql
            ? PQsendQueryParams(db->conn, st->sql, 0, NULL, NULL, NULL, NULL, 0)
            : PQsendQueryPrepared(db->conn, mm_sql_stmts[st->id].name, st->n, st->params,
                                  NULL, NULL, 0);
        if (!ok)
            break;
    }
    if (sent < count || !PQpipelineSync(db->conn)) {
        mm_db_error(db, "pipeline", PQerrorMessage(db->conn));
        rc = -1;
    }
    /* each step's results end with NULL; the sync point ends the batch */
    for (int i = 0; i < sent; i++)
        while ((res = PQgetResult(db->conn)) != NULL) {
            ExecStatusType s = PQresultStatus(res);
            if ((s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK) && steps[i].res == NULL) {
                steps[i].res = res;
                continue;
            }
            if (rc == 0 && s != PGRES_PIPELINE_SYNC) {
                mm_db_error(db, steps[i].sql ? steps[i].sql : mm_sql_stmts[steps[i].id].name,
                            s == PGRES_PIPELINE_ABORTED ? "aborted" : PQresultErrorMessage(res));
                rc = -1;
            }
            PQclear(res);
        }
    while ((res = PQgetResult(db->conn)) != NULL) {
        ExecStatusType s = PQresultStatus(res);
        PQclear(res);
        if (s == PGRES_PIPELINE_SYNC)
            break;
    }
    if (!PQexitPipelineMode(db->conn) && rc == 0) {
        mm_db_error(db, "pipeline", PQerrorMessage(db->conn));
        rc = -1;
    }
    if (PQstatus(db->conn) != CONNECTION_OK)
        memset(db->prepared, 0, sizeof(db->prepared));
    if (rc)
        for (int i = 0; i < count; i++) {
            PQclear(steps[i].res);
            steps[i].res = NULL;
        }
    return rc;
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
