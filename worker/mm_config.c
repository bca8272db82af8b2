#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "mm_config.h"
#include "mm_stream.h"

typedef enum { MM_VAR_STR, MM_VAR_SECRET, MM_VAR_URL, MM_VAR_INT } mm_var_type;

/* One environment variable: where it goes and what --help says of it. */
typedef struct mm_var {
    const char *name;
    unsigned areas;
    mm_var_type type;
    size_t offset;                  /* of its field in mm_config */
    const char *dflt;               /* strings: the value when unset */
    int def, min, max;              /* integers */
    const char *help;
    int hidden;                     /* holds a credential: moved out of the environment */
} mm_var;

#define MM_STR(n, a, f, d, h)       { n, a, MM_VAR_STR, offsetof(mm_config, f), d, 0, 0, 0, h, 0 }
#define MM_SECRET(n, a, f, h)                                                                      \
    { n, a, MM_VAR_SECRET, offsetof(mm_config, f), NULL, 0, 0, 0, h, 1 }
#define MM_URL(n, a, f, d, h)       { n, a, MM_VAR_URL, offsetof(mm_config, f), d, 0, 0, 0, h, 0 }
#define MM_INT(n, a, f, d, lo, hi, h) \
    { n, a, MM_VAR_INT, offsetof(mm_config, f), NULL, d, lo, hi, h, 0 }
/* a URL or list of URLs that may carry a password or a provider's key */
#define MM_CRED(n, a, f, t, h)      { n, a, t, offsetof(mm_config, f), NULL, 0, 0, 0, h, 1 }

static const mm_var mm_vars[] = {
    MM_STR("REDIS_HOST", MM_CFG_CORE, redis_host, "127.0.0.1", "Redis host"),
    MM_INT("REDIS_PORT", MM_CFG_CORE, redis_port, 6379, 1, 65535, "Redis port"),
    MM_SECRET("REDIS_PASSWORD", MM_CFG_CORE, redis_password, "Redis password (default: none)"),
    MM_STR("REDIS_SSL", MM_CFG_CORE, redis_ssl, "false",
           "must be false: this build's hiredis has no TLS"),
    MM_CRED("DATABASE_URL", MM_CFG_CORE, database_url, MM_VAR_STR, "PostgreSQL connection URI"),
    MM_CRED("DATABASE_READ_URL", MM_CFG_CORE, database_read_url, MM_VAR_STR,
            "optional replica for reads that may lag (leaderboards)"),
    MM_STR("ENVIRONMENT", MM_CFG_CORE, environment, "development", "development or production"),
    MM_STR("LOG_LEVEL", MM_CFG_CORE, log_level_name, "info", "debug, info, warn or error"),
    MM_STR("MM_STREAM", MM_CFG_CORE, stream, MM_STREAM_DEFAULT,
           "update stream the nginx module fills"),
    MM_STR("MM_GROUP", MM_CFG_CORE, group, "mm-workers", "consumer group of the partition streams"),
    MM_INT("MM_PARTITIONS", MM_CFG_CORE, partitions, 16, 1, 1024,
           "per-chat ordering partitions (fixed per deployment)"),
    MM_INT("MM_THREADS", MM_CFG_CORE, threads, 4, 1, 64, "handler threads per process"),
    MM_INT("MM_LEASE_MS", MM_CFG_CORE, lease_ms, 10000, 1000, 600000, "partition lease lifetime"),
    MM_INT("MM_MAX_ATTEMPTS", MM_CFG_CORE, max_attempts, 5, 1, 100,
           "failures before an update goes to <stream>:dead"),
    MM_INT("MM_TIMER_RETRY_S", MM_CFG_CORE, timer_retry_s, 60, 1, 86400,
           "a timer whose handling failed (even dead-lettered) fires again after this"),
    MM_INT("MM_DEAD_LETTER_MAX", MM_CFG_CORE, dead_letter_max, 10000, 1, 100000000,
           "about how many entries <stream>:dead keeps (XADD MAXLEN ~)"),
    MM_INT("MM_REPORT_INTERVAL", MM_CFG_CORE, report_interval, 30, 1, 86400,
           "seconds between backlog reports"),
    MM_INT("MM_OUTBOX_LEASE_MS", MM_CFG_CORE, outbox_lease_ms, 30000, 1000, 3600000,
           "how long a reply stays with its worker before another may send it"),
    MM_INT("MM_OUTBOX_GIVE_UP", MM_CFG_CORE, outbox_give_up_s, 3600, 1, 604800,
           "seconds a reply is retried through Bot API outages (5xx, 429, no answer)"),
    MM_INT("MM_JOB_LEASE_MS", MM_CFG_CORE, job_lease_ms, 120000, 1000, 3600000,
           "a job of a dead worker is taken over after this"),
    MM_INT("MM_PRUNE_INTERVAL", MM_CFG_CORE, prune_interval_s, 600, 1, 86400,
           "seconds between prunes of old rows (one leaseholder)"),
    MM_INT("MM_RETENTION_DAYS", MM_CFG_CORE, retention_days, 7, 1, 3650,
           "days sent or failed replies and finished jobs are kept"),
    MM_INT("MM_PROCESSED_RETENTION_HOURS", MM_CFG_CORE, processed_retention_h, 72, 48, 87600,
           "hours update ids are remembered (Telegram redelivers for 24 h)"),
    MM_INT("MM_SIGNED_TX_RETENTION_DAYS", MM_CFG_CORE, signed_tx_retention_days, 7, 1, 3650,
           "days the signed bytes of paid or failed payouts are kept"),

    MM_SECRET("TELEGRAM_TOKEN", MM_CFG_BOT, telegram_token, "bot token from @BotFather"),
    MM_URL("TELEGRAM_API_BASE", MM_CFG_BOT, telegram_api_base, "https://api.telegram.org",
           "Bot API server"),
    MM_STR("BOT_USERNAME", MM_CFG_BOT | MM_CFG_WIKI, bot_username, NULL,
           "the bot's username (default: asked with getMe)"),
    MM_URL("WEBHOOK_URL", MM_CFG_BOT, webhook_url, NULL,
           "public HTTPS URL of nginx's mm_webhook location; unset: the worker long-polls "
           "getUpdates into the same stream"),
    MM_SECRET("WEBHOOK_SECRET", MM_CFG_BOT, webhook_secret,
              "secret_token for set-webhook (nginx's mm_webhook_secret)"),
    MM_INT("MM_WEBHOOK_MAX_CONNECTIONS", MM_CFG_BOT, webhook_max_connections, 40, 1, 100,
           "set-webhook's max_connections"),
    MM_INT("MM_POLL_TIMEOUT", MM_CFG_BOT, poll_timeout, 25, 1, 50, "getUpdates long-poll seconds"),
    MM_INT("MM_QUESTION_SECONDS", MM_CFG_BOT, question_seconds, 30, 5, 600, "time per question"),
    MM_INT("MM_RUN_LENGTH", MM_CFG_BOT, run_length, 5, 1, 20, "questions in a practice run"),
    MM_INT("MM_CHAIN_SWEEP_S", MM_CFG_BOT, chain_sweep_s, 30, 1, 3600,
           "seconds between the chain thread's passes over stalled withdrawals and wallets"),
    MM_INT("MM_WALLET_STALLED_S", MM_CFG_BOT, wallet_stalled_s, 60, 1, 86400,
           "a wallet still being created this long is checked on chain again"),
    MM_INT("MM_FEE_BPS", MM_CFG_BOT, fee_bps, 0, 0, 5000,
           "service fee on a quiz's prize pool, in basis points, taken when it is funded"),
    MM_INT("MM_MIN_ANSWER_MS", MM_CFG_BOT, min_answer_ms, 1500, 0, 60000,
           "a quiz answer faster than this after its question is kept, marked and flagged"),
    MM_INT("MM_REPORT_HIDE", MM_CFG_BOT, report_hide, 3, 1, 1000,
           "distinct players' reports that hide a question"),
    MM_INT("MM_ENGINE_PERIOD", MM_CFG_BOT, engine_period_s, 300, 1, 86400,
           "seconds between top-ups and SDI calibrations"),
    MM_INT("MM_ENGINE_THREADS", MM_CFG_BOT, engine_threads, 2, 1, 32,
           "generation jobs run at once per process"),
    MM_INT("TELEGRAM_RATE_GLOBAL", MM_CFG_BOT, rate_global, 30, 0, 100000,
           "messages/s overall (0 = unlimited)"),
    MM_INT("TELEGRAM_RATE_CHAT", MM_CFG_BOT, rate_chat, 1, 0, 1000, "messages/s per private chat"),
    MM_INT("TELEGRAM_RATE_GROUP", MM_CFG_BOT, rate_group_per_min, 20, 0, 100000,
           "messages/min per group"),
    MM_INT("MM_WALLETS_PER_DAY", MM_CFG_BOT, wallets_per_day, 1000, 0, 10000000,
           "new wallets a day, all players (each costs the operator its first balance)"),
    MM_INT("MM_GENERATIONS_PER_USER_DAY", MM_CFG_BOT, generations_per_user_day, 10, 0, 10000,
           "quizzes on new topics one player may ask the language model for a day"),
    MM_INT("MM_GENERATIONS_PER_DAY", MM_CFG_BOT, generations_per_day, 500, 0, 10000000,
           "generation jobs a day in all, top-ups included"),

    MM_SECRET("GOOGLE_GEMINI_API_KEY", MM_CFG_LLM, llm.gemini_key, "Gemini's API key"),
    MM_STR("GEMINI_MODEL", MM_CFG_LLM, llm.gemini_model, "gemini-2.5-flash", "Gemini model"),
    MM_URL("GEMINI_BASE_URL", MM_CFG_LLM, llm.gemini_base,
           "https://generativelanguage.googleapis.com", "Gemini API server"),
    MM_SECRET("OPENAI_API_KEY", MM_CFG_LLM, llm.openai_key, "OpenAI's API key"),
    MM_STR("OPENAI_MODEL", MM_CFG_LLM, llm.openai_model, "gpt-4o-mini", "OpenAI model"),
    MM_URL("OPENAI_BASE_URL", MM_CFG_LLM, llm.openai_base, NULL,
           "an OpenAI-compatible server (no key needed; default https://api.openai.com/v1)"),
    MM_STR("LLM_PROVIDERS", MM_CFG_LLM, llm.providers, NULL,
           "order, e.g. gemini,openai,offline (default: those with keys, then offline)"),
    MM_INT("LLM_BACKOFF_MS", MM_CFG_LLM, llm.backoff_ms, 1000, 0, 60000,
           "first retry delay (doubles)"),
    MM_INT("LLM_TIMEOUT_MS", MM_CFG_LLM, llm.timeout_ms, 30000, 100, 60000,
           "the first call's timeout (later ones adapt within 15-60 s)"),
    MM_STR("LLM_TOPIC_BLOCKLIST", MM_CFG_LLM, llm.blocklist, NULL,
           "comma-separated words refused in topics"),

    MM_STR("WIKIPEDIA_ENABLED", MM_CFG_WIKI, wiki.enabled, NULL,
           "1 or true: Wikipedia context in prompts"),
    MM_STR("WIKIPEDIA_CONTACT", MM_CFG_WIKI, wiki.contact, NULL,
           "a URL or e-mail for Wikimedia's User-Agent policy (default: the bot's t.me link)"),
    MM_URL("WIKIPEDIA_BASE_URL", MM_CFG_WIKI, wiki.base_url, "https://en.wikipedia.org",
           "Wikipedia server"),

    MM_STR("NEAR_WALLET_ADDRESS", MM_CFG_CHAIN, chain.master, NULL,
           "the operator's account: turns wallets on; then also NEAR_WALLET_PRIVATE_KEY, "
           "WALLET_ENCRYPTION_KEY and NEAR_RPC_ENDPOINT"),
    MM_SECRET("NEAR_WALLET_PRIVATE_KEY", MM_CFG_CHAIN, chain.master_key,
              "its ed25519 secret key"),
    MM_SECRET("NEAR_SIGNER_KEYS", MM_CFG_CHAIN, chain.signer_keys,
              "comma-separated ed25519 secret keys of NEAR_WALLET_ADDRESS that pay rewards in "
              "parallel (near add-keys N); unset: NEAR_WALLET_PRIVATE_KEY alone"),
    MM_INT("NEAR_PAYER_INFLIGHT", MM_CFG_CHAIN, chain.payer_inflight, 8, 1, 64,
           "payout transactions waiting for finality at once per signer key"),
    MM_SECRET("WALLET_ENCRYPTION_KEY", MM_CFG_CHAIN, chain.seal_key,
              "seals every wallet key at rest (32+ characters)"),
    MM_CRED("NEAR_RPC_ENDPOINT", MM_CFG_CHAIN, chain.rpc, MM_VAR_URL, "NEAR JSON-RPC endpoint"),
    MM_CRED("NEAR_RPC_FALLBACKS", MM_CFG_CHAIN, chain.fallbacks, MM_VAR_STR,
            "comma-separated fallback endpoints"),
    MM_SECRET("FASTNEAR_API_KEY", MM_CFG_CHAIN, chain.api_key,
              "bearer token for NEAR_RPC_ENDPOINT"),
    MM_STR("NEAR_NETWORK", MM_CFG_CHAIN, chain.network, "testnet",
           "testnet or mainnet, for explorer links"),
    MM_STR("NEAR_TOKENS", MM_CFG_CHAIN, chain.tokens_text, NULL,
           "SYMBOL=contract:decimals,... tokens players may hold and withdraw"),
    MM_STR("NEAR_INITIAL_BALANCE", MM_CFG_CHAIN, chain.initial_balance, NULL,
           "yoctoNEAR a new wallet starts with (default 0.00182 NEAR)"),
    MM_STR("NEAR_MEMO", MM_CFG_CHAIN, chain.memo, NULL,
           "memo of an ft_transfer (near transfer with a token)"),
    MM_INT("NEAR_RPC_BACKOFF_MS", MM_CFG_CHAIN, chain.backoff_ms, 0, 0, 60000,
           "first retry delay (0: 1000; doubles)"),
    MM_INT("NEAR_RPC_TIMEOUT_MS", MM_CFG_CHAIN, chain.timeout_ms, 0, 0, 600000,
           "per-request timeout (0: 15000 with an API key, 30000 without)"),
    MM_INT("NEAR_RPC_BREAKER_OPEN_MS", MM_CFG_CHAIN, chain.breaker_open_ms, 0, 0, 3600000,
           "how long a failing endpoint is skipped (0: the client's)"),
    MM_INT("NEAR_SIGNER_WAIT_MS", MM_CFG_CHAIN, chain.signer_wait_ms, 30000, 1, 600000,
           "how long to wait for another signer of the key"),
    MM_INT("DEPOSIT_MAX_AGE_S", MM_CFG_CHAIN, chain.deposit_max_age_s, 86400, 1, 31536000,
           "oldest deposit accepted, seconds"),
    MM_INT("NEAR_RPC_REPEAT", MM_CFG_CHAIN, chain.rpc_repeat, 0, 0, 1000,
           "near rpc: calls made first and dropped (breaker drills)"),
    MM_INT("NEAR_RPC_REPEAT_PAUSE_MS", MM_CFG_CHAIN, chain.rpc_repeat_pause_ms, 0, 0, 60000,
           "near rpc: pause between those calls"),
};

#define MM_NVARS (sizeof(mm_vars) / sizeof(mm_vars[0]))

/* Parses an integer setting within [min, max]; 0 on success. */
static int mm_config_int(const mm_var *v, const char *text, int *out, char *err, size_t errlen) {
    char *end;
    long n;

    errno = 0;
    n = strtol(text, &end, 10);
    if (errno || end == text || *end != '\0' || n < v->min || n > v->max) {
        snprintf(err, errlen, "%s must be an integer from %d to %d, not \"%s\"", v->name,
                 v->min, v->max, text);
        return -1;
    }
    *out = (int) n;
    return 0;
}

/* The hidden variables' values, every area's at once on the first read:
 * copied into locked memory out of core dumps (libsodium's), wiped in the
 * environment and unset there, so that neither /proc/PID/environ nor a
 * child sees them.  Kept for the process's life; cfg points into it. */
static char *mm_config_vault[MM_NVARS];
static pthread_once_t mm_config_vault_once = PTHREAD_ONCE_INIT;

static void mm_config_vault_fill(void) {
    if (sodium_init() < 0)
        return;
    for (size_t i = 0; i < MM_NVARS; i++) {
        char *text = mm_vars[i].hidden ? getenv(mm_vars[i].name) : NULL;
        size_t n;

        if (text == NULL)
            continue;
        n = strlen(text);
        if (n && (mm_config_vault[i] = sodium_malloc(n + 1)) != NULL)
            memcpy(mm_config_vault[i], text, n + 1);
        sodium_memzero(text, n);
        unsetenv(mm_vars[i].name);
    }
}

static const char *mm_config_getenv(size_t i) {
    pthread_once(&mm_config_vault_once, mm_config_vault_fill);
    return mm_vars[i].hidden ? mm_config_vault[i] : getenv(mm_vars[i].name);
}

int mm_config_read(mm_config *cfg, unsigned areas, char *err, size_t errlen) {
    for (size_t i = 0; i < MM_NVARS; i++) {
        const mm_var *v = &mm_vars[i];
        const char *text = mm_config_getenv(i);
        void *field = (char *) cfg + v->offset;

        if (!(v->areas & areas))
            continue;
        if (text && *text == '\0')
            text = NULL;                /* set but empty: as if unset */
        if (v->type == MM_VAR_INT) {
            if (text == NULL)
                *(int *) field = v->def;
            else if (mm_config_int(v, text, field, err, errlen))
                return -1;
            continue;
        }
        if (v->type == MM_VAR_URL && text && strncmp(text, "http://", 7)
            && strncmp(text, "https://", 8)) {
            snprintf(err, errlen, "%s must be an http:// or https:// URL", v->name);
            return -1;
        }
        *(const char **) field = text ? text : v->dflt;
    }
    return 0;
}

int mm_config_load(mm_config *cfg, unsigned need, char *err, size_t errlen) {
    memset(cfg, 0, sizeof(*cfg));
    if (mm_config_read(cfg, MM_CFG_CORE | MM_CFG_BOT, err, errlen))
        return -1;
    if (strcmp(cfg->redis_ssl, "false") && strcmp(cfg->redis_ssl, "0")) {
        snprintf(err, errlen, "REDIS_SSL=%s is not supported: Debian's hiredis 0.14 has no "
                 "TLS; reach Redis over loopback or a TLS tunnel (stunnel)", cfg->redis_ssl);
        return -1;
    }
    if ((cfg->log_level = mm_log_parse_level(cfg->log_level_name)) < 0) {
        snprintf(err, errlen, "LOG_LEVEL must be debug, info, warn or error, not \"%s\"",
                 cfg->log_level_name);
        return -1;
    }
    if (strcmp(cfg->environment, "development") && strcmp(cfg->environment, "production")) {
        snprintf(err, errlen, "ENVIRONMENT must be development or production, not \"%s\"",
                 cfg->environment);
        return -1;
    }
    if (cfg->webhook_secret) {
        size_t n = strlen(cfg->webhook_secret);
        if (n > 256 || strspn(cfg->webhook_secret, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                              "abcdefghijklmnopqrstuvwxyz0123456789_-") != n) {
            snprintf(err, errlen, "WEBHOOK_SECRET must be 1-256 characters of A-Z a-z 0-9 _ -");
            return -1;
        }
    }
    if (need & MM_NEED_TOKEN) {
        if (cfg->telegram_token == NULL) {
            snprintf(err, errlen, "TELEGRAM_TOKEN is not set (the token @BotFather gave)");
            return -1;
        }
        if (strchr(cfg->telegram_token, ':') == NULL
            || strspn(cfg->telegram_token, "0123456789:ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                      "abcdefghijklmnopqrstuvwxyz_-") != strlen(cfg->telegram_token)) {
            snprintf(err, errlen, "TELEGRAM_TOKEN is malformed (expected <digits>:<secret>)");
            return -1;
        }
    }
    if ((need & MM_NEED_DATABASE) && cfg->database_url == NULL) {
        snprintf(err, errlen, "DATABASE_URL is not set");
        return -1;
    }
    return 0;
}

/* The password of a PostgreSQL URI (postgresql://user:password@host/…) or
 * of a keyword string (password=…): the part a log line must never show. */
static void mm_config_url_secret(mm_log *log, const char *url) {
    char pw[256];
    const char *p, *at;
    size_t n;

    if (url == NULL)
        return;
    if ((p = strstr(url, "://")) != NULL && (at = strchr(p + 3, '@')) != NULL
        && (p = memchr(p + 3, ':', (size_t) (at - p - 3))) != NULL) {
        n = (size_t) (at - p - 1);
        if (n < sizeof(pw)) {
            memcpy(pw, p + 1, n);
            pw[n] = '\0';
            mm_log_secret(log, pw);
        }
    }
    if ((p = strstr(url, "password=")) != NULL) {
        p += strlen("password=");
        n = strcspn(p, " &");
        if (n < sizeof(pw)) {
            memcpy(pw, p, n);
            pw[n] = '\0';
            mm_log_secret(log, pw);
        }
    }
}

/* each item of a secret that is a list (NEAR_SIGNER_KEYS) is one too */
static void mm_config_list_secrets(mm_log *log, const char *text) {
    char item[256];

    while (text && *text) {
        size_t n = strcspn(text, ",");

        if (n < sizeof(item)) {
            memcpy(item, text, n);
            item[n] = '\0';
            mm_log_secret(log, item);
            sodium_memzero(item, sizeof(item));
        }
        text += n + (text[n] == ',');
    }
}

void mm_config_secrets(const mm_config *cfg, mm_log *log) {
    (void) cfg;
    /* every area's, read or not yet (the engine reads its keys later) */
    for (size_t i = 0; i < MM_NVARS; i++) {
        const char *text = mm_config_getenv(i);

        if (mm_vars[i].type == MM_VAR_SECRET) {
            mm_log_secret(log, text);
            mm_config_list_secrets(log, text);
        }
        else if (mm_vars[i].hidden)
            mm_config_url_secret(log, text);    /* the password inside */
    }
}

void mm_config_help(FILE *out) {
    static const struct { unsigned area; const char *title; } areas[] = {
        { MM_CFG_CORE, "core" }, { MM_CFG_BOT, "the bot" }, { MM_CFG_LLM, "language models" },
        { MM_CFG_WIKI, "Wikipedia" }, { MM_CFG_CHAIN, "NEAR (wallets, payouts, deposits)" },
    };

    for (size_t a = 0; a < sizeof(areas) / sizeof(areas[0]); a++) {
        fprintf(out, "\n%s:\n", areas[a].title);
        for (size_t i = 0; i < MM_NVARS; i++) {
            const mm_var *v = &mm_vars[i];
            /* listed under its first area */
            if ((v->areas & -v->areas) != areas[a].area)
                continue;
            fprintf(out, "  %-26s %s", v->name, v->help);
            if (v->type == MM_VAR_INT)
                fprintf(out, " (%d-%d, default %d)", v->min, v->max, v->def);
            else if (v->dflt)
                fprintf(out, " (default %s)", v->dflt);
            fputc('\n', out);
        }
    }
}
