/*
 * Versioned schema migrations, embedded in mm-worker from migrations/ and
 * applied at start-up (and by `mm-worker migrate`): each in its own
 * transaction, under an advisory lock so that several workers starting at
 * once apply each migration exactly once.
 */

#ifndef MM_MIGRATE_H
#define MM_MIGRATE_H

#include <stddef.h>

#include <libpq-fe.h>

typedef struct mm_migration {
    int version;
    const char *name;
    const char *sql;
} mm_migration;

extern const mm_migration mm_migrations[];
extern const size_t mm_migrations_n;

/* Applies what is missing; returns how many were applied, or -1 with err
 * naming the migration and PostgreSQL's message. *version gets the schema
 * version afterwards. */
int mm_migrate(PGconn *conn, int *version, char *err, size_t errlen);

#endif /* MM_MIGRATE_H */
