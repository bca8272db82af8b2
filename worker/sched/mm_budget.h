/*
 * Daily budgets of work that costs the operator money: a new wallet (the
 * operator funds its account on chain) and a quiz written by a language
 * model (paid per call).  Counted from the rows the work leaves
 * (wallets, generation jobs) over the last 24 hours, so every worker
 * process sees the same spend; two requests at the same moment may pass
 * the last unit of a budget together — a budget, not a lock.
 */

#ifndef MM_BUDGET_H
#define MM_BUDGET_H

#include <hiredis/hiredis.h>

#include "mm_config.h"
#include "store/mm_db.h"

typedef enum {
    MM_BUDGET_WALLETS,          /* MM_WALLETS_PER_DAY: new wallets, all players */
    MM_BUDGET_GENERATIONS_USER, /* MM_GENERATIONS_PER_USER_DAY: one player's new quizzes */
    MM_BUDGET_GENERATIONS,      /* MM_GENERATIONS_PER_DAY: every generation, top-ups too */
} mm_budget;

/* 1 when another one fits in budget b today (user_id for the per-player
 * budget), 0 when it is spent (counted in mm:metrics as
 * mm_budget_refused_total{budget}; redis may be NULL), -1 with db->err. */
int mm_budget_room(mm_db *db, redisContext *redis, const mm_config *cfg, mm_budget b,
                   long long user_id);

/* The daily limit of budget b, for messages. */
int mm_budget_limit(const mm_config *cfg, mm_budget b);

#endif /* MM_BUDGET_H */
