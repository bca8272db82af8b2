/* The statement catalog (store/mm_sql.c): every statement has a name of its
 * own and declares exactly the parameters its SQL uses, $1 .. $n, each of
 * them at least once. */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "../../shared/tests/tap.h"
#include "store/mm_sql.h"

/* Which of $1..$64 the SQL text uses, as bits; *max the highest. */
static unsigned long long mm_test_dollars(const char *sql, int *max) {
    unsigned long long used = 0;

    *max = 0;
    for (const char *c = sql; (c = strchr(c, '$')) != NULL; c++) {
        int n = atoi(c + 1);
        if (!isdigit((unsigned char) c[1]) || n < 1 || n > 64)
            continue;
        used |= 1ULL << (n - 1);
        if (n > *max)
            *max = n;
    }
    return used;
}

int main(void) {
    for (int i = 0; i < MM_SQL_COUNT; i++) {
        const mm_sql_stmt *st = &mm_sql_stmts[i];
        int max;
        unsigned long long used;

        if (!tap_ok(st->name != NULL && st->sql != NULL, "statement %d is in the catalog", i))
            continue;
        used = mm_test_dollars(st->sql, &max);
        ok(max == st->nparams, "%s declares %d parameters and uses $%d", st->name, st->nparams,
           max);
        ok(used == (max ? (~0ULL >> (64 - max)) : 0), "%s uses every one of $1..$%d",
           st->name, max);
        for (int j = 0; j < i; j++)
            if (mm_sql_stmts[j].name && !strcmp(mm_sql_stmts[j].name, st->name))
                ok(0, "%s is named once", st->name);
    }
    return tap_done();
}
