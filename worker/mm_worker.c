/*
 * mm-worker: the daemon that drains the update stream the nginx module
 * fills.  This first cut connects, makes sure the consumer group exists and
 * reports the backlog until SIGTERM; the bot itself consumes the group.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "chain/mm_ledger_cli.h"
#include "chain/mm_near_cli.h"
#include "store/mm_migrate.h"
#include "mm_config.h"

typedef struct mm_worker {
    mm_config cfg;
    redisContext *redis;
} mm_worker;

static volatile sig_atomic_t mm_stop;

static void mm_on_signal(int sig) {
    (void) sig;
    mm_stop = 1;
}

static void mm_log(const char *level, const char *fmt, const char *arg) {
    char ts[32];
    time_t now = time(NULL);

    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    fprintf(stderr, "%s [%s] mm-worker: ", ts, level);
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
}

/* mm-worker migrate: brings DATABASE_URL's schema up to date */
static int mm_migrate_main(void) {
    const char *url = getenv("DATABASE_URL");
    PGconn *conn;
    char err[512], line[96];
    int version, n;

    if (url == NULL || *url == '\0') {
        mm_log("error", "%s", "DATABASE_URL is not set");
        return 2;
    }
    conn = PQconnectdb(url);
    if (PQstatus(conn) != CONNECTION_OK) {
        /* libpq's message names host and port, never the password */
        snprintf(err, sizeof(err), "%.*s", (int) strcspn(PQerrorMessage(conn), "\n"),
                 PQerrorMessage(conn));
        mm_log("error", "database connect failed: %s", err);
        PQfinish(conn);
        return 1;
    }
    n = mm_migrate(conn, &version, err, sizeof(err));
    PQfinish(conn);
    if (n < 0) {
        mm_log("error", "%s", err);
        return 1;
    }
    snprintf(line, sizeof(line), "applied %d, schema at version %d", n, version);
    mm_log("info", "migrate: %s", line);
    return 0;
}

static void mm_usage(FILE *out) {
    fprintf(out,
        "usage: mm-worker [run]      connect to Redis, create the consumer "
        "group, report the backlog\n"
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
        "       mm-worker migrate    apply the schema migrations to DATABASE_URL\n"
        "       mm-worker payouts add PURPOSE RECIPIENT NEAR|TOKEN AMOUNT  record a "
        "reward once\n"
        "       mm-worker payouts run  pay what is unpaid, never twice\n"
        "       mm-worker deposits verify USER TX_HASH SIGNER NEAR|TOKEN MIN  credit a "
        "deposit once\n"
        "       mm-worker --help\n\n"
        "environment:\n%s"
        "  DATABASE_URL        PostgreSQL connection URI (migrate)\n"
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

/* Connects and authenticates; 0 on success, the reason logged otherwise. */
static int mm_connect(mm_worker *w) {
    struct timeval tv = { 2, 0 };
    redisReply *reply;

    w->redis = redisConnectWithTimeout(w->cfg.redis_host, w->cfg.redis_port, tv);
    if (w->redis == NULL || w->redis->err) {
        mm_log("error", "redis connect failed: %s",
               w->redis ? w->redis->errstr : "out of memory");
        return -1;
    }
    if (w->cfg.redis_password) {
        reply = redisCommand(w->redis, "AUTH %s", w->cfg.redis_password);
        if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
            mm_log("error", "redis AUTH failed: %s",
                   reply ? reply->str : w->redis->errstr);
            freeReplyObject(reply);
            return -1;
        }
        freeReplyObject(reply);
    }
    return 0;
}

/* Creates the group at the stream's start; an existing group is kept. */
static int mm_ensure_group(mm_worker *w) {
    redisReply *reply;
    int rc = 0;

    reply = redisCommand(w->redis, "XGROUP CREATE %s %s 0 MKSTREAM",
                         w->cfg.stream, w->cfg.group);
    if (reply == NULL) {
        mm_log("error", "XGROUP CREATE failed: %s", w->redis->errstr);
        return -1;
    }
    if (reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "BUSYGROUP", 9)) {
        mm_log("error", "XGROUP CREATE failed: %s", reply->str);
        rc = -1;
    }
    freeReplyObject(reply);
    return rc;
}

static void mm_report(mm_worker *w) {
    redisReply *len, *pending;
    char line[160];

    len = redisCommand(w->redis, "XLEN %s", w->cfg.stream);
    pending = redisCommand(w->redis, "XPENDING %s %s", w->cfg.stream, w->cfg.group);
    if (len && len->type == REDIS_REPLY_INTEGER && pending
        && pending->type == REDIS_REPLY_ARRAY && pending->elements > 0) {
        snprintf(line, sizeof(line), "%lld entries, %lld pending",
                 len->integer, pending->element[0]->integer);
        mm_log("info", "stream backlog: %s", line);
    } else {
        mm_log("warn", "backlog report failed: %s",
               w->redis->err ? w->redis->errstr : "unexpected reply");
    }
    freeReplyObject(len);
    freeReplyObject(pending);
}

static int mm_run(mm_worker *w) {
    int waited = 0;

    if (mm_connect(w) || mm_ensure_group(w))
        return 1;
    mm_log("info", "started, stream \"%s\"", w->cfg.stream);
    mm_report(w);

    while (!mm_stop) {
        sleep(1);
        if (++waited >= w->cfg.report_interval && !mm_stop) {
            waited = 0;
            mm_report(w);
        }
    }
    mm_log("info", "%s", "stopping");
    return 0;
}

int main(int argc, char **argv) {
    mm_worker w;
    struct sigaction sa;
    char err[256];
    int rc;

    memset(&w, 0, sizeof(w));
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
    if (argc > 2 || (argc == 2 && strcmp(argv[1], "run"))) {
        mm_usage(stderr);
        return 2;
    }
    if (mm_config_load(&w.cfg, err, sizeof(err))) {
        mm_log("error", "%s", err);
        return 2;
    }

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = mm_on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    rc = mm_run(&w);
    if (w.redis)
        redisFree(w.redis);
    return rc;
}
