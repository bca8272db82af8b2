#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "chain/mm_chain_config.h"
#include "cli/mm_cli.h"
#include "engine/mm_jobs.h"
#include "quiz/mm_prize.h"
#include "quiz/mm_question.h"
#include "quiz/mm_when.h"
#include "sched/mm_timers.h"
#include "telegram/mm_tg.h"

/*
 * mm-worker quiz: group quizzes without the wizard, for operators and
 * scheduled quizzes.  `create` writes the draft and asks the running
 * worker's engine for its questions (the job ends with a quiz_made timer
 * in the group, where the bot announces it — a paid one once its pool
 * came from its creator's wallet), then waits for the outcome;
 * `end` makes the end timer due now and waits for the end; `show` and
 * `list` print JSON.  What the bot does is what the wizard's quizzes get.
 */

#define MM_WAIT_DEFAULT_S 120
#define MM_POLL_MS        200

static int mm_usage(void) {
    fprintf(stderr,
            "usage: mm-worker quiz create --chat GROUP_ID --creator USER_ID --topic T --count N "
            "--seconds S\n"
            "                             (--duration SECONDS | --ends-at ISO) [--starts-at ISO] "
            "[--notes TEXT] [--wait SECONDS]\n"
            "                             [--token NEAR|SYMBOL --prize AMOUNT "
            "--split wta|top3|top5|top10|custom:P1,P2,… [--members-only]]\n"
            "       mm-worker quiz show ID | end ID | list [--chat ID] [--status S]\n");
    return MM_EXIT_USAGE;
}

/* A whole number in [lo, hi], or -1. */
static long long mm_arg_number(const char *s, long long lo, long long hi) {
    char *end;
    long long v = strtoll(s, &end, 10);

    return !*s || *end || v < lo || v > hi ? -1 : v;
}

/* The quiz's status, or "" when there is none (-1: the database failed). */
static int mm_quiz_status(mm_cli *c, mm_db *db, long long id, char *status, size_t len) {
    mm_params p;
    PGresult *res;
    int found;

    mm_params_init(&p, MM_SQL_QUIZ_GET);
    mm_param_ll(&p, id);
    if ((found = mm_db_one(db, &p, &res)) < 0) {
        mm_cli_say(c, "%s", db->err);
        return -1;
    }
    snprintf(status, len, "%s", found ? mm_col_str(res, 0, MM_QUIZ_STATUS) : "");
    if (found)
        PQclear(res);
    return 0;
}

/* Polls until the quiz leaves `from` states (comma-separated) or wait_s
 * pass; its status then in status. */
static int mm_quiz_wait(mm_cli *c, mm_db *db, long long id, const char *from, int wait_s,
                        char *status, size_t len) {
    long long until = mm_now_ms() + wait_s * 1000LL;

    for (;;) {
        char padded[64];
        if (mm_quiz_status(c, db, id, status, len))
            return -1;
        snprintf(padded, sizeof(padded), ",%s,", status);
        if (!strstr(from, padded) || mm_now_ms() >= until)
            return 0;
        usleep(MM_POLL_MS * 1000);
    }
}

/* The quiz as `quiz show` prints it, with its deep link; stdout. */
static int mm_quiz_print(mm_cli *c, mm_db *db, long long id, const char *link_user) {
    mm_params p;
    PGresult *res;
    json_t *o;
    char link[200], *out;

    mm_params_init(&p, MM_SQL_QUIZ_SHOW);
    mm_param_ll(&p, id);
    if (mm_db_one(db, &p, &res) != 1) {
        mm_cli_say(c, "no quiz %lld%s%s", id, db->err[0] ? ": " : "", db->err);
        return MM_EXIT_FAIL;
    }
    o = json_loads(mm_col_str(res, 0, 0), 0, NULL);
    PQclear(res);
    if (o && link_user && *link_user) {
        snprintf(link, sizeof(link), "https://t.me/%s?start=quiz_%lld", link_user, id);
        json_object_set_new(o, "deep_link", json_string(link));
    }
    out = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (out == NULL) {
        mm_cli_say(c, "out of memory");
        return MM_EXIT_FAIL;
    }
    printf("%s\n", out);
    free(out);
    return MM_EXIT_OK;
}

typedef struct mm_quiz_args {
    long long chat, creator, count, seconds, duration, starts_ms, ends_ms, wait_s;
    char topic[MM_Q_TOPIC_MAX];
    const char *notes;
    /* a paid quiz's */
    const char *symbol, *prize, *split;
    int members_only;
} mm_quiz_args;

typedef struct mm_prize_plan {
    const mm_token *token;
    char pool[48], fee[MM_UNITS_MAX], amounts[MM_PRIZE_RANKS_MAX][MM_UNITS_MAX];
    int n;
    const char *name;
} mm_prize_plan;

/* --token, --prize and --split into base units per rank; 0, or -1 said. */
static int mm_prize_plan_of(mm_cli *c, const mm_quiz_args *a, mm_prize_plan *pl) {
    char err[300];
    const mm_split *sp;

    if (!c->ctx->cfg.chain.enabled) {
        mm_cli_say(c, "prizes need NEAR wallets (NEAR_WALLET_ADDRESS and the rest)");
        return -1;
    }
    if ((pl->token = mm_chain_token(&c->ctx->cfg.chain, a->symbol)) == NULL) {
        mm_cli_say(c, "unknown token %s (NEAR or one of NEAR_TOKENS)", a->symbol);
        return -1;
    }
    if (mm_amount_parse(a->prize, pl->token->decimals, pl->pool, err, sizeof(err))) {
        mm_cli_say(c, "--prize: %s", err);
        return -1;
    }
    if (!strncmp(a->split, "custom:", 7)) {
        /* percentages: "custom:50,30,20" */
        char text[200];
        snprintf(text, sizeof(text), "%s%%", a->split + 7);
        pl->name = "custom";
        if (mm_prize_custom(text, pl->pool, pl->token->decimals, &pl->n, pl->amounts, err,
                            sizeof(err))) {
            mm_cli_say(c, "--split: %s", err);
            return -1;
        }
    } else if ((sp = mm_split_find(a->split)) == NULL) {
        mm_cli_say(c, "--split must be wta, top3, top5, top10 or custom:P1,P2,…");
        return -1;
    } else if (mm_prize_split(pl->pool, sp->bps, sp->n, pl->amounts, err, sizeof(err))) {
        mm_cli_say(c, "--split: %s", err);
        return -1;
    } else {
        pl->name = sp->name;
        pl->n = sp->n;
    }
    return mm_prize_fee(pl->pool, c->ctx->cfg.fee_bps, pl->fee);
}

/* The draft's prize, as the wizard sets it. */
static int mm_prize_store(mm_cli *c, mm_db *db, long long id, const mm_quiz_args *a,
                          const mm_prize_plan *pl) {
    json_t *split = json_array();
    mm_params p;
    char *text;
    int rc;

    for (int i = 0; i < pl->n; i++)
        json_array_append_new(split, json_string(pl->amounts[i]));
    text = json_dumps(split, JSON_COMPACT);
    json_decref(split);
    mm_params_init(&p, MM_SQL_QUIZ_PRIZE_SET);
    mm_param_ll(&p, id);
    mm_param_str(&p, pl->token->contract[0] ? pl->token->contract : "NEAR");
    mm_param_str(&p, pl->token->symbol);
    mm_param_int(&p, pl->token->decimals);
    mm_param_str(&p, pl->pool);
    mm_param_str(&p, text);
    mm_param_str(&p, pl->name);
    mm_param_str(&p, pl->fee);
    mm_param_bool(&p, a->members_only);
    rc = text ? mm_db_do(db, &p) : -1;
    free(text);
    if (rc)
        mm_cli_say(c, "%s", db->err);
    return rc;
}

static int mm_create_args(mm_cli *c, int argc, char **argv, mm_quiz_args *a) {
    long long now = mm_now_ms();

    memset(a, 0, sizeof(*a));
    a->starts_ms = a->ends_ms = -1;
    a->duration = -1;
    a->wait_s = MM_WAIT_DEFAULT_S;
    a->notes = "";
    for (int i = 0; i < argc; i += 2) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
        int bad = 0;
        if (!strcmp(k, "--members-only")) {
            a->members_only = 1;
            i--;
            continue;
        }
        if (i + 1 >= argc)
            return -1;
        if (!strcmp(k, "--chat"))
            bad = (a->chat = mm_arg_number(v, -(1LL << 53), -1)) == -1 && strcmp(v, "-1");
        else if (!strcmp(k, "--creator"))
            bad = (a->creator = mm_arg_number(v, 1, 1LL << 53)) < 0;
        else if (!strcmp(k, "--topic"))
            bad = mm_topic_slug(v, a->topic, sizeof(a->topic)) == 0;
        else if (!strcmp(k, "--count"))
            bad = (a->count = mm_arg_number(v, 1, MM_QUIZ_QUESTIONS_MAX)) < 0;
        else if (!strcmp(k, "--seconds"))
            bad = (a->seconds = mm_arg_number(v, 10, 300)) < 0;
        else if (!strcmp(k, "--duration"))
            bad = (a->duration = mm_arg_number(v, 60, 7 * 86400)) < 0;
        else if (!strcmp(k, "--ends-at"))
            bad = mm_when_iso_parse(v, &a->ends_ms) != 0;
        else if (!strcmp(k, "--starts-at"))
            bad = mm_when_iso_parse(v, &a->starts_ms) != 0;
        else if (!strcmp(k, "--notes"))
            bad = strlen(a->notes = v) > 8000;
        else if (!strcmp(k, "--wait"))
            bad = (a->wait_s = mm_arg_number(v, 0, 3600)) < 0;
        else if (!strcmp(k, "--token"))
            a->symbol = v;
        else if (!strcmp(k, "--prize"))
            a->prize = v;
        else if (!strcmp(k, "--split"))
            a->split = v;
        else
            bad = 1;
        if (bad) {
            mm_cli_say(c, "bad %s: %s", k, v);
            return -1;
        }
    }
    if (a->chat == 0 || !a->creator || !a->topic[0] || !a->count || !a->seconds
        || (a->duration < 0) == (a->ends_ms < 0)
        || (a->symbol || a->prize || a->split) != (a->symbol && a->prize && a->split)
        || (a->members_only && !a->symbol))
        return -1;
    if (a->ends_ms >= 0) {
        long long from = a->starts_ms >= 0 ? a->starts_ms : now;
        a->duration = (a->ends_ms - from) / 1000;
        if (a->ends_ms <= now || a->duration < 60 || a->duration > 7 * 86400) {
            mm_cli_say(c, "--ends-at must be 1 minute to 7 days after the start, in the future");
            return -1;
        }
    }
    if (a->duration < a->count * a->seconds) {
        mm_cli_say(c, "open %lld s, but playing takes up to %lld s (count x seconds)",
                   a->duration, a->count * a->seconds);
        return -1;
    }
    return 0;
}

/* The bot must be in the group: only my_chat_member (or its messages) say
 * so.  0, or an exit code (said). */
static int mm_group_known(mm_cli *c, mm_db *db, long long chat) {
    mm_params p;
    PGresult *res;
    int found, gone;

    mm_params_init(&p, MM_SQL_GROUP_GET);
    mm_param_ll(&p, chat);
    if ((found = mm_db_one(db, &p, &res)) <= 0) {
        mm_cli_say(c, "%s", found < 0 ? db->err : "the bot is not in that group (add it first)");
        return found < 0 ? MM_EXIT_DOWN : MM_EXIT_FAIL;
    }
    gone = !strcmp(mm_col_str(res, 0, MM_GROUP_BOT_STATUS), "left")
           || !strcmp(mm_col_str(res, 0, MM_GROUP_BOT_STATUS), "kicked");
    PQclear(res);
    if (gone)
        mm_cli_say(c, "the bot is no longer in that group");
    return gone ? MM_EXIT_FAIL : 0;
}

/* The draft as the arguments describe it (its creator known as a player):
 * its id, or -1 said. */
static long long mm_draft(mm_cli *c, mm_db *db, const mm_quiz_args *a) {
    mm_params p;
    PGresult *res;
    long long id;

    mm_params_init(&p, MM_SQL_USER_SEEN);
    mm_param_ll(&p, a->creator);
    if (mm_db_do(db, &p)) {
        mm_cli_say(c, "%s", db->err);
        return -1;
    }
    mm_params_init(&p, MM_SQL_QUIZ_DRAFT);
    mm_param_ll(&p, a->chat);
    mm_param_ll(&p, a->creator);
    mm_param_str(&p, a->topic);
    mm_param_str(&p, a->notes);
    mm_param_int(&p, (int) a->count);
    mm_param_int(&p, (int) a->seconds);
    if (a->starts_ms >= 0) {            /* at a time: no delay */
        mm_param_null(&p);
        mm_param_ll(&p, a->duration);
        mm_param_ll(&p, a->starts_ms);
    } else {
        mm_param_ll(&p, 0);
        mm_param_ll(&p, a->duration);
        mm_param_null(&p);
    }
    if (a->ends_ms >= 0)
        mm_param_ll(&p, a->ends_ms);
    else
        mm_param_null(&p);
    if (mm_db_one(db, &p, &res) != 1) {
        mm_cli_say(c, "%s", db->err);
        return -1;
    }
    id = mm_col_ll(res, 0, 0);
    PQclear(res);
    return id;
}

static int mm_quiz_create(mm_cli *c, int argc, char **argv) {
    char status[16], user[64], err[300];
    mm_prize_plan plan;
    mm_quiz_args a;
    mm_tg tg;
    long long id;
    mm_db *db;
    int rc;

    if (mm_create_args(c, argc, argv, &a))
        return mm_usage();
    if (a.symbol && mm_prize_plan_of(c, &a, &plan))
        return MM_EXIT_USAGE;
    if ((db = mm_cli_db(c)) == NULL)
        return c->code;
    if ((rc = mm_group_known(c, db, a.chat)) != 0)
        return rc;
    if (mm_tg_init(&tg, c->ctx) || mm_tg_username(&tg, user, sizeof(user), err, sizeof(err))) {
        mm_tg_free(&tg);
        mm_cli_say(c, "%s", err);
        return MM_EXIT_DOWN;
    }
    mm_tg_free(&tg);
    if ((id = mm_draft(c, db, &a)) < 0 || (a.symbol && mm_prize_store(c, db, id, &a, &plan)))
        return MM_EXIT_FAIL;
    /* the job's end (a quiz_made timer) goes to the group: the bot announces it there */
    if (mm_quiz_job_queue(db, id, a.creator, a.chat) < 0) {
        mm_cli_say(c, "%s", db->err);
        return MM_EXIT_FAIL;
    }
    if (mm_quiz_wait(c, db, id, ",draft,funding,", (int) a.wait_s, status, sizeof(status)))
        return MM_EXIT_DOWN;
    if ((rc = mm_quiz_print(c, db, id, user)) != MM_EXIT_OK)
        return rc;
    if (!strcmp(status, "draft") || !strcmp(status, "funding")) {
        mm_cli_say(c, "quiz %lld: %s (is a worker running?)", id, !strcmp(status, "draft")
                   ? "its questions are not made yet" : "its prize pool has not arrived yet");
        return MM_EXIT_PENDING;
    }
    if (!strcmp(status, "cancelled")) {
        mm_cli_say(c, "quiz %lld: not announced (see its error in quiz show)", id);
        return MM_EXIT_FAIL;
    }
    return MM_EXIT_OK;
}

static int mm_quiz_end(mm_cli *c, long long id) {
    char status[16];
    mm_params p;
    mm_db *db;
    long long n;

    if ((db = mm_cli_db(c)) == NULL)
        return c->code;
    mm_params_init(&p, MM_SQL_QUIZ_END_NOW);
    mm_param_ll(&p, id);
    mm_param_str(&p, MM_TIMER_QUIZ_END);
    mm_param_ll(&p, mm_now_ms());
    if ((n = mm_db_count(db, &p)) < 0) {
        mm_cli_say(c, "%s", db->err);
        return MM_EXIT_FAIL;
    }
    if (n == 0) {
        if (mm_quiz_status(c, db, id, status, sizeof(status)))
            return MM_EXIT_DOWN;
        mm_cli_say(c, "quiz %lld is %s: only an open quiz can be ended", id,
                   status[0] ? status : "unknown");
        return MM_EXIT_FAIL;
    }
    if (mm_quiz_wait(c, db, id, ",active,", 60, status, sizeof(status)))
        return MM_EXIT_DOWN;
    printf("{\"id\":%lld,\"status\":\"%s\"}\n", id, status);
    if (!strcmp(status, "active")) {
        mm_cli_say(c, "quiz %lld: its end is due; no worker has ended it yet", id);
        return MM_EXIT_PENDING;
    }
    return MM_EXIT_OK;
}

static int mm_quiz_list(mm_cli *c, int argc, char **argv) {
    const char *chat = NULL, *status = NULL;
    mm_params p;
    PGresult *res;
    mm_db *db;

    for (int i = 0; i < argc; i += 2) {
        if (i + 1 >= argc)
            return mm_usage();
        if (!strcmp(argv[i], "--chat") && strspn(argv[i + 1], "-0123456789") == strlen(argv[i + 1]))
            chat = argv[i + 1];
        else if (!strcmp(argv[i], "--status"))
            status = argv[i + 1];
        else
            return mm_usage();
    }
    if ((db = mm_cli_db(c)) == NULL)
        return c->code;
    mm_params_init(&p, MM_SQL_QUIZ_LIST);
    mm_param_str(&p, chat);
    mm_param_str(&p, status);
    if ((res = mm_db_query(db, &p)) == NULL) {
        mm_cli_say(c, "%s", db->err);
        return MM_EXIT_FAIL;
    }
    for (int i = 0; i < PQntuples(res); i++)
        printf("%s\n", mm_col_str(res, i, 0));
    PQclear(res);
    return MM_EXIT_OK;
}

int mm_cli_quiz(mm_cli *c, int argc, char **argv) {
    long long id;
    mm_db *db;

    if (argc >= 1 && !strcmp(argv[0], "create"))
        return mm_quiz_create(c, argc - 1, argv + 1);
    if (argc >= 1 && !strcmp(argv[0], "list"))
        return mm_quiz_list(c, argc - 1, argv + 1);
    if (argc != 2 || (id = mm_arg_number(argv[1], 1, 1LL << 53)) < 0)
        return mm_usage();
    if (!strcmp(argv[0], "end"))
        return mm_quiz_end(c, id);
    if (strcmp(argv[0], "show"))
        return mm_usage();
    if ((db = mm_cli_db(c)) == NULL)
        return c->code;
    return mm_quiz_print(c, db, id, NULL);
}
