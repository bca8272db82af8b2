#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/mm_migrate.h"

/* any constant: one lock for every process that migrates this database */
#define MM_MIGRATE_LOCK  "7261728657"

/* runs sql; 0, or -1 with PostgreSQL's first line in err */
static int mm_migrate_exec(PGconn *conn, const char *sql, const char *what, char *err,
                           size_t errlen) {
    PGresult *res = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(res);
    int rc = 0;

    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        const char *msg = PQresultErrorMessage(res);
        snprintf(err, errlen, "%s: %.*s", what, (int) strcspn(msg, "\n"), msg);
        rc = -1;
    }
    PQclear(res);
    return rc;
}

/* 1 when version is recorded as mm_migrate_applied, 0 when not, -1 on error */
static int mm_migrate_applied(PGconn *conn, int version, char *err, size_t errlen) {
    char v[16];
    const char *params[1] = { v };
    PGresult *res;
    int rc;

    snprintf(v, sizeof(v), "%d", version);
    res = PQexecParams(conn, "SELECT 1 FROM schema_migrations WHERE version = $1",
                       1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        snprintf(err, errlen, "reading schema_migrations: %s", PQresultErrorMessage(res));
        rc = -1;
    } else {
        rc = PQntuples(res) > 0;
    }
    PQclear(res);
    return rc;
}

int mm_migrate(PGconn *conn, int *version, char *err, size_t errlen) {
    int count = 0;
    char what[96], insert[160];

    *version = 0;
    for (size_t i = 0; i < mm_migrations_n; i++) {
        const mm_migration *m = &mm_migrations[i];
        int done;

        snprintf(what, sizeof(what), "migration %03d_%s", m->version, m->name);
        if (mm_migrate_exec(conn, "BEGIN", what, err, errlen)
            || mm_migrate_exec(conn, "SELECT pg_advisory_xact_lock(" MM_MIGRATE_LOCK ")", what, err,
                               errlen)
            || mm_migrate_exec(conn,
                               "CREATE TABLE IF NOT EXISTS schema_migrations ("
                               " version integer PRIMARY KEY, name text NOT NULL,"
                               " applied_at timestamptz NOT NULL DEFAULT now())",
                               what, err, errlen)
            || (done = mm_migrate_applied(conn, m->version, err, errlen)) < 0)
            goto fail;
        if (!done) {
            snprintf(insert, sizeof(insert),
                     "INSERT INTO schema_migrations (version, name) VALUES (%d, '%s')",
                     m->version, m->name);
            if (mm_migrate_exec(conn, m->sql, what, err, errlen)
                || mm_migrate_exec(conn, insert, what, err, errlen))
                goto fail;
            count++;
        }
        if (mm_migrate_exec(conn, "COMMIT", what, err, errlen))
            goto fail;
        *version = m->version;
    }
    return count;

fail:
    PQclear(PQexec(conn, "ROLLBACK"));
    return -1;
}
