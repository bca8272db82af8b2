#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log/mm_log.h"
#include "mm_config.h"
#include "mm_stream.h"

const char *mm_config_help =
    "  TELEGRAM_TOKEN      bot token from @BotFather (run, set-webhook)\n"
    "  TELEGRAM_API_BASE   Bot API server (default https://api.telegram.org)\n"
    "  BOT_USERNAME        the bot's username (default: asked with getMe)\n"
    "  WEBHOOK_URL         public HTTPS URL of nginx's mm_webhook location; unset: the\n"
    "                      worker long-polls getUpdates into the same stream\n"
    "  WEBHOOK_SECRET      secret_token for set-webhook (nginx's mm_webhook_secret)\n"
    "  DATABASE_URL        PostgreSQL connection URI\n"
    "  DATABASE_READ_URL   optional replica for reads that may lag (leaderboards)\n"
    "  REDIS_HOST          Redis host (default 127.0.0.1)\n"
    "  REDIS_PORT          Redis port (default 6379)\n"
    "  REDIS_PASSWORD      Redis password (default: none)\n"
    "  REDIS_SSL           must be unset or false: this build's hiredis has no TLS\n"
    "  ENVIRONMENT         development or production (default development)\n"
    "  LOG_LEVEL           debug, info, warn or error (default info)\n"
    "  MM_STREAM           update stream the nginx module fills (default "
    MM_STREAM_DEFAULT ")\n"
    "  MM_GROUP            consumer group of the partition streams (default mm-workers)\n"
    "  MM_PARTITIONS       per-chat ordering partitions (default 16; fixed per deployment)\n"
    "  MM_THREADS          handler threads per process (default 4)\n"
    "  MM_LEASE_MS         partition lease lifetime (default 10000)\n"
    "  MM_MAX_ATTEMPTS     failures before an update goes to <stream>:dead (default 5)\n"
    "  MM_POLL_TIMEOUT     getUpdates long-poll seconds (default 25)\n"
    "  MM_QUESTION_SECONDS time per question (default 30)\n"
    "  MM_RUN_LENGTH       questions in a practice run (default 5)\n"
    "  MM_REPORT_HIDE      distinct players' reports that hide a question (default 3)\n"
    "  TELEGRAM_RATE_GLOBAL messages/s overall (default 30; 0 = unlimited)\n"
    "  TELEGRAM_RATE_CHAT  messages/s per private chat (default 1)\n"
    "  TELEGRAM_RATE_GROUP messages/min per group (default 20)\n"
    "  MM_REPORT_INTERVAL  seconds between backlog reports (default 30)\n"
    "  MM_ENGINE_PERIOD    seconds between top-ups and SDI calibrations (default 300)\n"
    "  MM_ENGINE_THREADS   generation jobs run at once per process (default 2)\n"
    "  MM_JOB_LEASE_MS     a generation or chain job of a dead worker is taken over\n"
    "                      after this (default 120000)\n"
    "  GOOGLE_GEMINI_API_KEY, GEMINI_MODEL, GEMINI_BASE_URL, OPENAI_API_KEY, OPENAI_MODEL,\n"
    "  OPENAI_BASE_URL, LLM_PROVIDERS, LLM_TOPIC_BLOCKLIST: the quiz engine (README)\n"
    "  WIKIPEDIA_ENABLED, WIKIPEDIA_CONTACT, WIKIPEDIA_BASE_URL: context for prompts\n"
    "  NEAR_WALLET_ADDRESS operator account: turns /wallet and /withdraw on; then also\n"
    "                      NEAR_WALLET_PRIVATE_KEY, WALLET_ENCRYPTION_KEY (32+ chars),\n"
    "                      NEAR_RPC_ENDPOINT [NEAR_RPC_FALLBACKS, FASTNEAR_API_KEY,\n"
    "                      NEAR_RPC_TIMEOUT_MS, NEAR_RPC_BACKOFF_MS]\n"
    "  NEAR_NETWORK        testnet or mainnet, for explorer links (default testnet)\n"
    "  NEAR_TOKENS         SYMBOL=contract:decimals,... tokens players may withdraw\n"
    "  NEAR_INITIAL_BALANCE yoctoNEAR a new wallet starts with (default 0.00182 NEAR)\n";

static const char *env_or(const char *name, const char *fallback) {
    const char *v = getenv(name);
    return (v && *v) ? v : fallback;
}

/* Parses an integer setting within [min, max]; 0 on success. */
static int env_int(const char *name, int fallback, int min, int max,
                   int *out, char *err, size_t errlen) {
    const char *v = getenv(name);
    char *end;
    long n;

    if (v == NULL || *v == '\0') {
        *out = fallback;
        return 0;
    }
    errno = 0;
    n = strtol(v, &end, 10);
    if (errno || *end != '\0' || n < min || n > max) {
        snprintf(err, errlen, "%s must be an integer from %d to %d, not \"%s\"",
                 name, min, max, v);
        return -1;
    }
    *out = (int) n;
    return 0;
}

static int env_url(const char *name, const char *v, char *err, size_t errlen) {
    if (v && strncmp(v, "http://", 7) && strncmp(v, "https://", 8)) {
        snprintf(err, errlen, "%s must be an http:// or https:// URL", name);
        return -1;
    }
    return 0;
}

int mm_config_load(mm_config *cfg, int need_bot, char *err, size_t errlen) {
    const char *ssl, *level;

    memset(cfg, 0, sizeof(*cfg));
    cfg->redis_host = env_or("REDIS_HOST", "127.0.0.1");
    cfg->redis_password = env_or("REDIS_PASSWORD", NULL);
    cfg->stream = env_or("MM_STREAM", MM_STREAM_DEFAULT);
    cfg->group = env_or("MM_GROUP", "mm-workers");
    cfg->telegram_token = env_or("TELEGRAM_TOKEN", NULL);
    cfg->telegram_api_base = env_or("TELEGRAM_API_BASE", "https://api.telegram.org");
    cfg->bot_username = env_or("BOT_USERNAME", NULL);
    cfg->webhook_url = env_or("WEBHOOK_URL", NULL);
    cfg->webhook_secret = env_or("WEBHOOK_SECRET", NULL);
    cfg->database_url = env_or("DATABASE_URL", NULL);
    cfg->database_read_url = env_or("DATABASE_READ_URL", NULL);
    cfg->environment = env_or("ENVIRONMENT", "development");

    if (env_int("REDIS_PORT", 6379, 1, 65535, &cfg->redis_port, err, errlen)
        || env_int("MM_REPORT_INTERVAL", 30, 1, 86400, &cfg->report_interval, err, errlen)
        || env_int("MM_PARTITIONS", 16, 1, 1024, &cfg->partitions, err, errlen)
        || env_int("MM_THREADS", 4, 1, 64, &cfg->threads, err, errlen)
        || env_int("MM_LEASE_MS", 10000, 1000, 600000, &cfg->lease_ms, err, errlen)
        || env_int("MM_MAX_ATTEMPTS", 5, 1, 100, &cfg->max_attempts, err, errlen)
        || env_int("MM_POLL_TIMEOUT", 25, 1, 50, &cfg->poll_timeout, err, errlen)
        || env_int("MM_QUESTION_SECONDS", 30, 5, 600, &cfg->question_seconds, err, errlen)
        || env_int("MM_RUN_LENGTH", 5, 1, 20, &cfg->run_length, err, errlen)
        || env_int("MM_REPORT_HIDE", 3, 1, 1000, &cfg->report_hide, err, errlen)
        || env_int("MM_ENGINE_PERIOD", 300, 1, 86400, &cfg->engine_period_s, err, errlen)
        || env_int("MM_ENGINE_THREADS", 2, 1, 32, &cfg->engine_threads, err, errlen)
        || env_int("MM_JOB_LEASE_MS", 120000, 1000, 3600000, &cfg->job_lease_ms, err, errlen)
        || env_int("TELEGRAM_RATE_GLOBAL", 30, 0, 100000, &cfg->rate_global, err, errlen)
        || env_int("TELEGRAM_RATE_CHAT", 1, 0, 1000, &cfg->rate_chat, err, errlen)
        || env_int("TELEGRAM_RATE_GROUP", 20, 0, 100000, &cfg->rate_group_per_min,
                   err, errlen))
        return -1;

    if (mm_chain_config_load(&cfg->chain, err, errlen))
        return -1;

    ssl = env_or("REDIS_SSL", "false");
    if (strcmp(ssl, "false") && strcmp(ssl, "0")) {
        snprintf(err, errlen, "REDIS_SSL=%s is not supported: Debian's hiredis 0.14 has no "
                 "TLS; reach Redis over loopback or a TLS tunnel (stunnel)", ssl);
        return -1;
    }
    level = env_or("LOG_LEVEL", "info");
    if ((cfg->log_level = mm_log_parse_level(level)) < 0) {
        snprintf(err, errlen, "LOG_LEVEL must be debug, info, warn or error, not \"%s\"",
                 level);
        return -1;
    }
    if (strcmp(cfg->environment, "development") && strcmp(cfg->environment, "production")) {
        snprintf(err, errlen, "ENVIRONMENT must be development or production, not \"%s\"",
                 cfg->environment);
        return -1;
    }
    if (env_url("TELEGRAM_API_BASE", cfg->telegram_api_base, err, errlen)
        || env_url("WEBHOOK_URL", cfg->webhook_url, err, errlen))
        return -1;
    if (cfg->webhook_secret) {
        size_t n = strlen(cfg->webhook_secret);
        if (n > 256 || strspn(cfg->webhook_secret, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                              "abcdefghijklmnopqrstuvwxyz0123456789_-") != n) {
            snprintf(err, errlen, "WEBHOOK_SECRET must be 1-256 characters of A-Z a-z 0-9 _ -");
            return -1;
        }
    }
    if (need_bot) {
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
        if (cfg->database_url == NULL) {
            snprintf(err, errlen, "DATABASE_URL is not set");
            return -1;
        }
    }
    return 0;
}
