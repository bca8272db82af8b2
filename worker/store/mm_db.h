/*
 * One PostgreSQL connection with the worker's prepared statements, each
 * prepared on first use.  Every thread owns its connections (the pool is
 * one per thread), so nothing here locks.
 *
 * A statement is run with its parameters gathered in an mm_params, which
 * owns the text of the numbers it was given and is checked against the
 * number of parameters the catalog declares (store/mm_sql.c):
 *
 *     mm_params p;
 *     PGresult *row;
 *
 *     mm_params_init(&p, MM_SQL_USER_GET);
 *     mm_param_ll(&p, user_id);
 *     switch (mm_db_one(db, &p, &row)) { ... }      1 one row, 0 none, -1 error
 *     ... mm_col_int(row, 0, MM_USER_SDI) ...
 */

#ifndef MM_DB_H
#define MM_DB_H

#include <stdint.h>

#include <libpq-fe.h>

#include "store/mm_sql.h"

typedef struct mm_db {
    PGconn *conn;
    const char *url;
    const char *on_connect;     /* SQL run after every (re)connect, or NULL */
    uint64_t prepared[(MM_SQL_COUNT + 63) / 64];
    char err[512];              /* the last failure, one line */
} mm_db;

/* Connects (url is kept, not copied; on_connect survives); 0 or -1 with
 * db->err. */
int mm_db_open(mm_db *db, const char *url);
void mm_db_close(mm_db *db);

/* Reconnects when the connection was lost; 0 when usable. */
int mm_db_ensure(mm_db *db);

#define MM_PARAMS_MAX 24

/* A statement and its parameters in text form (NULL is SQL NULL). */
typedef struct mm_params {
    mm_sql id;
    int n;
    int overflow;               /* more than MM_PARAMS_MAX were added */
    const char *v[MM_PARAMS_MAX];
    char num[MM_PARAMS_MAX][24];
} mm_params;

void mm_params_init(mm_params *p, mm_sql id);
void mm_param_str(mm_params *p, const char *s);     /* kept, not copied; NULL is NULL */
void mm_param_ll(mm_params *p, long long v);
void mm_param_int(mm_params *p, int v);
void mm_param_bool(mm_params *p, int v);            /* "true" / "false" */
void mm_param_null(mm_params *p);

/* Runs p's statement; its rows (the caller PQclear()s), or NULL with
 * db->err (also when p does not hold the declared number of parameters). */
PGresult *mm_db_query(mm_db *db, const mm_params *p);

/* Runs p's statement for its effect; 0, or -1 with db->err. */
int mm_db_do(mm_db *db, const mm_params *p);

/* For statements that return at most one row: 1 with *row set (the caller
 * PQclear()s), 0 when there is no row, -1 with db->err on a failure or
 * when there were several. */
int mm_db_one(mm_db *db, const mm_params *p, PGresult **row);

/* Rows the statement changed (PQcmdTuples), or -1 with db->err. */
long long mm_db_count(mm_db *db, const mm_params *p);

/* One statement of a batch: p (prepared), or plain SQL without parameters;
 * res is filled by mm_db_batch. */
typedef struct mm_db_step {
    const mm_params *p;
    const char *sql;
    PGresult *res;
} mm_db_step;

/* Sends the steps in one round trip (libpq pipeline mode) and collects
 * their results; 0 when every step succeeded, else -1 with db->err and
 * every res NULL.  The caller PQclear()s each res. */
int mm_db_batch(mm_db *db, mm_db_step *steps, int count);

/* BEGIN / COMMIT / ROLLBACK and other SQL without parameters; 0 or -1
 * with db->err. */
int mm_db_exec(mm_db *db, const char *sql);

/* Values of a result's cell; NULL reads as 0 or "". */
long long mm_col_ll(const PGresult *res, int row, int col);
int mm_col_int(const PGresult *res, int row, int col);
double mm_col_double(const PGresult *res, int row, int col);
const char *mm_col_str(const PGresult *res, int row, int col);
int mm_col_null(const PGresult *res, int row, int col);
int mm_col_bool(const PGresult *res, int row, int col);     /* 't' */

#endif /* MM_DB_H */
