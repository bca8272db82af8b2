/*
 * One PostgreSQL connection with the worker's prepared statements, each
 * prepared on first use.  Every thread owns its connections (the pool is
 * one per thread), so nothing here locks.
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

/* Runs a prepared statement; NULL on failure with db->err.  The caller
 * PQclear()s.  Params are text; NULL is SQL NULL. */
PGresult *mm_db_run(mm_db *db, mm_sql id, int n, const char *const *params);

/* Like mm_db_run for statements whose rows are not needed. */
int mm_db_do(mm_db *db, mm_sql id, int n, const char *const *params);

/* One statement of a batch: a prepared one (sql NULL) or plain SQL
 * without parameters; res is filled by mm_db_batch. */
typedef struct mm_db_step {
    mm_sql id;
    const char *sql;
    int n;
    const char *const *params;
    PGresult *res;
} mm_db_step;

/* Sends the steps in one round trip (libpq pipeline mode) and collects
 * their results; 0 when every step succeeded, else -1 with db->err and
 * the failed steps' res NULL.  The caller PQclear()s each res. */
int mm_db_batch(mm_db *db, mm_db_step *steps, int count);

/* BEGIN / COMMIT / ROLLBACK; 0 or -1 with db->err. */
int mm_db_exec(mm_db *db, const char *sql);

#endif /* MM_DB_H */
