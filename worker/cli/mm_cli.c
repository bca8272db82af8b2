/*
 * The subcommand table and what every subcommand shares: reading the
 * configuration (the same loaders as the daemon), one way to open each
 * service, one set of exit codes (cli/mm_cli.h).
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "chain/mm_chain_config.h"
#include "cli/mm_cli.h"
#include "store/mm_migrate.h"
#include "store/mm_redis.h"

static int mm_cli_migrate(mm_cli *c, int argc, char **argv);

#define MM_CLI_WALLETS 0x100    /* with the chain: everything wallets need, checked */

typedef struct mm_cli_def {
    const char *name;
    unsigned areas;             /* MM_CFG_CHAIN: the chain loader runs first */
    unsigned need;              /* what mm_config_load() must find (MM_NEED_*) */
    int (*run)(mm_cli *c, int argc, char **argv);
    const char *usage;          /* its lines in --help, each after "mm-worker " */
} mm_cli_def;

static const mm_cli_def mm_cli_defs[] = {
    { "run", MM_CFG_CHAIN | MM_CLI_WALLETS, MM_NEED_TOKEN | MM_NEED_DATABASE, mm_cli_run,
      "[run]                      run the bot: migrate, seed the question bank, consume "
      "the stream\n" },
    { "set-webhook", 0, MM_NEED_TOKEN, mm_cli_webhook,
      "set-webhook                register WEBHOOK_URL (with WEBHOOK_SECRET) with Telegram\n" },
    { "delete-webhook", 0, MM_NEED_TOKEN, mm_cli_webhook,
      "delete-webhook [--drop-pending]  remove it (polling works again)\n" },
    { "webhook-info", 0, MM_NEED_TOKEN, mm_cli_webhook,
      "webhook-info               what Telegram reports about the webhook\n" },
    { "migrate", 0, MM_NEED_DATABASE, mm_cli_migrate,
      "migrate                    apply the schema migrations to DATABASE_URL\n" },
    { "generate", 0, 0, mm_cli_generate,
      "generate --topic T --count N --difficulty D [--provider P] [--notes TEXT] [--store]\n"
      "                           questions from the LLM providers, checked, as JSON lines\n" },
    { "questions", 0, 0, mm_cli_questions,
      "questions import [SOURCE] | export [TOPIC]  the question bank as JSON lines\n" },
    { "review", 0, 0, mm_cli_review,
      "review list | approve ID | reject ID  questions players reported\n" },
    { "quiz", MM_CFG_CHAIN | MM_CLI_WALLETS, MM_NEED_DATABASE, mm_cli_quiz,
      "quiz create --chat GROUP --creator USER --topic T --count N --seconds S\n"
      "     (--duration SECONDS | --ends-at ISO) [--starts-at ISO] [--notes TEXT] [--wait S]\n"
      "                           a group quiz made and announced by the running worker\n"
      "quiz show ID | end ID | list [--chat ID] [--status S]  group quizzes as JSON\n" },
    { "near", MM_CFG_CHAIN, 0, mm_cli_near,
      "near sign                  sign one transaction described as JSON on standard input "
      "(offline)\n"
      "near rpc METHOD ['PARAMS'] one NEAR JSON-RPC call with failover\n"
      "near send SIGNER_ID [WAIT_UNTIL] [--first]  send what near sign printed, safely\n"
      "near balance ACCOUNT [TOKEN]  NEAR or NEP-141 balance\n"
      "near block | near nonce ACCOUNT KEY  what a signer reads\n"
      "near create-wallet TELEGRAM_USER_ID  a user's sub-account\n"
      "near add-keys N            N new keys on NEAR_WALLET_ADDRESS; prints NEAR_SIGNER_KEYS\n"
      "near metadata TOKEN | shown-balance ACCOUNT [TOKEN]  cached for players (1 h, 300 s)\n"
      "near transfer RECEIVER AMOUNT [TOKEN]  NEAR or NEP-141 from NEAR_WALLET_ADDRESS\n" },
    { "payouts", MM_CFG_CHAIN, 0, mm_cli_payouts,
      "payouts add PURPOSE RECIPIENT NEAR|TOKEN AMOUNT  record a reward once\n"
      "payouts run                pay what is unpaid, never twice\n"
      "payouts list [--quiz ID] [--state S]  one JSON line per payout\n"
      "payouts retry ID           a failed payout whose transaction never landed, again\n" },
    { "deposits", MM_CFG_CHAIN, 0, mm_cli_deposits,
      "deposits verify USER TX_HASH [SIGNER] NEAR|TOKEN MIN [--quiz ID]\n"
      "                           credit once a payment to USER's wallet, or to the operator\n"
      "                           with memo quiz:ID for the quiz's creator\n" },
};

#define MM_NCLI (sizeof(mm_cli_defs) / sizeof(mm_cli_defs[0]))

static void mm_cli_usage(FILE *out) {
    for (size_t i = 0; i < MM_NCLI; i++)
        for (const char *line = mm_cli_defs[i].usage; *line;) {
            size_t n = strcspn(line, "\n");
            fprintf(out, "%s%.*s\n", i == 0 && line == mm_cli_defs[i].usage ? "usage: mm-worker "
                    : line[0] == ' ' ? "       " : "       mm-worker ", (int) n, line);
            line += n + (line[n] == '\n');
        }
    fprintf(out, "       mm-worker --help\n\nenvironment:");
    mm_config_help(out);
}

void mm_cli_say(mm_cli *c, const char *fmt, ...) {
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (!strcmp(c->name, "run"))
        mm_logf(&c->ctx->log, MM_LOG_ERROR, "main", NULL, "%s", msg);   /* JSON, as it runs */
    else
        fprintf(stderr, "%s: %s\n", c->name, msg);
}

mm_db *mm_cli_db(mm_cli *c) {
    if (c->db.conn)
        return &c->db;
    if (c->ctx->cfg.database_url == NULL) {
        mm_cli_say(c, "DATABASE_URL is not set");
        c->code = MM_EXIT_USAGE;
        return NULL;
    }
    if (mm_db_open(&c->db, c->ctx->cfg.database_url)) {
        mm_cli_say(c, "%s", c->db.err);
        c->code = MM_EXIT_DOWN;
        return NULL;
    }
    return &c->db;
}

redisContext *mm_cli_redis(mm_cli *c) {
    const mm_config *cfg = &c->ctx->cfg;
    char err[300];

    if (c->redis)
        return c->redis;
    c->redis = mm_redis_connect(cfg->redis_host, cfg->redis_port, cfg->redis_password, err,
                                sizeof(err));
    if (c->redis == NULL) {
        mm_cli_say(c, "redis: %s", err);
        c->code = MM_EXIT_DOWN;
    }
    return c->redis;
}

mm_near_rpc *mm_cli_rpc(mm_cli *c) {
    const mm_chain_cfg *ch = &c->ctx->cfg.chain;
    char err[256];

    if (c->rpc_ready)
        return &c->rpc;
    if (mm_near_rpc_init(&c->rpc, ch->rpc, ch->fallbacks, ch->api_key, err, sizeof(err))) {
        mm_cli_say(c, "%s", err);
        c->code = MM_EXIT_USAGE;
        return NULL;
    }
    if (ch->backoff_ms > 0)
        c->rpc.backoff_ms = ch->backoff_ms;
    for (int i = 0; ch->timeout_ms > 0 && i < c->rpc.n; i++)
        c->rpc.endpoint[i].timeout_ms = ch->timeout_ms;
    if (ch->breaker_open_ms > 0)
        c->rpc.breaker_open_s = ch->breaker_open_ms / 1000.0;
    c->rpc_ready = 1;
    return &c->rpc;
}

/* mm-worker migrate: brings DATABASE_URL's schema up to date */
static int mm_cli_migrate(mm_cli *c, int argc, char **argv) {
    char err[512];
    int version, n;
    mm_db *db;

    (void) argv;
    if (argc != 0)
        return MM_EXIT_USAGE;
    if ((db = mm_cli_db(c)) == NULL)
        return c->code;
    if ((n = mm_migrate(db->conn, &version, err, sizeof(err))) < 0) {
        mm_logf(&c->ctx->log, MM_LOG_ERROR, "main", NULL, "%s", err);
        return MM_EXIT_FAIL;
    }
    mm_logf(&c->ctx->log, MM_LOG_INFO, "main", NULL, "migrate: applied %d, schema at version %d",
            n, version);
    return MM_EXIT_OK;
}

/* Configuration, logger, libraries and the process's name: what every
 * subcommand starts with; 0, or the exit code. */
static int mm_cli_setup(mm_cli *c, const mm_cli_def *def) {
    mm_ctx *ctx = c->ctx;
    char err[512], host[64] = "host";
    unsigned char rnd[4];

    mm_cli_harden();
    ctx->log.level = MM_LOG_DEBUG;
    if (mm_config_load(&ctx->cfg, def->need, err, sizeof(err))
        || ((def->areas & MM_CFG_CHAIN)
            && mm_chain_config(&ctx->cfg, (def->areas & MM_CLI_WALLETS) != 0, err,
                               sizeof(err)))) {
        mm_cli_say(c, "%s", err);
        return MM_EXIT_USAGE;
    }
    ctx->log.level = (mm_log_level) ctx->cfg.log_level;
    mm_config_secrets(&ctx->cfg, &ctx->log);
    if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT)) {
        mm_cli_say(c, "libsodium or libcurl failed to initialise");
        return MM_EXIT_FAIL;
    }
    gethostname(host, sizeof(host) - 1);
    randombytes_buf(rnd, sizeof(rnd));
    snprintf(ctx->instance, sizeof(ctx->instance), "%s:%d:%02x%02x%02x%02x", host,
             (int) getpid(), rnd[0], rnd[1], rnd[2], rnd[3]);
    return MM_EXIT_OK;
}

static void mm_cli_close(mm_cli *c) {
    mm_db_close(&c->db);
    if (c->redis)
        redisFree(c->redis);
    if (c->rpc_ready)
        mm_near_rpc_free(&c->rpc);
}

int mm_cli_main(int argc, char **argv) {
    const char *name = argc > 1 ? argv[1] : "run";
    const mm_cli_def *def = NULL;
    mm_cli c;
    int rc;

    if (!strcmp(name, "--help") || !strcmp(name, "-h")) {
        mm_cli_usage(stdout);
        return MM_EXIT_OK;
    }
    for (size_t i = 0; i < MM_NCLI && def == NULL; i++)
        if (!strcmp(mm_cli_defs[i].name, name))
            def = &mm_cli_defs[i];
    if (def == NULL) {
        mm_cli_usage(stderr);
        return MM_EXIT_USAGE;
    }
    memset(&c, 0, sizeof(c));
    c.name = def->name;
    if ((c.ctx = calloc(1, sizeof(*c.ctx))) == NULL)
        return MM_EXIT_FAIL;
    rc = mm_cli_setup(&c, def);
    if (rc == MM_EXIT_OK)
        rc = def->run(&c, argc > 1 ? argc - 2 : 0, argc > 1 ? argv + 2 : argv + argc);
    if (rc == MM_EXIT_USAGE && !strcmp(def->name, "migrate"))
        fprintf(stderr, "usage: mm-worker %s", def->usage);
    mm_cli_close(&c);
    mm_log_free(&c.ctx->log);
    free(c.ctx);
    return rc;
}
