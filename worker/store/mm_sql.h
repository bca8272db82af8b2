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
    MM_SQL_BUDGET_WALLETS,      /* -> wallets opened in the last day */
    MM_SQL_BUDGET_GENERATIONS_USER, /* $1 user -> their generation jobs in the last day */
    MM_SQL_BUDGET_GENERATIONS,  /* -> generation jobs in the last day */
    MM_SQL_STILL_ACTIVE,        /* $1 ids[] -> those still served (not hidden or rejected) */
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
    /* --- the job queue (sched/mm_queue.c) --- */
    MM_SQL_JOB_ADD,             /* $1 kind, $2 user, $3 chat, $4 payload, $5 dedupe, $6 priority
                                 * -> id, none when an open job has the same (kind, dedupe) */
    MM_SQL_JOB_CLAIM,           /* $1 owner, $2 lease ms, $3 kinds[] -> mm_col_job */
    MM_SQL_JOB_EXTEND,          /* $1 id, $2 owner, $3 lease ms */
    MM_SQL_JOB_END,             /* $1 id, $2 owner, $3 state, $4 result, $5 error, $6 the kind
                                 * of the timer that announces the end in the job's chat */
    MM_SQL_JOB_GET,             /* $1 id -> mm_col_jobget */
    MM_SQL_JOB_ANNOUNCE,        /* $1 id, $2 chat, $3 kind -> mm_col_jobget, once per job */
    MM_SQL_TOPUP_TOPICS,        /* $1 since seconds, $2 max -> topic, sdi (popular, generated) */
    MM_SQL_TOPIC_STOCK,         /* $1 topic -> active questions */
    MM_SQL_CALIBRATE_READ,      /* $1 since seconds, $2 min plays -> mm_col_cal */
    MM_SQL_CALIBRATE_SET,       /* $1 id, $2 sdi, $3 plays, $4 rate, $5 median */
    MM_SQL_WALLET_GET,          /* $1 user -> state, account, public key, sealed key */
    MM_SQL_WALLET_ADD,          /* $1 user, $2 account, $3 public key, $4 sealed key */
    MM_SQL_WALLET_ACTIVE,       /* $1 user, $2 creating tx hash or NULL */
    MM_SQL_WALLET_HISTORY,      /* $1 account, $2 limit -> payouts it received or sent */
    MM_SQL_WITHDRAW_ADD,        /* $1 user, $2 chat, $3 account, $4 recipient, $5 token,
                                 * $6 amount, $7 shown, $8 nonce, $9 daily limit -> id */
    MM_SQL_WITHDRAW_CONFIRM,    /* $1 id, $2 user, $3 nonce -> withdrawal, shown, recipient */
    MM_SQL_WITHDRAW_CANCEL,     /* $1 id, $2 user, $3 nonce -> id */
    MM_SQL_WITHDRAW_KEY,        /* $1 payout -> its signer's account, sealed key */
    MM_SQL_PAYOUT_GET,          /* $1 payout -> mm_col_payout */
    MM_SQL_WITHDRAW_STALLED,    /* withdrawal payouts left unfinished for a minute */
    /* --- the payout ledger (chain/mm_ledger.c) and deposits (chain/mm_deposit.c) --- */
    MM_SQL_PAYOUT_ADD,          /* $1 purpose, $2 recipient, $3 token, $4 amount -> id */
    MM_SQL_PAYOUT_SIGNED,       /* $1 id, $2 tx hash, $3 signed tx (base64), $4 nonce */
    MM_SQL_PAYOUT_PAID,         /* $1 id */
    MM_SQL_PAYOUT_FAILED,       /* $1 id, $2 reason */
    MM_SQL_PAYOUT_RESIGN,       /* $1 id, $2 reason: never on chain, may be signed anew */
    MM_SQL_PAYOUT_NOTE,         /* $1 id, $2 reason: still unsettled */
    MM_SQL_PAYOUT_TO_PAY,       /* $1 id -> mm_col_pay, if it is unfinished */
    MM_SQL_PAYOUT_ATTEMPTS,     /* $1 id -> attempts, state */
    MM_SQL_PAYOUTS_UNPAID,      /* the operator's unfinished payouts -> id */
    MM_SQL_PAYOUT_LOCK,         /* $1 id -> whether this session now holds its lock */
    MM_SQL_PAYOUT_UNLOCK,       /* $1 id */
    MM_SQL_DEPOSIT_ADD,         /* $1 tx hash, $2 user, $3 signer, $4 token, $5 amount */
    /* --- the sender's leases, the maintenance's prune --- */
    MM_SQL_OUTBOX_RENEW,        /* $1 ids[], $2 owner, $3 lease ms -> the ids still ours */
    MM_SQL_PRUNE_PROCESSED,     /* $1 hours kept, $2 batch -> rows deleted */
    MM_SQL_PRUNE_OUTBOX,        /* $1 days kept, $2 batch: sent or failed replies */
    MM_SQL_PRUNE_JOBS,          /* $1 days kept, $2 batch: done or failed jobs */
    MM_SQL_PRUNE_SIGNED_TX,     /* $1 days kept, $2 batch: signed bytes of paid or failed payouts */
    MM_SQL_COUNT
} mm_sql;

typedef struct mm_sql_stmt {
    const char *name;
    int nparams;                /* $1 .. $nparams; mm_db checks every call against it */
    const char *sql;
} mm_sql_stmt;

/* The columns of the statements that return several, in their order. */

/* USER_GET */
enum { MM_USER_SDI, MM_USER_POINTS, MM_USER_ANSWERS, MM_USER_CORRECT, MM_USER_RUNS,
       MM_USER_BEST_STREAK, MM_USER_NAME, MM_USER_NCOLS };

/* SESSION_ACTIVE, and the first columns of TURN_GET */
enum { MM_SESSION_ID, MM_SESSION_TOPIC, MM_SESSION_SDI, MM_SESSION_COUNT, MM_SESSION_SEQ,
       MM_SESSION_STREAK, MM_SESSION_BEST_STREAK, MM_SESSION_POINTS, MM_SESSION_CORRECT,
       MM_SESSION_USER, MM_SESSION_STATE, MM_SESSION_NCOLS };

/* SQ_GET, and the columns of TURN_GET from MM_SESSION_NCOLS on */
enum { MM_ASKED_TEXT, MM_ASKED_OPTIONS, MM_ASKED_CORRECT, MM_ASKED_EXPLANATION, MM_ASKED_SDI,
       MM_ASKED_PERM, MM_ASKED_NONCE, MM_ASKED_MESSAGE, MM_ASKED_AT_MS, MM_ASKED_QUESTION };

/* OUTBOX_CLAIM */
enum { MM_OUTBOX_ID, MM_OUTBOX_CHAT, MM_OUTBOX_METHOD, MM_OUTBOX_PARAMS };

/* TIMERS_DUE */
enum { MM_TIMER_ID, MM_TIMER_CHAT, MM_TIMER_KIND, MM_TIMER_PAYLOAD };

/* BOARD_ALL, BOARD_WEEK */
enum { MM_BOARD_USER, MM_BOARD_POINTS };

/* USER_NAMES */
enum { MM_NAME_ID, MM_NAME_FIRST, MM_NAME_USERNAME };

/* REPORT */
enum { MM_REPORT_NEW, MM_REPORT_COUNT, MM_REPORT_HIDDEN };

/* TOPIC_TEXTS */
enum { MM_TEXT_ID, MM_TEXT_QUESTION, MM_TEXT_HASH };

/* JOB_CLAIM */
enum { MM_JOB_ID, MM_JOB_KIND, MM_JOB_USER, MM_JOB_CHAT, MM_JOB_PAYLOAD, MM_JOB_ATTEMPTS };

/* JOB_GET */
enum { MM_JOBGET_KIND, MM_JOBGET_STATE, MM_JOBGET_RESULT, MM_JOBGET_ERROR, MM_JOBGET_USER,
       MM_JOBGET_CHAT, MM_JOBGET_PAYLOAD };

/* TOPUP_TOPICS */
enum { MM_TOPUP_TOPIC, MM_TOPUP_SDI };

/* CALIBRATE_READ */
enum { MM_CAL_ID, MM_CAL_PRIOR, MM_CAL_SDI, MM_CAL_PLAYS, MM_CAL_RATE, MM_CAL_MEDIAN };

/* WALLET_GET */
enum { MM_WALLET_STATE, MM_WALLET_ACCOUNT, MM_WALLET_PUBLIC_KEY, MM_WALLET_SEALED };

/* WALLET_HISTORY */
enum { MM_HIST_DIRECTION, MM_HIST_TOKEN, MM_HIST_AMOUNT, MM_HIST_PARTY, MM_HIST_STATE,
       MM_HIST_HASH, MM_HIST_DATE };

/* WITHDRAW_CONFIRM */
enum { MM_CONFIRM_ID, MM_CONFIRM_SHOWN, MM_CONFIRM_RECIPIENT };

/* WITHDRAW_KEY */
enum { MM_SIGNER_ACCOUNT, MM_SIGNER_SEALED };

/* PAYOUT_GET */
enum { MM_PAYOUT_STATE, MM_PAYOUT_HASH, MM_PAYOUT_ERROR, MM_PAYOUT_RECIPIENT, MM_PAYOUT_TOKEN,
       MM_PAYOUT_AMOUNT };

/* PAYOUT_TO_PAY */
enum { MM_PAY_STATE, MM_PAY_RECIPIENT, MM_PAY_TOKEN, MM_PAY_AMOUNT, MM_PAY_HASH,
       MM_PAY_SIGNED, MM_PAY_ATTEMPTS };

/* PAYOUT_ATTEMPTS */
enum { MM_ATTEMPTS_COUNT, MM_ATTEMPTS_STATE };

extern const mm_sql_stmt mm_sql_stmts[MM_SQL_COUNT];

#endif /* MM_SQL_H */
