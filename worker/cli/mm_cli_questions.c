#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bank/mm_bank.h"
#include "cli/mm_cli.h"
#include "quiz/mm_maze.h"

/*
 * mm-worker questions import|export: the bank's JSON-lines format in and
 * out, so operators can bring their own questions; mm-worker review
 * list|approve ID|reject ID: the questions players reported.
 */

static void mm_usage(void) {
    fprintf(stderr, "usage: mm-worker questions import [SOURCE] < questions.jsonl\n"
                    "       mm-worker questions export [TOPIC] > questions.jsonl\n");
}

/* Reads JSON lines from stdin: every line is checked, the good ones are
 * stored in one transaction (one already in the bank counts as a
 * duplicate), each rejected line is named on stderr with the reason, and
 * a summary is printed as JSON; exit 1 if any line was rejected. */
static int mm_import(mm_db *db, const char *source) {
    char *line = NULL, why[200];
    size_t cap = 0;
    ssize_t len;
    long lineno = 0, added = 0, dups = 0, rejected = 0;

    if (mm_db_exec(db, "BEGIN")) {
        fprintf(stderr, "questions import: %s\n", db->err);
        return 1;
    }
    while ((len = getline(&line, &cap, stdin)) != -1) {
        mm_question q;
        int fresh = 0;

        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0)
            continue;
        if (mm_question_from_json(line, (size_t) len, &q, why, sizeof(why)) == 0) {
            long long near = 0;
            double sim = 0;
            if (!strcmp(q.topic, MM_MAZE_TOPIC) || !strcmp(q.topic, MM_TOPIC_MIX)) {
                snprintf(why, sizeof(why), "topic \"%s\" is reserved", q.topic);
            } else if ((near = mm_question_near(db, &q, &sim)) > 0) {
                snprintf(why, sizeof(why), "nearly the same as question %lld (similarity %.2f)",
                         near, sim);
            } else if (near < 0) {
                fprintf(stderr, "questions import: line %ld: %s\n", lineno, db->err);
                mm_db_exec(db, "ROLLBACK");
                free(line);
                return 1;
            } else if (mm_question_store(db, &q, source, &fresh) < 0) {
                fprintf(stderr, "questions import: line %ld: %s\n", lineno, db->err);
                mm_db_exec(db, "ROLLBACK");
                free(line);
                return 1;
            } else {
                fresh ? added++ : dups++;
                continue;
            }
        }
        fprintf(stderr, "questions import: line %ld rejected: %s\n", lineno, why);
        rejected++;
    }
    free(line);
    if (mm_db_exec(db, "COMMIT")) {
        fprintf(stderr, "questions import: %s\n", db->err);
        return 1;
    }
    printf("{\"imported\":%ld,\"duplicates\":%ld,\"rejected\":%ld}\n", added, dups, rejected);
    return rejected ? 1 : 0;
}

static int mm_export(mm_db *db, const char *topic) {
    mm_params p;
    PGresult *res;

    mm_params_init(&p, MM_SQL_QUESTIONS_EXPORT);
    mm_param_str(&p, topic);
    if ((res = mm_db_query(db, &p)) == NULL) {
        fprintf(stderr, "questions export: %s\n", db->err);
        return 1;
    }
    for (int i = 0; i < PQntuples(res); i++)
        printf("%s\n", mm_col_str(res, i, 0));
    PQclear(res);
    return 0;
}

int mm_cli_questions(mm_cli *c, int argc, char **argv) {
    mm_db *db;

    if (argc < 1 || argc > 2 || (strcmp(argv[0], "import") && strcmp(argv[0], "export"))) {
        mm_usage();
        return 2;
    }
    if (!strcmp(argv[0], "import") && argc == 2
        && (!strcmp(argv[1], "maze") || strlen(argv[1]) > 32
            || strspn(argv[1], "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(argv[1]))) {
        fprintf(stderr, "questions import: SOURCE must be 1-32 of a-z 0-9 _ - and not \"maze\"\n");
        return 2;
    }
    if ((db = mm_cli_db(c)) == NULL)
        return c->code;
    return !strcmp(argv[0], "import") ? mm_import(db, argc == 2 ? argv[1] : "import")
                                      : mm_export(db, argc == 2 ? argv[1] : NULL);
}

/* mm-worker review list | approve ID | reject ID */
int mm_cli_review(mm_cli *c, int argc, char **argv) {
    mm_db *db;
    mm_params p;
    PGresult *res;
    int rc = 0;

    if (!(argc == 1 && !strcmp(argv[0], "list"))
        && !(argc == 2 && (!strcmp(argv[0], "approve") || !strcmp(argv[0], "reject"))
             && strspn(argv[1], "0123456789") == strlen(argv[1]) && argv[1][0])) {
        fprintf(stderr,
                "usage: mm-worker review list | approve QUESTION_ID | reject QUESTION_ID\n");
        return 2;
    }
    if ((db = mm_cli_db(c)) == NULL)
        return c->code;
    if (argc == 1) {
        mm_params_init(&p, MM_SQL_REVIEW_LIST);
        res = mm_db_query(db, &p);
        for (int i = 0; res && i < PQntuples(res); i++)
            printf("%s\n", mm_col_str(res, i, 0));
    } else {
        mm_params_init(&p, MM_SQL_REVIEW_SET);
        mm_param_str(&p, argv[1]);
        mm_param_str(&p, !strcmp(argv[0], "approve") ? "active" : "rejected");
        res = mm_db_query(db, &p);
        if (res && PQntuples(res) == 0) {
            fprintf(stderr, "review: no question %s\n", argv[1]);
            rc = 1;
        } else if (res) {
            printf("question %s %s\n", argv[1],
                   !strcmp(argv[0], "approve") ? "approved" : "rejected");
        }
    }
    if (res == NULL) {
        mm_cli_say(c, "%s", db->err);
        rc = MM_EXIT_FAIL;
    }
    PQclear(res);
    return rc;
}
