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
    MM_SQL_TIMERS_FIRED,        /* $1 ids[], $2 seconds */
    MM_SQL_TIMER_TAKE,          /* $1 id */
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
    MM_SQL_PAYOUT_PAID,         /* $1 id, $2 timer kind (payout_done to notify_chat) */
    MM_SQL_PAYOUT_FAILED,       /* $1 id, $2 why, $3 timer kind */
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
    /* --- groups, the wizard, group quizzes (bot/mm_group.c, mm_wizard.c, mm_quiz.c) --- */
    MM_SQL_GROUP_SEEN,          /* $1 chat, $2 title, $3 type, $4 bot status, $5 can pin */
    MM_SQL_GROUP_TOUCH,         /* $1 chat, $2 title, $3 type */
    MM_SQL_NOTICE_ONCE,         /* $1 chat, $2 user, $3 what -> 1 changed the first time */
    MM_SQL_GROUP_GET,           /* $1 chat -> mm_col_group */
    MM_SQL_GROUP_ADMINS_SET,    /* $1 chat, $2 admin ids[] */
    MM_SQL_GROUP_IS_ADMIN,      /* $1 chat, $2 user -> a row when the user is an admin */
    MM_SQL_GROUPS_FOR,          /* $1 user -> mm_col_groups: groups to create a quiz for */
    MM_SQL_WIZARD_GET,          /* $1 user -> mm_col_wizard, if one is under way */
    MM_SQL_WIZARD_SET,          /* $1 user, $2 chat, $3 step, $4 data, $5 nonce, $6 quiz */
    MM_SQL_WIZARD_DROP,         /* $1 user */
    MM_SQL_QUIZ_RATE,           /* $1 user -> made in the last hour, seconds until the next */
    MM_SQL_QUIZ_DRAFT,          /* $1 chat .. $10 ends at ms -> id (see mm_sql.c) */
    MM_SQL_QUIZ_GET,            /* $1 quiz -> mm_col_quiz */
    MM_SQL_QUIZ_LOCK,           /* $1 quiz -> mm_col_quiz, the row locked */
    MM_SQL_QUIZ_QUESTIONS_SET,  /* $1 quiz, $2 question ids[] */
    MM_SQL_QUIZ_QUESTIONS,      /* $1 quiz -> mm_col_qq */
    MM_SQL_QUIZ_ANNOUNCE,       /* $1 quiz, $2..$5 timer kinds (see mm_sql.c) -> status */
    MM_SQL_QUIZ_CARD_SENT,      /* $1 quiz, $2 the card's outbox id, $3 players, $4 status shown */
    MM_SQL_QUIZ_CARD_STATE,     /* $1 quiz -> mm_col_card */
    MM_SQL_QUIZ_CARD_EDITED,    /* $1 quiz, $2 the card's message id, $3 players, $4 status */
    MM_SQL_QUIZ_CARD_LATER,     /* $1 quiz, $2 timer kind, $3 due in ms at the soonest */
    MM_SQL_QUIZ_PINNED,         /* $1 quiz */
    MM_SQL_QUIZ_OPEN,           /* $1 quiz -> a row when it went scheduled -> active */
    MM_SQL_QUIZ_CANCEL,         /* $1 quiz, $2 why -> a row when it was draft/scheduled */
    MM_SQL_QUIZ_ATTEMPT,        /* $1 quiz, $2 user, $3 chat -> the run's id, once per player */
    MM_SQL_QUIZ_ATTEMPT_OF,     /* $1 quiz, $2 user -> the run's id and state */
    MM_SQL_QUIZ_CLOSE_RUNS,     /* $1 quiz, $2 timer kind -> runs closed */
    MM_SQL_QUIZ_RANK,           /* $1 quiz: quiz_results, once */
    MM_SQL_QUIZ_POINTS,         /* $1 quiz: the points ledger and totals, once */
    MM_SQL_QUIZ_ENDED,          /* $1 quiz, $2 status (closed | ended) */
    MM_SQL_QUIZ_RESULTS,        /* $1 quiz, $2 limit -> mm_col_result, by rank */
    MM_SQL_QUIZ_RESULT_OF,      /* $1 quiz, $2 user -> mm_col_result */
    MM_SQL_QUIZ_SHEETS,         /* $1 quiz -> mm_col_sheet: every player's answers */
    MM_SQL_QUIZ_OF_CREATOR,     /* $1 user -> mm_col_mine, newest first */
    MM_SQL_QUIZ_OF_GROUP,       /* $1 group -> the newest open quiz's id */
    MM_SQL_QUIZ_LIST,           /* $1 group or NULL, $2 status or NULL -> one JSON line each */
    MM_SQL_QUIZ_SHOW,           /* $1 quiz -> one JSON object */
    MM_SQL_QUIZ_END_NOW,        /* $1 quiz: its end timer due now */
    MM_SQL_USER_SEEN,           /* $1 id: a player row, if there is none */
    MM_SQL_BOARD_GROUP,         /* $1 group, $2 since ms or NULL -> user, name, points */
    /* --- deposit binding --- */
    MM_SQL_DEPOSIT_QUIZ,        /* $1 quiz -> mm_col_dquiz: whom a memo quiz:<id> may credit */
    MM_SQL_DEPOSIT_OURS,        /* $1 tx hash -> a row when the bot sent it (a payout) */
    MM_SQL_WALLETS_STALLED,     /* $1 seconds -> user ids of wallets still creating */
    /* --- paid quizzes --- */
    MM_SQL_QUIZ_PRIZE_SET,      /* $1 quiz .. $9 members only (see mm_sql.c) */
    MM_SQL_QUIZ_FUND_START,     /* $1 quiz, $2 expiry timer kind, $3 its chat -> a row */
    MM_SQL_QUIZ_FUND_PAYOUT,    /* $1 quiz, $2 operator, $3 creator's wallet, $4 chat -> id */
    MM_SQL_QUIZ_FUNDING,        /* $1 quiz -> mm_col_funding */
    MM_SQL_QUIZ_UNFUND,         /* $1 quiz, $2 expiry timer kind */
    MM_SQL_QUIZ_FUND_EXPIRE,    /* $1 quiz -> a row when it was cancelled */
    MM_SQL_QUIZ_PRIZES,         /* $1 quiz, $2 excluded users[], $3 operator -> prizes */
    MM_SQL_QUIZ_FUND_DROP,      /* $1 quiz -> the funding row's state before */
    MM_SQL_QUIZ_REFUND_ALL,     /* $1 quiz, $2 operator */
    MM_SQL_QUIZ_PAYOUTS,        /* $1 quiz -> mm_col_prize */
    MM_SQL_PAYOUT_PURPOSE,      /* $1 payout -> mm_col_purpose */
    MM_SQL_QUIZ_SETTLED,        /* $1 quiz -> a row when it was closed now */
    MM_SQL_QUIZ_RESULTS_SENT,   /* $1 quiz, $2 outbox id of its ranking message, $3 digest */
    MM_SQL_QUIZ_RESULTS_SHOWN,  /* $1 quiz, $2 digest -> a row when it changed */
    MM_SQL_QUIZ_WALLETLESS,     /* $1 quiz -> winners' user ids without an active wallet */
    /* --- operator payer --- */
    MM_SQL_PAYER_DUE,           /* $1 limit -> id: PAYOUTS_UNPAID's rows whose turn it is */
    MM_SQL_PAYOUTS_LIST,        /* $1 quiz or NULL, $2 state or NULL -> one JSON line each */
    MM_SQL_PAYOUT_REQUEUE,      /* $1 id, $2 note -> a row when a failed row went pending */
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
       MM_SESSION_USER, MM_SESSION_STATE, MM_SESSION_QUIZ, MM_SESSION_SECONDS,
       MM_SESSION_QUIZ_ENDS_MS, MM_SESSION_NCOLS };

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

/* GROUP_GET */
enum { MM_GROUP_TITLE, MM_GROUP_TYPE, MM_GROUP_BOT_STATUS, MM_GROUP_CAN_PIN,
       MM_GROUP_ADMINS_FRESH, MM_GROUP_ADMINS_AT };

/* GROUPS_FOR */
enum { MM_GROUPS_CHAT, MM_GROUPS_TITLE, MM_GROUPS_FRESH, MM_GROUPS_ADMIN };

/* WIZARD_GET */
enum { MM_WIZ_CHAT, MM_WIZ_STEP, MM_WIZ_DATA, MM_WIZ_NONCE, MM_WIZ_QUIZ, MM_WIZ_TITLE };

/* QUIZ_RATE */
enum { MM_RATE_COUNT, MM_RATE_WAIT_S };

/* QUIZ_GET, QUIZ_LOCK */
enum { MM_QUIZ_ID, MM_QUIZ_CHAT, MM_QUIZ_CREATOR, MM_QUIZ_TOPIC, MM_QUIZ_NOTES, MM_QUIZ_COUNT,
       MM_QUIZ_SECONDS, MM_QUIZ_DELAY_S, MM_QUIZ_DURATION_S, MM_QUIZ_STARTS_MS, MM_QUIZ_ENDS_MS,
       MM_QUIZ_STATUS, MM_QUIZ_CARD_MESSAGE, MM_QUIZ_TITLE, MM_QUIZ_PLAYERS, MM_QUIZ_ERROR,
       MM_QUIZ_CREATOR_NAME, MM_QUIZ_MADE, MM_QUIZ_PINNED, MM_QUIZ_CAN_PIN, MM_QUIZ_PRIZE_TOKEN,
       MM_QUIZ_PRIZE_SYMBOL, MM_QUIZ_PRIZE_DECIMALS, MM_QUIZ_PRIZE_AMOUNT, MM_QUIZ_PRIZE_SPLIT,
       MM_QUIZ_FEE, MM_QUIZ_MEMBERS_ONLY, MM_QUIZ_RESULTS_MESSAGE, MM_QUIZ_SPLIT_NAME };

/* QUIZ_FUNDING */
enum { MM_FUNDING_STATUS, MM_FUNDING_STATE, MM_FUNDING_ERROR, MM_FUNDING_HASH,
       MM_FUNDING_AMOUNT, MM_FUNDING_CREATOR, MM_FUNDING_TOKEN, MM_FUNDING_SYMBOL,
       MM_FUNDING_DECIMALS, MM_FUNDING_PAYOUT };

/* QUIZ_PAYOUTS */
enum { MM_PRIZE_PAYOUT, MM_PRIZE_RANK, MM_PRIZE_USER, MM_PRIZE_NAME, MM_PRIZE_AMOUNT,
       MM_PRIZE_STATE, MM_PRIZE_HASH, MM_PRIZE_ERROR, MM_PRIZE_REFUND };

/* PAYOUT_PURPOSE */
enum { MM_PURPOSE_TEXT, MM_PURPOSE_STATE, MM_PURPOSE_HASH, MM_PURPOSE_ERROR, MM_PURPOSE_AMOUNT,
       MM_PURPOSE_USER, MM_PURPOSE_TOKEN };

/* QUIZ_QUESTIONS */
enum { MM_QQ_SEQ, MM_QQ_ID, MM_QQ_TEXT, MM_QQ_RIGHT, MM_QQ_EXPLANATION };

/* QUIZ_CARD_STATE */
enum { MM_CARD_MESSAGE, MM_CARD_FAILED, MM_CARD_MAY_EDIT, MM_CARD_PLAYERS, MM_CARD_STATUS };

/* QUIZ_RESULTS */
enum { MM_RESULT_RANK, MM_RESULT_USER, MM_RESULT_NAME, MM_RESULT_CORRECT, MM_RESULT_ANSWERED,
       MM_RESULT_TOOK_MS, MM_RESULT_FLAGGED, MM_RESULT_FIRST_CORRECT_MS };

/* QUIZ_SHEETS: one row per player and question, by player then the player's order */
enum { MM_SHEET_USER, MM_SHEET_RANK, MM_SHEET_CORRECT_COUNT, MM_SHEET_SEQ, MM_SHEET_TEXT,
       MM_SHEET_RIGHT, MM_SHEET_CHOSEN, MM_SHEET_IS_CORRECT, MM_SHEET_CHAT, MM_SHEET_COUNT };

/* QUIZ_OF_CREATOR */
enum { MM_MINE_ID, MM_MINE_TOPIC, MM_MINE_STATUS, MM_MINE_TITLE, MM_MINE_PLAYERS,
       MM_MINE_ENDS_MS };

/* BOARD_GROUP */
enum { MM_GBOARD_USER, MM_GBOARD_NAME, MM_GBOARD_POINTS };

/* DEPOSIT_QUIZ */
enum { MM_DQUIZ_CREATOR };

/* PAYOUT_ATTEMPTS */
enum { MM_ATTEMPTS_COUNT, MM_ATTEMPTS_STATE };

/* PAYER_DUE */
enum { MM_DUE_ID };

extern const mm_sql_stmt mm_sql_stmts[MM_SQL_COUNT];

#endif /* MM_SQL_H */
