/*
 * mm-worker's subcommands, by table (cli/mm_cli.c): a name, the settings
 * it reads, its handler and its usage lines.  Every subcommand opens the
 * database, Redis and the NEAR RPC client the same way (below) and ends
 * with the same exit code for the same kind of failure.
 */

#ifndef MM_CLI_H
#define MM_CLI_H

#include <hiredis/hiredis.h>

#include "chain/mm_near_rpc.h"
#include "mm_ctx.h"
#include "store/mm_db.h"

#define MM_EXIT_OK      0
#define MM_EXIT_FAIL    1   /* the work failed or was refused (an error answer, a bad line) */
#define MM_EXIT_USAGE   2   /* the arguments or the settings are wrong */
#define MM_EXIT_DOWN    3   /* PostgreSQL, Redis, NEAR RPC or Telegram could not be reached */
#define MM_EXIT_PENDING 4   /* not final yet: run it again (the same bytes are sent) */

typedef struct mm_cli {
    const char *name;           /* "payouts run": how its messages start */
    mm_ctx *ctx;                /* cfg (core, bot and the command's areas), log, instance */
    int code;                   /* the exit code of a failed open below */
    mm_db db;
    redisContext *redis;
    mm_near_rpc rpc;
    int rpc_ready;
} mm_cli;

/* "<name>: <message>" on stderr, the tools' one form of complaint. */
void mm_cli_say(mm_cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* DATABASE_URL, Redis (REDIS_*) and the NEAR RPC client (NEAR_RPC_*),
 * each opened once on first use; NULL when they cannot be, said, with
 * c->code set (MM_EXIT_USAGE when a setting is missing, MM_EXIT_DOWN
 * when the service did not answer). */
mm_db *mm_cli_db(mm_cli *c);
redisContext *mm_cli_redis(mm_cli *c);
mm_near_rpc *mm_cli_rpc(mm_cli *c);

/* mm-worker's main: the subcommand named by argv[1] (run when none). */
int mm_cli_main(int argc, char **argv);

/* --- the handlers, by file --- */
int mm_cli_run(mm_cli *c, int argc, char **argv);          /* mm_worker.c */
int mm_cli_near(mm_cli *c, int argc, char **argv);         /* cli/mm_cli_near.c */
/* Before anything else: not dumpable, no core, every JSON buffer wiped
 * when freed (cli/mm_cli_near.c). */
void mm_cli_harden(void);
int mm_cli_payouts(mm_cli *c, int argc, char **argv);      /* cli/mm_cli_payouts.c */
int mm_cli_deposits(mm_cli *c, int argc, char **argv);
int mm_cli_generate(mm_cli *c, int argc, char **argv);     /* cli/mm_cli_generate.c */
int mm_cli_questions(mm_cli *c, int argc, char **argv);    /* cli/mm_cli_questions.c */
int mm_cli_review(mm_cli *c, int argc, char **argv);
int mm_cli_webhook(mm_cli *c, int argc, char **argv);      /* cli/mm_cli_telegram.c */
int mm_cli_quiz(mm_cli *c, int argc, char **argv);         /* cli/mm_cli_quiz.c */

#endif /* MM_CLI_H */
