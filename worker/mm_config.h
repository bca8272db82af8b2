/*
 * The worker's configuration, read once from the environment at start-up.
 * A missing or malformed setting stops start-up with one line naming it.
 */

#ifndef MM_CONFIG_H
#define MM_CONFIG_H

#include <stddef.h>

#include "chain/mm_chain_config.h"

typedef struct mm_config {
    const char *redis_host;
    int redis_port;
    const char *redis_password;     /* NULL: no AUTH */
    const char *stream;             /* what the edge (or the poller) fills */
    const char *group;
    int report_interval;            /* seconds between backlog reports */

    const char *telegram_token;
    const char *telegram_api_base;
    const char *bot_username;       /* NULL: asked with getMe at start-up */
    const char *webhook_url;        /* NULL: long polling */
    const char *webhook_secret;
    const char *database_url;
    const char *database_read_url;  /* NULL: reads go to the primary */
    const char *environment;
    int log_level;

    int partitions;                 /* per-chat ordering domains */
    int threads;                    /* handler threads in this process */
    int lease_ms;                   /* partition lease lifetime */
    int max_attempts;               /* then the entry is dead-lettered */
    int poll_timeout;               /* getUpdates long-poll seconds */
    int question_seconds;
    int run_length;                 /* questions in a practice run */
    int report_hide;                /* distinct reports that hide a question */
    int engine_period_s;            /* between top-ups and SDI calibrations */
    int engine_threads;             /* generation jobs at once */
    int job_lease_ms;               /* then a dead worker's job is taken over */
    mm_chain_cfg chain;             /* wallets and withdrawals; chain.enabled */
    int rate_global;                /* messages/s, 0 = unlimited */
    int rate_chat;                  /* messages/s per private chat */
    int rate_group_per_min;
} mm_config;

/* Fills cfg from the environment; on error writes one line to err.
 * `need_bot` also requires what `run` needs (token, database). */
int mm_config_load(mm_config *cfg, int need_bot, char *err, size_t errlen);

/* The variables mm_config_load() reads, for --help. */
extern const char *mm_config_help;

#endif /* MM_CONFIG_H */
