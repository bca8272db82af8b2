/*
 * mm-worker questions import|export: the bank's JSON-lines format in and
 * out, so operators can bring their own questions.
 */

#ifndef MM_QUESTIONS_CLI_H
#define MM_QUESTIONS_CLI_H

#include "store/mm_db.h"

int mm_questions_cli(int argc, char **argv);

/* Opens DATABASE_URL for a command-line tool: 0, or the exit status with
 * the reason printed. */
int mm_cli_db(const char *cmd, mm_db *db);

/* mm-worker review list|approve ID|reject ID: the reported questions. */
int mm_review_cli(int argc, char **argv);

#endif /* MM_QUESTIONS_CLI_H */
