/*
 * mm-worker: the daemon that drains the update stream the nginx module
 * (or, without a public URL, its own poller) fills, runs the bot, and the
 * command-line tools for operators.  See ingest/mm_ingest.h for the path
 * of an update.
 */

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <hiredis/hiredis.h>
#include <sodium.h>

#include "bot/mm_bot.h"
#include "chain/mm_ledger_cli.h"
#include "chain/mm_near_cli.h"
#include "chain/mm_chain_jobs.h"
#include "mm_loop.h"
#include "engine/mm_engine.h"
#include "engine/mm_generate_cli.h"
#include "engine/mm_jobs.h"
#include "ingest/mm_ingest.h"
#include "mm_config.h"
#include "mm_ctx.h"
#include "mm_stream.h"
#include "quiz/mm_questions_cli.h"
#include "bank/mm_bank.h"
#include "sched/mm_timers.h"
#include "store/mm_db.h"
#include "store/mm_migrate.h"
#include "store/mm_redis.h"
#include "telegram/mm_sender.h"
#include "telegram/mm_tg.h"

/* One JSON log line before (or without) a configured logger. */
static void mm_say(const char *level, const char *fmt, const char *arg) {
    mm_log log = { MM_LOG_DEBUG, { NULL }, 0 };

    mm_logf(&log, (mm_log_level) mm_log_parse_level(level), "main", NULL, fmt, arg);
}

/* mm-worker migrate: brings DATABASE_URL's schema up to date */
static int mm_migrate_main(void) {
    const char *url = getenv("DATABASE_URL");
    char err[512], line[96];
    int version, n;
    mm_db db = { NULL };

    if (url == NULL || *url == '\0') {
        mm_say("error", "%s", "DATABASE_URL is not set");
        return 2;
    }
    if (mm_db_open(&db, url)) {
        mm_say("error", "%s", db.err);
        return 1;
    }
    n = mm_migrate(db.conn, &version, err, sizeof(err));
    mm_db_close(&db);
    if (n < 0) {
        mm_say("error", "%s", err);
        return 1;
    }
    snprintf(line, sizeof(line), "applied %d, schema at version %d", n, version);
    mm_say("info", "migrate: %s", line);
    return 0;
}

static void mm_usage(FILE *out) {
    fprintf(out,
        "usage: mm-worker [run]      run the bot: migrate, seed the question bank, "
        "consume the stream\n"
        "       mm-worker set-webhook   register WEBHOOK_URL (with WEBHOOK_SECRET) with "
        "Telegram\n"
        "       mm-worker delete-webhook [--drop-pending]  remove it (polling works "
        "again)\n"
        "       mm-worker webhook-info  what Telegram reports about the webhook\n"
        "       mm-worker near sign  sign one transaction described as JSON on "
        "standard input (offline)\n"
        "       mm-worker near rpc METHOD ['PARAMS']  one NEAR JSON-RPC call with "
        "failover\n"
        "       mm-worker near send SIGNER_ID [WAIT_UNTIL]  send what near sign "
        "printed, safely\n"
        "       mm-worker near balance ACCOUNT [TOKEN]  NEAR or NEP-141 balance\n"
        "       mm-worker near block | near nonce ACCOUNT KEY  what a signer reads\n"
        "       mm-worker near create-wallet TELEGRAM_USER_ID  a user's sub-account\n"
        "       mm-worker near metadata TOKEN | shown-balance ACCOUNT [TOKEN]  cached "
        "for players (1 h, 300 s)\n"
        "       mm-worker near transfer RECEIVER AMOUNT [TOKEN]  NEAR or NEP-141 from "
        "NEAR_WALLET_ADDRESS\n"
        "       mm-worker generate --topic T --count N --difficulty D [--provider P] "
        "[--notes TEXT]\n"
        "                            questions from the LLM providers, checked, as JSON lines\n"
        "       mm-worker questions import [SOURCE] | export [TOPIC]  the question bank "
        "as JSON lines\n"
        "       mm-worker review list | approve ID | reject ID  questions players reported\n"
        "       mm-worker migrate    apply the schema migrations to DATABASE_URL\n"
        "       mm-worker payouts add PURPOSE RECIPIENT NEAR|TOKEN AMOUNT  record a "
        "reward once\n"
        "       mm-worker payouts run  pay what is unpaid, never twice\n"
        "       mm-worker deposits verify USER TX_HASH SIGNER NEAR|TOKEN MIN  credit a "
        "deposit once\n"
        "       mm-worker --help\n\n"
        "environment:\n%s"
        "  MM_OUTBOX_LEASE_MS  how long a reply stays with its worker before another "
        "may send it (default 30000)\n"
        "  MM_WEBHOOK_MAX_CONNECTIONS  set-webhook's max_connections (default 40)\n"
        "  GOOGLE_GEMINI_API_KEY, GEMINI_MODEL (default gemini-2.5-flash), GEMINI_BASE_URL\n"
        "  OPENAI_API_KEY, OPENAI_MODEL (default gpt-4o-mini), OPENAI_BASE_URL (an\n"
        "                      OpenAI-compatible server; no key needed)\n"
        "  LLM_PROVIDERS       order, e.g. gemini,openai,offline (default: those with keys)\n"
        "  LLM_BACKOFF_MS      first retry delay (default 1000; doubles)\n"
        "  LLM_TOPIC_BLOCKLIST comma-separated words refused in topics\n"
        "  NEAR_RPC_ENDPOINT   NEAR JSON-RPC endpoint (near rpc)\n"
        "  NEAR_RPC_FALLBACKS  comma-separated fallback endpoints\n"
        "  FASTNEAR_API_KEY    bearer token for NEAR_RPC_ENDPOINT\n"
        "  NEAR_RPC_BACKOFF_MS first retry delay (default 1000; doubles)\n"
        "  NEAR_RPC_TIMEOUT_MS per-request timeout (default 15000 with an API key, "
        "30000 without)\n"
        "  NEAR_WALLET_ADDRESS the operator's account (near transfer)\n"
        "  NEAR_WALLET_PRIVATE_KEY its ed25519 secret key\n"
        "  WALLET_ENCRYPTION_KEY  seals wallet keys at rest (near create-wallet)\n"
        "  NEAR_INITIAL_BALANCE   a new wallet's yoctoNEAR (default 0.00182 NEAR)\n"
        "  DEPOSIT_MAX_AGE_S   oldest deposit accepted, seconds (default 86400)\n"
        "  NEAR_MEMO           memo of an ft_transfer (near transfer with a token)\n"
        "  NEAR_SIGNER_WAIT_MS how long to wait for another signer of the key "
        "(default 30000)\n",
        mm_config_help);
}


/* The one line a failed start-up prints before exiting. */
static int mm_fatal(mm_ctx *ctx, const char *what, const char *why) {
    mm_log_error(&ctx->log, "main", "%s: %s", what, why);
    return 1;
}

static int mm_setup(mm_ctx *ctx, int need_bot) {
    char err[512], host[64] = "host";
    unsigned char rnd[4];

    if (mm_config_load(&ctx->cfg, need_bot, err, sizeof(err))) {
        mm_say("error", "%s", err);
        return 2;
    }
    ctx->log.level = (mm_log_level) ctx->cfg.log_level;
    mm_log_secret(&ctx->log, ctx->cfg.telegram_token);
    mm_log_secret(&ctx->log, ctx->cfg.redis_password);
    mm_log_secret(&ctx->log, ctx->cfg.webhook_secret);
    mm_log_secret(&ctx->log, getenv("WALLET_ENCRYPTION_KEY"));
    mm_log_secret(&ctx->log, getenv("NEAR_WALLET_PRIVATE_KEY"));
    ctx->outbox_lease_ms = 30000;
    if (getenv("MM_OUTBOX_LEASE_MS"))
        ctx->outbox_lease_ms = atoi(getenv("MM_OUTBOX_LEASE_MS"));
    if (ctx->outbox_lease_ms < 1000) {
        mm_say("error", "%s", "MM_OUTBOX_LEASE_MS must be at least 1000");
        return 2;
    }
    if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT)) {
        mm_say("error", "%s", "libsodium or libcurl failed to initialise");
        return 1;
    }
    gethostname(host, sizeof(host) - 1);
    randombytes_buf(rnd, sizeof(rnd));
    snprintf(ctx->instance, sizeof(ctx->instance), "%s:%d:%02x%02x%02x%02x", host,
             (int) getpid(), rnd[0], rnd[1], rnd[2], rnd[3]);
    return 0;
}

/* Registers the command menus Telegram shows, per scope, from the bot's
 * command table.  Best effort: a bot without menus still works. */
static void mm_register_commands(mm_ctx *ctx, mm_tg *tg) {
    static const char *const scopes[] = { "all_private_chats", "all_group_chats" };

    for (int group = 0; group < 2; group++) {
        json_t *params = json_pack("{s:o, s:{s:s}}", "commands",
                                   mm_bot_command_menu(ctx, group), "scope", "type",
                                   scopes[group]);
        mm_tg_result res;

        if (mm_tg_call_retry(tg, "setMyCommands", params, 10000, 2, &res))
            mm_log_warn(&ctx->log, "main", "setMyCommands (%s) failed: %s", scopes[group],
                        res.description);
        json_decref(params);
        mm_tg_result_free(&res);
    }
}

/* Schema, question bank, the bot's username and its command menus: what
 * run needs first. */
static int mm_prepare(mm_ctx *ctx) {
    mm_db db = { NULL };
    mm_tg tg;
    mm_tg_result res;
    json_t *none;
    char err[512];
    int version, applied, stored, rejected;

    if (mm_db_open(&db, ctx->cfg.database_url))
        return mm_fatal(ctx, "database", db.err);
    applied = mm_migrate(db.conn, &version, err, sizeof(err));
    if (applied < 0) {
        mm_db_close(&db);
        return mm_fatal(ctx, "migrate", err);
    }
    stored = mm_bank_seed(&db, &rejected);
    mm_db_close(&db);
    if (stored < 0)
        return mm_fatal(ctx, "question bank", db.err);
    mm_log_info(&ctx->log, "main", "schema at version %d (%d applied); question bank: %d "
                "questions, %d rejected", version, applied, stored, rejected);

    if (mm_tg_init(&tg, ctx))
        return mm_fatal(ctx, "telegram", "curl_easy_init failed");
    if (ctx->cfg.bot_username) {
        snprintf(ctx->bot_username, sizeof(ctx->bot_username), "%s", ctx->cfg.bot_username);
        mm_register_commands(ctx, &tg);
        mm_tg_free(&tg);
        return 0;
    }
    none = json_object();
    if (mm_tg_call_retry(&tg, "getMe", none, 15000, 5, &res)) {
        json_decref(none);
        mm_tg_free(&tg);
        snprintf(err, sizeof(err), "getMe failed: %s%s", res.description,
                 res.error_code == 401 ? " (check TELEGRAM_TOKEN)" : "");
        mm_tg_result_free(&res);
        return mm_fatal(ctx, "telegram", err);
    }
    snprintf(ctx->bot_username, sizeof(ctx->bot_username), "%s",
             json_string_value(json_object_get(res.result, "username"))
                 ? json_string_value(json_object_get(res.result, "username")) : "");
    json_decref(none);
    mm_tg_result_free(&res);
    mm_register_commands(ctx, &tg);
    mm_tg_free(&tg);
    return 0;
}

static void mm_report(mm_ctx *ctx, redisContext *r) {
    long long edge = 0, parts = 0;
    char stream[160];
    redisReply *reply;

    reply = redisCommand(r, "XLEN %s", ctx->cfg.stream);
    if (reply && reply->type == REDIS_REPLY_INTEGER)
        edge = reply->integer;
    freeReplyObject(reply);
    for (int k = 0; k < ctx->cfg.partitions; k++) {
        mm_partition_stream(ctx, k, stream, sizeof(stream));
        reply = redisCommand(r, "XLEN %s", stream);
        if (reply && reply->type == REDIS_REPLY_INTEGER)
            parts += reply->integer;
        freeReplyObject(reply);
    }
    if (r->err)
        mm_log_warn(&ctx->log, "main", "backlog report failed: %s", r->errstr);
    else
        mm_log_info(&ctx->log, "main", "stream backlog: %lld to route, %lld in partitions",
                    edge, parts);
}

/* Every thread of a running worker, each an mm_loop. */
typedef struct mm_threads {
    mm_router router;
    mm_poller poller;
    mm_loop timers;
    mm_maintenance maintenance;
    mm_chain chain;
    mm_consumer **consumers;
    mm_engine_loop *engines;
    mm_loop **all;
    int n;
} mm_threads;

static void mm_threads_free(mm_ctx *ctx, mm_threads *t) {
    for (int i = 0; t->consumers && i < ctx->cfg.threads; i++)
        mm_consumer_free(t->consumers[i]);
    free(t->consumers);
    free(t->engines);
    free(t->all);
}

/* Lays the threads out (nothing runs yet); 0, or -1 out of memory. */
static int mm_threads_plan(mm_ctx *ctx, mm_threads *t) {
    int cap = 5 + ctx->cfg.threads + ctx->cfg.engine_threads;

    memset(t, 0, sizeof(*t));
    t->consumers = calloc((size_t) ctx->cfg.threads, sizeof(*t->consumers));
    t->engines = calloc((size_t) ctx->cfg.engine_threads, sizeof(*t->engines));
    t->all = calloc((size_t) cap, sizeof(*t->all));
    if (t->consumers == NULL || t->engines == NULL || t->all == NULL)
        return -1;
    mm_router_init(&t->router, ctx);
    t->all[t->n++] = &t->router.loop;
    mm_timers_init(&t->timers, ctx);
    t->all[t->n++] = &t->timers;
    mm_maintenance_init(&t->maintenance, ctx);
    t->all[t->n++] = &t->maintenance.loop;
    for (int i = 0; i < ctx->cfg.engine_threads; i++) {
        mm_engine_loop_init(&t->engines[i], ctx, i);
        t->all[t->n++] = &t->engines[i].loop;
    }
    for (int i = 0; i < ctx->cfg.threads; i++) {
        if ((t->consumers[i] = mm_consumer_new(ctx, i)) == NULL)
            return -1;
        t->all[t->n++] = mm_consumer_loop(t->consumers[i]);
    }
    if (ctx->cfg.webhook_url == NULL) {
        mm_poller_init(&t->poller, ctx);
        t->all[t->n++] = &t->poller.loop;
    }
    if (ctx->cfg.chain.enabled) {
        mm_chain_init(&t->chain, ctx);
        t->all[t->n++] = &t->chain.loop;
    }
    return 0;
}

static int mm_run(mm_ctx *ctx) {
    mm_threads threads;
    mm_engine engine;
    char err[300];
    redisContext *r;
    sigset_t sigs;
    int rc, waited = 0, started = 0;

    /* signals are taken by this thread only (sigtimedwait below) */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (mm_engine_config(&engine, err, sizeof(err)))
        return mm_fatal(ctx, "engine", err);
    ctx->engine = &engine;
    if ((rc = mm_prepare(ctx)) != 0)
        return rc;
    if ((r = mm_redis_open(ctx, "main")) == NULL)
        return 1;
    if (mm_threads_plan(ctx, &threads)) {
        mm_threads_free(ctx, &threads);
        redisFree(r);
        return mm_fatal(ctx, "start", "out of memory");
    }
    ctx->sender = mm_sender_start(ctx);
    for (int i = 0; ctx->sender && i < threads.n; i++, started++)
        if (mm_loop_start(threads.all[i]))
            break;
    if (ctx->sender == NULL || started < threads.n) {
        rc = 1;
        goto stop;
    }
    mm_engine_describe(&engine, err, sizeof(err));
    mm_log_info(&ctx->log, "main", "started as @%s: stream \"%s\", %d partitions, %d "
                "threads, %s; questions: %s", ctx->bot_username, ctx->cfg.stream,
                ctx->cfg.partitions, ctx->cfg.threads,
                ctx->cfg.webhook_url ? "webhook ingress" : "long polling getUpdates", err);
    mm_report(ctx, r);

    for (;;) {
        struct timespec second = { 1, 0 };
        int sig = sigtimedwait(&sigs, NULL, &second);
        if (sig == SIGTERM || sig == SIGINT)
            break;
        if (++waited >= ctx->cfg.report_interval) {
            waited = 0;
            mm_report(ctx, r);
        }
    }
    mm_log_info(&ctx->log, "main", "stopping");
    rc = 0;

stop:
    /* handlers finish the update in hand; replies get 5 s to leave */
    atomic_store(&ctx->stop, 1);
    for (int i = 0; i < threads.n; i++)
        mm_loop_join(threads.all[i]);
    if (ctx->sender)
        mm_sender_stop(ctx->sender, 5000);
    mm_threads_free(ctx, &threads);
    redisFree(r);
    if (rc == 0)
        mm_log_info(&ctx->log, "main", "stopped");
    return rc;
}

/* set-webhook, delete-webhook, webhook-info */
static int mm_webhook_cli(mm_ctx *ctx, const char *cmd, int drop) {
    mm_tg tg;
    mm_tg_result res;
    json_t *params;
    char *out;
    int rc;

    if (!strcmp(cmd, "set-webhook")) {
        const char *maxc = getenv("MM_WEBHOOK_MAX_CONNECTIONS");
        if (ctx->cfg.webhook_url == NULL) {
            mm_say("error", "%s", "WEBHOOK_URL is not set (the public HTTPS URL of nginx's "
                   "mm_webhook location)");
            return 2;
        }
        if (ctx->cfg.webhook_secret == NULL)
            mm_say("warn", "%s", "WEBHOOK_SECRET is not set: anyone who learns the URL can "
                   "post updates");
        params = json_pack("{s:s, s:o, s:i}", "url", ctx->cfg.webhook_url, "allowed_updates",
                           json_loads(MM_ALLOWED_UPDATES_JSON, 0, NULL), "max_connections",
                           maxc ? atoi(maxc) : 40);
        if (ctx->cfg.webhook_secret)
            json_object_set_new(params, "secret_token", json_string(ctx->cfg.webhook_secret));
        cmd = "setWebhook";
    } else if (!strcmp(cmd, "delete-webhook")) {
        params = json_pack("{s:b}", "drop_pending_updates", drop);
        cmd = "deleteWebhook";
    } else {
        params = json_object();
        cmd = "getWebhookInfo";
    }
    if (mm_tg_init(&tg, ctx)) {
        json_decref(params);
        return 1;
    }
    rc = mm_tg_call_retry(&tg, cmd, params, 15000, 4, &res);
    json_decref(params);
    if (rc) {
        mm_log_error(&ctx->log, "telegram", "%s failed: %s", cmd, res.description);
    } else {
        out = json_dumps(res.result, JSON_COMPACT | JSON_ENCODE_ANY);
        printf("%s\n", out ? out : "true");
        free(out);
    }
    mm_tg_result_free(&res);
    mm_tg_free(&tg);
    return rc ? 1 : 0;
}
int main(int argc, char **argv) {
    mm_ctx *ctx;
    int rc;

    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        mm_usage(stdout);
        return 0;
    }
    if (argc == 2 && !strcmp(argv[1], "migrate"))
        return mm_migrate_main();
    if (argc > 1 && !strcmp(argv[1], "deposits"))
        return mm_deposit_cli(argc - 2, argv + 2);
    if (argc > 1 && !strcmp(argv[1], "payouts"))
        return mm_ledger_cli(argc - 2, argv + 2);
    if (argc > 1 && !strcmp(argv[1], "near"))
        return mm_near_cli(argc - 2, argv + 2);
    if (argc > 1 && !strcmp(argv[1], "generate"))
        return mm_generate_cli(argc - 2, argv + 2);
    if (argc > 1 && !strcmp(argv[1], "review"))
        return mm_review_cli(argc - 2, argv + 2);
    if (argc > 1 && !strcmp(argv[1], "questions"))
        return mm_questions_cli(argc - 2, argv + 2);

    ctx = calloc(1, sizeof(*ctx));
    if (ctx == NULL)
        return 1;
    if (argc == 1 || (argc == 2 && !strcmp(argv[1], "run"))) {
        rc = mm_setup(ctx, 1);
        if (rc == 0)
            rc = mm_run(ctx);
    } else if ((argc == 2 && (!strcmp(argv[1], "set-webhook") || !strcmp(argv[1], "webhook-info")))
               || (!strcmp(argv[1], "delete-webhook")
                   && (argc == 2 || (argc == 3 && !strcmp(argv[2], "--drop-pending"))))) {
        setenv("DATABASE_URL", getenv("DATABASE_URL") ? getenv("DATABASE_URL") : "unused", 0);
        rc = mm_setup(ctx, 1);
        if (rc == 0)
            rc = mm_webhook_cli(ctx, argv[1], argc == 3);
    } else {
        mm_usage(stderr);
        rc = 2;
    }
    free(ctx);
    return rc;
}
