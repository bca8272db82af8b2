#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/mm_db.h"

/* what failed and libpq's first line on it; never an empty reason (libpq
 * gives "" for a result it could not make: the connection is the news) */
static void mm_db_error(mm_db *db, const char *what, const char *msg) {
    if ((msg == NULL || *msg == '\0') && db->conn)
        msg = PQerrorMessage(db->conn);
    if (msg == NULL || *msg == '\0')
        msg = "no answer from the server (connection lost)";
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
    if (url == NULL) {
        snprintf(db->err, sizeof(db->err), "DATABASE_URL is not set");
        return -1;
    }
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

void mm_params_init(mm_params *p, mm_sql id) {
    p->id = id;
    p->n = 0;
    p->overflow = 0;
}

void mm_param_str(mm_params *p, const char *s) {
    if (p->n == MM_PARAMS_MAX) {
        p->overflow = 1;
        return;
    }
    p->v[p->n++] = s;
}

void mm_param_ll(mm_params *p, long long v) {
    if (p->n == MM_PARAMS_MAX) {
        p->overflow = 1;
        return;
    }
    snprintf(p->num[p->n], sizeof(p->num[0]), "%lld", v);
    p->v[p->n] = p->num[p->n];
    p->n++;
}

void mm_param_int(mm_params *p, int v) {
    mm_param_ll(p, v);
}

void mm_param_bool(mm_params *p, int v) {
    mm_param_str(p, v ? "true" : "false");
}

void mm_param_null(mm_params *p) {
    mm_param_str(p, NULL);
}

/* A lost connection forgets what was prepared on it. */
static void mm_db_check_conn(mm_db *db) {
    if (PQstatus(db->conn) != CONNECTION_OK)
        memset(db->prepared, 0, sizeof(db->prepared));
}

/* Prepares p's statement on this connection once, after checking p holds
 * what the catalog declares; 0 or -1 with db->err. */
static int mm_db_prepare(mm_db *db, const mm_params *p) {
    const mm_sql_stmt *st = &mm_sql_stmts[p->id];
    uint64_t bit = 1ULL << (p->id % 64);
    PGresult *res;

    if (p->overflow || p->n != st->nparams) {
        snprintf(db->err, sizeof(db->err), "%s takes %d parameters, not %d", st->name,
                 st->nparams, p->overflow ? MM_PARAMS_MAX + 1 : p->n);
        return -1;
    }
    if (db->conn == NULL) {
        snprintf(db->err, sizeof(db->err), "no database connection");
        return -1;
    }
    if (db->prepared[p->id / 64] & bit)
        return 0;
    res = PQprepare(db->conn, st->name, st->sql, 0, NULL);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        mm_db_error(db, st->name, res ? PQresultErrorMessage(res) : PQerrorMessage(db->conn));
        PQclear(res);
        mm_db_check_conn(db);
        return -1;
    }
    PQclear(res);
    db->prepared[p->id / 64] |= bit;
    return 0;
}

PGresult *mm_db_query(mm_db *db, const mm_params *p) {
    const mm_sql_stmt *st = &mm_sql_stmts[p->id];
    PGresult *res;
    ExecStatusType s;

    if (mm_db_prepare(db, p))
        return NULL;
    res = PQexecPrepared(db->conn, st->name, p->n, p->v, NULL, NULL, 0);
    s = PQresultStatus(res);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        mm_db_error(db, st->name, res ? PQresultErrorMessage(res) : PQerrorMessage(db->conn));
        PQclear(res);
        mm_db_check_conn(db);
        return NULL;
    }
    return res;
}

int mm_db_do(mm_db *db, const mm_params *p) {
    PGresult *res = mm_db_query(db, p);

    if (res == NULL)
        return -1;
    PQclear(res);
    return 0;
}

int mm_db_one(mm_db *db, const mm_params *p, PGresult **row) {
    PGresult *res = mm_db_query(db, p);
    int n;

    *row = NULL;
    if (res == NULL)
        return -1;
    if ((n = PQntuples(res)) > 1) {
        snprintf(db->err, sizeof(db->err), "%s: %d rows where one was expected",
                 mm_sql_stmts[p->id].name, n);
        PQclear(res);
        return -1;
    }
    if (n == 0) {
        PQclear(res);
        return 0;
    }
    *row = res;
    return 1;
}

long long mm_db_count(mm_db *db, const mm_params *p) {
    PGresult *res = mm_db_query(db, p);
    long long n;

    if (res == NULL)
        return -1;
    n = atoll(PQcmdTuples(res));
    PQclear(res);
    return n;
}

/* The name a step's error is reported under. */
static const char *mm_db_step_name(const mm_db_step *st) {
    return st->sql ? st->sql : mm_sql_stmts[st->p->id].name;
}

int mm_db_batch(mm_db *db, mm_db_step *steps, int count) {
    PGresult *res;
    int rc = 0, sent = 0;

    for (int i = 0; i < count; i++) {
        steps[i].res = NULL;
        if (steps[i].sql == NULL && mm_db_prepare(db, steps[i].p))
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
            : PQsendQueryPrepared(db->conn, mm_sql_stmts[st->p->id].name, st->p->n, st->p->v,
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
                mm_db_error(db, mm_db_step_name(&steps[i]),
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
    mm_db_check_conn(db);
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
        mm_db_check_conn(db);
        return -1;
    }
    PQclear(res);
    return 0;
}

long long mm_col_ll(const PGresult *res, int row, int col) {
    return atoll(PQgetvalue(res, row, col));
}

int mm_col_int(const PGresult *res, int row, int col) {
    return atoi(PQgetvalue(res, row, col));
}

double mm_col_double(const PGresult *res, int row, int col) {
    return atof(PQgetvalue(res, row, col));
}

const char *mm_col_str(const PGresult *res, int row, int col) {
    return PQgetvalue(res, row, col);
}

int mm_col_null(const PGresult *res, int row, int col) {
    return PQgetisnull(res, row, col);
}

int mm_col_bool(const PGresult *res, int row, int col) {
    return PQgetvalue(res, row, col)[0] == 't';
}
