/*
 * The worker's configuration: every environment variable it reads, named
 * once in one table (mm_config.c) with its area, bounds, default and
 * help, and read once at start-up into mm_config.  A missing or malformed
 * setting stops start-up (or a command) with one line naming it.
 *
 * Areas are read by their loaders: mm_config_load() (core and bot, this
 * file), mm_llm_config() and mm_wiki_config() (engine/), and
 * mm_chain_config() (chain/), each reading its rows through
 * mm_config_read(); the command-line tools use the same loaders.
 */

#ifndef MM_CONFIG_H
#define MM_CONFIG_H

#include <stdio.h>

#include "log/mm_log.h"

#define MM_CFG_CORE     0x01    /* Redis, PostgreSQL, logs, the stream and its consumers */
#define MM_CFG_BOT      0x02    /* Telegram and how the bot plays */
#define MM_CFG_LLM      0x04    /* language models */
#define MM_CFG_WIKI     0x08    /* Wikipedia context */
#define MM_CFG_CHAIN    0x10    /* NEAR: wallets, payouts, deposits */
#define MM_CFG_ALL      0x1f

#define MM_TOKENS_MAX 8

typedef struct mm_token {
    char symbol[16];            /* what players type: NEAR, USDC, ... */
    char contract[72];          /* NEP-141 account id; "" for NEAR itself */
    int decimals;
} mm_token;

typedef struct mm_llm_cfg {
    const char *gemini_key, *gemini_model, *gemini_base;
    const char *openai_key, *openai_model, *openai_base;
    const char *providers;          /* LLM_PROVIDERS; NULL: those with keys */
    int backoff_ms;
    int timeout_ms;                 /* the first call's */
    const char *blocklist;          /* LLM_TOPIC_BLOCKLIST */
} mm_llm_cfg;

typedef struct mm_wiki_cfg {
    const char *enabled;            /* 1/true or 0/false; NULL: off */
    const char *contact;
    const char *base_url;
} mm_wiki_cfg;

typedef struct mm_chain_cfg {
    int enabled;                    /* NEAR_WALLET_ADDRESS set (and what it needs) */
    const char *master;             /* NEAR_WALLET_ADDRESS */
    const char *master_key;         /* NEAR_WALLET_PRIVATE_KEY */
    const char *signer_keys;        /* NEAR_SIGNER_KEYS: the payer's pool, or NULL */
    int payer_inflight;             /* NEAR_PAYER_INFLIGHT: per signer key */
    const char *seal_key;           /* WALLET_ENCRYPTION_KEY */
    const char *rpc;                /* NEAR_RPC_ENDPOINT */
    const char *fallbacks;          /* NEAR_RPC_FALLBACKS */
    const char *api_key;            /* FASTNEAR_API_KEY */
    const char *network;            /* testnet | mainnet: explorer links */
    const char *initial_balance;    /* yoctoNEAR for a new wallet, or NULL */
    const char *tokens_text;        /* NEAR_TOKENS as set */
    const char *memo;               /* NEAR_MEMO: an ft_transfer's memo (near transfer) */
    int backoff_ms;                 /* 0: the client's */
    int timeout_ms;                 /* 0: 15 s with an API key, 30 s without */
    int breaker_open_ms;            /* 0: the client's */
    int signer_wait_ms;
    int deposit_max_age_s;
    int rpc_repeat, rpc_repeat_pause_ms;    /* near rpc drills of the breaker */
    mm_token tokens[MM_TOKENS_MAX]; /* NEAR first, then NEAR_TOKENS */
    int ntokens;
} mm_chain_cfg;

typedef struct mm_config {
    /* core */
    const char *redis_host;
    int redis_port;
    const char *redis_password;     /* NULL: no AUTH */
    const char *redis_ssl;
    const char *database_url;
    const char *database_read_url;  /* NULL: reads go to the primary */
    const char *environment;
    const char *log_level_name;
    int log_level;
    const char *stream;             /* what the edge (or the poller) fills */
    const char *group;
    int partitions;                 /* per-chat ordering domains */
    int threads;                    /* handler threads in this process */
    int lease_ms;                   /* partition lease lifetime */
    int max_attempts;               /* then the entry is dead-lettered */
    int timer_retry_s;              /* a fired timer not yet handled fires again */
    int dead_letter_max;            /* <stream>:dead is trimmed to about this */
    int report_interval;            /* seconds between backlog reports */
    int outbox_lease_ms;            /* a reply's stay with its worker */
    int outbox_give_up_s;           /* retryable failures are final after this */
    int job_lease_ms;               /* then a dead worker's job is taken over */
    int prune_interval_s;           /* between prunes of old rows */
    int retention_days;             /* sent/failed replies, finished jobs */
    int processed_retention_h;      /* update ids remembered (at least 48) */
    int signed_tx_retention_days;   /* signed bytes of paid/failed payouts */

    /* bot */
    const char *telegram_token;
    const char *telegram_api_base;
    const char *bot_username;       /* NULL: asked with getMe at start-up */
    const char *webhook_url;        /* NULL: long polling */
    const char *webhook_secret;
    int webhook_max_connections;
    int poll_timeout;               /* getUpdates long-poll seconds */
    int question_seconds;
    int run_length;                 /* questions in a practice run */
    int min_answer_ms;              /* quicker quiz answers are flagged */
    int fee_bps;                    /* MM_FEE_BPS: the service fee on a prize pool */
    int chain_sweep_s;              /* the chain thread's sweep */
    int wallet_stalled_s;           /* a wallet creating this long is asked about again */
    int report_hide;                /* distinct reports that hide a question */
    int engine_period_s;            /* between top-ups and SDI calibrations */
    int engine_threads;             /* generation jobs at once */
    int rate_global;                /* messages/s, 0 = unlimited */
    int rate_chat;                  /* messages/s per private chat */
    int rate_group_per_min;
    int wallets_per_day;            /* daily budgets (sched/mm_budget.h) */
    int generations_per_user_day;
    int generations_per_day;

    mm_llm_cfg llm;
    mm_wiki_cfg wiki;
    mm_chain_cfg chain;
} mm_config;

/* What mm_config_load() must find beyond what has defaults. */
#define MM_NEED_DATABASE    0x01    /* DATABASE_URL */
#define MM_NEED_TOKEN       0x02    /* TELEGRAM_TOKEN */

/* Reads the rows of the given areas (each variable once: unset and empty
 * take the default; integers within their bounds); 0, or -1 with one line
 * in err ("X must be an integer from a to b, not …"). */
int mm_config_read(mm_config *cfg, unsigned areas, char *err, size_t errlen);

/* The core and bot loader: reads those areas and checks them together
 * (REDIS_SSL, LOG_LEVEL, URLs, the webhook secret, the token's shape, and
 * what need asks for).  cfg is zeroed first; 0, or -1 with err. */
int mm_config_load(mm_config *cfg, unsigned need, char *err, size_t errlen);

/* Registers every secret of the environment, whichever areas were read
 * (tokens, keys, passwords, the password inside a database or RPC URL)
 * for redaction in log lines.  The first read moves those variables and
 * the URLs that may carry credentials out of the environment into locked
 * memory (mm_config.c). */
void mm_config_secrets(const mm_config *cfg, mm_log *log);

/* Every variable of the table, once, grouped by area, for --help. */
void mm_config_help(FILE *out);

#endif /* MM_CONFIG_H */
