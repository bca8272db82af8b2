#include <stddef.h>

#include "log/mm_metrics.h"
#include "sched/mm_budget.h"

typedef struct mm_budget_def {
    mm_sql count;               /* what was spent in the last 24 hours */
    int per_user;               /* the statement takes the user */
    size_t limit;               /* offset of the limit in mm_config */
    const char *label;
} mm_budget_def;

static const mm_budget_def mm_budgets[] = {
    [MM_BUDGET_WALLETS] = { MM_SQL_BUDGET_WALLETS, 0, offsetof(mm_config, wallets_per_day),
                            "budget=\"wallets\"" },
    [MM_BUDGET_GENERATIONS_USER] = { MM_SQL_BUDGET_GENERATIONS_USER, 1,
                                     offsetof(mm_config, generations_per_user_day),
                                     "budget=\"generations_per_user\"" },
    [MM_BUDGET_GENERATIONS] = { MM_SQL_BUDGET_GENERATIONS, 0,
                                offsetof(mm_config, generations_per_day),
                                "budget=\"generations\"" },
};

int mm_budget_limit(const mm_config *cfg, mm_budget b) {
    return *(const int *) ((const char *) cfg + mm_budgets[b].limit);
}

int mm_budget_room(mm_db *db, redisContext *redis, const mm_config *cfg, mm_budget b,
                   long long user_id) {
    const mm_budget_def *d = &mm_budgets[b];
    mm_params p;
    PGresult *res;
    long long spent;

    mm_params_init(&p, d->count);
    if (d->per_user)
        mm_param_ll(&p, user_id);
    if (mm_db_one(db, &p, &res) != 1)
        return -1;
    spent = mm_col_ll(res, 0, 0);
    PQclear(res);
    if (spent < mm_budget_limit(cfg, b))
        return 1;
    if (redis)
        mm_metric_add(redis, "mm_budget_refused_total", d->label, 1);
    return 0;
}
