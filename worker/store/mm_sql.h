/*
 * Every statement the bot runs, named once; mm_db prepares them lazily.
 */

#ifndef MM_SQL_H
#define MM_SQL_H

typedef enum mm_sql {
    MM_SQL_FENCE_DEDUPE,        /* $1 update_id, $2 partition, $3 epoch */
    MM_SQL_FENCE,               /* $1 partition, $2 epoch */
    MM_SQL_IS_PROCESSED,        /* $1 update_id */
    MM_SQL_EPOCH_CLAIM,         /* $1 partition, $2 epoch -> epoch */
    MM_SQL_USER_ENSURE,         /* $1 id, $2 first_name, $3 username, $4 language */
    MM_SQL_USER_GET,            /* $1 id */
    MM_SQL_SESSION_ACTIVE,      /* $1 user_id */
    MM_SQL_SESSION_NEW,         /* $1 user, $2 chat, $3 topic, $4 sdi, $5 count */
    MM_SQL_PICK_QUESTIONS,      /* $1 topic or NULL, $2 sdi, $3 user, $4 count */
    MM_SQL_QUESTION_ADD,        /* $1 topic .. $7 source, $8 hash -> id */
    MM_SQL_QUESTION_BY_HASH,    /* $1 hash -> id */
    MM_SQL_TOPICS,              /* topics with active questions */
    MM_SQL_SQ_ADD,              /* $1 session, $2 seq, $3 question, $4 perm, $5 nonce */
    MM_SQL_SQ_GET,              /* $1 session, $2 seq */
    MM_SQL_SESSION_END,         /* $1 id, $2 state */
    MM_SQL_USER_RUN_DONE,       /* $1 user, $2 new sdi */
    MM_SQL_OUTBOX_ADD,          /* $1 chat, $2 method, $3 params, $4 owner, $5 lease ms */
    MM_SQL_OUTBOX_SENT,         /* $1 ids[], $2 message ids[] */
    MM_SQL_OUTBOX_FAILED,       /* $1 ids[], $2 errors[] */
    MM_SQL_OUTBOX_CLAIM,        /* $1 owner, $2 lease ms -> expired unsent rows */
    MM_SQL_OUTBOX_EXTEND,       /* $1 id, $2 owner, $3 lease ms */
    MM_SQL_TIMER_CANCEL,        /* $1 kind, $2 payload */
    MM_SQL_TIMERS_DUE,          /* -> id, chat, kind, payload */
    MM_SQL_TIMERS_DROP,         /* $1 ids[] */
    MM_SQL_BOARD_ALL,           /* all players with points (cache rebuild) */
    MM_SQL_BOARD_WEEK,          /* this week's points per player */
    MM_SQL_USER_NAMES,          /* $1 ids[] */
    MM_SQL_TURN_GET,            /* $1 session, $2 seq: the run (locked) and its question */
    MM_SQL_SETTLE,              /* an answer and everything it moves, see mm_sql.c */
    MM_SQL_ASK,                 /* a question's message, its binding and its timer */
    MM_SQL_QUESTIONS_EXPORT,    /* $1 topic or NULL -> one JSON line per question */
    MM_SQL_REPORT,              /* $1 session, $2 seq, $3 user, $4 hide at -> reports, hidden */
    MM_SQL_REVIEW_LIST,         /* reported questions, most reported first */
    MM_SQL_REVIEW_SET,          /* $1 question id, $2 status -> 1 row if it exists */
    MM_SQL_TOPIC_TEXTS,         /* $1 topic -> id, question of the playable ones */
    MM_SQL_EXAMPLES,            /* $1 topic, $2 sdi -> few-shot items as JSON */
    MM_SQL_JOB_ADD,             /* $1 user, $2 chat, $3 topic, $4 sdi, $5 count -> id */
    MM_SQL_JOB_CLAIM,           /* $1 owner, $2 lease ms -> id, user, chat, topic, sdi, count */
    MM_SQL_JOB_EXTEND,          /* $1 id, $2 owner, $3 lease ms */
    MM_SQL_JOB_END,             /* $1 id, $2 owner, $3 state, $4 made, $5 provider, $6 error */
    MM_SQL_JOB_GET,             /* $1 id -> state, topic, made, error, user */
    MM_SQL_TOPUP_TOPICS,        /* $1 since seconds, $2 max -> topic, sdi (popular, generated) */
    MM_SQL_TOPUP_ADD,           /* $1 topic, $2 sdi, $3 count */
    MM_SQL_TOPIC_STOCK,         /* $1 topic -> active questions */
    MM_SQL_CALIBRATE_READ,      /* $1 since seconds, $2 min plays -> id, prior, plays, rate, median */
    MM_SQL_CALIBRATE_SET,       /* $1 id, $2 sdi, $3 plays, $4 rate, $5 median */
    MM_SQL_WALLET_GET,          /* $1 user -> state, account, public key, sealed key */
    MM_SQL_WALLET_ADD,          /* $1 user, $2 account, $3 public key, $4 sealed key */
    MM_SQL_WALLET_ACTIVE,       /* $1 user, $2 creating tx hash or NULL */
    MM_SQL_WALLET_HISTORY,      /* $1 account, $2 limit -> payouts it received or sent */
    MM_SQL_CHAIN_JOB_ADD,       /* $1 kind, $2 user, $3 chat, $4 payload -> id */
    MM_SQL_CHAIN_JOB_CLAIM,     /* $1 owner, $2 lease ms -> id, kind, user, chat, payload, attempts */
    MM_SQL_CHAIN_JOB_END,       /* $1 id, $2 owner, $3 state, $4 result, $5 error */
    MM_SQL_CHAIN_JOB_GET,       /* $1 id -> kind, state, result, error, user */
    MM_SQL_WITHDRAW_ADD,        /* $1 user, $2 chat, $3 account, $4 recipient, $5 token,
                                 * $6 amount, $7 shown, $8 nonce, $9 daily limit -> id */
    MM_SQL_WITHDRAW_CONFIRM,    /* $1 id, $2 user, $3 nonce -> withdrawal, shown, recipient */
    MM_SQL_WITHDRAW_CANCEL,     /* $1 id, $2 user, $3 nonce -> id */
    MM_SQL_WITHDRAW_KEY,        /* $1 payout -> its signer's account, sealed key */
    MM_SQL_PAYOUT_GET,          /* $1 payout -> state, tx hash, last error, recipient, token, amount */
    MM_SQL_WITHDRAW_STALLED,    /* withdrawal payouts left unfinished for a minute */
    MM_SQL_COUNT
} mm_sql;

typedef struct mm_sql_stmt {
    const char *name;
    const char *sql;
} mm_sql_stmt;

extern const mm_sql_stmt mm_sql_stmts[MM_SQL_COUNT];

#endif /* MM_SQL_H */
