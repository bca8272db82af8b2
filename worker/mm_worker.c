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

#include "bank/mm_bank.h"
#include "bot/mm_bot.h"
#include "chain/mm_chain_jobs.h"
#include "chain/mm_payer.h"
#include "cli/mm_cli.h"
#include "engine/mm_engine.h"
#include "engine/mm_jobs.h"
#include "ingest/mm_ingest.h"
#include "mm_config.h"
#include "mm_ctx.h"
#include "mm_loop.h"
#include "sched/mm_timers.h"
#include "store/mm_db.h"
#include "store/mm_migrate.h"
#include "store/mm_redis.h"
#include "telegram/mm_sender.h"
#include "telegram/mm_tg.h"

/* The one line a failed start-up prints before exiting. */
static int mm_fatal(mm_ctx *ctx, const char *what, const char *why, int code) {
    mm_log_error(&ctx->log, "main", "%s: %s", what, why);
    return code;
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
    char err[512];
    int version, applied, stored, rejected;

    if (mm_db_open(&db, ctx->cfg.database_url))
        return mm_fatal(ctx, "database", db.err, MM_EXIT_DOWN);
    applied = mm_migrate(db.conn, &version, err, sizeof(err));
    if (applied < 0) {
        mm_db_close(&db);
        return mm_fatal(ctx, "migrate", err, MM_EXIT_FAIL);
    }
    stored = mm_bank_seed(&db, &rejected);
    mm_db_close(&db);
    if (stored < 0)
        return mm_fatal(ctx, "question bank", db.err, MM_EXIT_FAIL);
    mm_log_info(&ctx->log, "main", "schema at version %d (%d applied); question bank: %d "
                "questions, %d rejected", version, applied, stored, rejected);

    if (mm_tg_init(&tg, ctx))
        return mm_fatal(ctx, "telegram", "curl_easy_init failed", MM_EXIT_FAIL);
    if (mm_tg_username(&tg, ctx->bot_username, sizeof(ctx->bot_username), err, sizeof(err))) {
        mm_tg_free(&tg);
        return mm_fatal(ctx, "telegram", err, MM_EXIT_DOWN);
    }
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
    mm_ingest_report(ctx, r);
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
    mm_payer payer;
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
    int cap = 6 + ctx->cfg.threads + ctx->cfg.engine_threads;

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
        mm_payer_init(&t->payer, ctx);         /* the operator's payouts */
        t->all[t->n++] = &t->payer.loop;
    }
    return 0;
}

/* mm-worker [run]: the daemon, until SIGTERM. */
int mm_cli_run(mm_cli *c, int argc, char **argv) {
    mm_ctx *ctx = c->ctx;
    mm_threads threads;
    mm_engine engine;
    char err[300];
    redisContext *r;
    sigset_t sigs;
    int rc, waited = 0, started = 0;

    (void) argv;
    if (argc != 0)
        return MM_EXIT_USAGE;

    /* signals are taken by this thread only (sigtimedwait below) */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (mm_engine_config(&engine, &ctx->cfg, err, sizeof(err))) {
        mm_cli_say(c, "%s", err);
        return MM_EXIT_USAGE;
    }
    engine.llm.stop = &ctx->stop;       /* a provider's retry delay ends with SIGTERM */
    ctx->engine = &engine;
    if ((rc = mm_prepare(ctx)) != 0)
        return rc;
    if ((r = mm_redis_open(ctx, "main")) == NULL)
        return MM_EXIT_DOWN;
    if (mm_threads_plan(ctx, &threads)) {
        mm_threads_free(ctx, &threads);
        redisFree(r);
        return mm_fatal(ctx, "start", "out of memory", MM_EXIT_FAIL);
    }
    ctx->sender = mm_sender_start(ctx);
    for (int i = 0; ctx->sender && i < threads.n; i++, started++)
        if (mm_loop_start(threads.all[i]))
            break;
    if (ctx->sender == NULL || started < threads.n) {
        rc = MM_EXIT_FAIL;
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

int main(int argc, char **argv) {
    return mm_cli_main(argc, argv);
}
