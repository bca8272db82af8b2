#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "chain/mm_base58.h"
#include "chain/mm_near_send.h"
#include "chain/mm_near_transfer.h"
#include "chain/mm_near_tx.h"
#include "chain/mm_near_view.h"
#include "chain/mm_payer.h"
#include "log/mm_metrics.h"
#include "mm_ctx.h"
#include "store/mm_db.h"

#define MM_PAYER_IDLE_MS      20
#define MM_PAYER_QUIET_MS     1000      /* between reads of due rows when none were */
#define MM_PAYER_POLL_MS      100       /* between polls of one transaction */
#define MM_PAYER_GIVE_UP_MS   60000     /* not final by then: noted, its turn comes later */
#define MM_PAYER_BLOCK_MS     5000      /* a final block hash signs that long (valid far longer) */
#define MM_PAYER_LEASE_MS     60000
#define MM_PAYER_REPORT_MS    10000

int mm_payer_keys(const mm_chain_cfg *cfg, mm_payer_key *keys, int max, char *err, size_t errlen) {
    const char *text = cfg->signer_keys ? cfg->signer_keys : cfg->master_key;
    char item[256];
    int n = 0;

    while (text && *text) {
        size_t len = strcspn(text, ",");

        if (n == max || len >= sizeof(item)) {
            mm_payer_keys_free(keys, n);
            return snprintf(err, errlen, "NEAR_SIGNER_KEYS: at most %d keys", max), -1;
        }
        memcpy(item, text, len);
        item[len] = '\0';
        keys[n].sk = mm_near_secret_key_parse(item, &keys[n].pk);
        sodium_memzero(item, sizeof(item));
        if (keys[n].sk == NULL) {
            mm_payer_keys_free(keys, n);
            return snprintf(err, errlen, "%s: item %d is not an ed25519 secret key",
                            cfg->signer_keys ? "NEAR_SIGNER_KEYS" : "NEAR_WALLET_PRIVATE_KEY",
                            n + 1),
                   -1;
        }
        mm_near_public_key_format(&keys[n].pk, keys[n].public_key);
        keys[n++].inflight = 0;
        text += len + (text[len] == ',');
    }
    if (n == 0)
        return snprintf(err, errlen, "no signer key"), -1;
    return n;
}

void mm_payer_keys_free(mm_payer_key *keys, int n) {
    for (int i = 0; i < n; i++) {
        mm_near_secret_key_free(keys[i].sk);
        keys[i].sk = NULL;
    }
}

/* Forgets every transaction in flight without touching PostgreSQL: our
 * session (and so the rows' locks) is gone or about to be; the rows keep
 * their signed bytes for whoever takes them next. */
static void mm_payer_forget(mm_payer *p, const char *why) {
    if (p->ntx)
        mm_log_warn(&p->loop.ctx->log, "payer", "%d payouts in flight left to the next taker: %s",
                    p->ntx, why);
    for (int i = 0; i < p->ntx; i++)
        free(p->tx[i].signed_b64);
    for (int i = 0; i < p->nkeys; i++)
        p->keys[i].inflight = 0;
    p->ntx = 0;
    p->ndue = p->next_due = 0;
}

/* A database failure: the session is closed so that every lock it holds
 * goes with it, and the loop opens a new one. */
static int mm_payer_db_failed(mm_payer *p, const char *what) {
    mm_log_warn(&p->loop.ctx->log, "payer", "%s: %s", what, p->loop.db.err);
    mm_payer_forget(p, "the database failed");
    mm_db_close(&p->loop.db);
    return -1;
}

static int mm_payer_unlock(mm_payer *p, long long id) {
    mm_params q;

    mm_params_init(&q, MM_SQL_PAYOUT_UNLOCK);
    mm_param_ll(&q, id);
    return mm_db_do(&p->loop.db, &q);
}

/* Settles row id with what the chain said and lets it go; 0, or -1 when
 * the database failed. */
static int mm_payer_settle(mm_payer *p, long long id, mm_send_rc rc, const char *reason) {
    char err[600];

    if (mm_ledger_finish(&p->loop.db, id, rc, reason, &p->st, err, sizeof(err))
        || mm_payer_unlock(p, id))
        return mm_payer_db_failed(p, "settling a payout");
    return 0;
}

static void mm_payer_drop(mm_payer *p, int i) {
    if (p->tx[i].key >= 0)
        p->keys[p->tx[i].key].inflight--;
    free(p->tx[i].signed_b64);
    p->tx[i] = p->tx[--p->ntx];
}

/* what mm:metrics counts per transaction heard of, by mm_send_rc */
static const char *const mm_payer_outcome_labels[] = {
    [MM_SEND_SUCCESS] = "outcome=\"success\"",
    [MM_SEND_FAILED] = "outcome=\"failed\"",
    [MM_SEND_REJECTED] = "outcome=\"rejected\"",
    [MM_SEND_PENDING] = "outcome=\"unsettled\"",
};

/* What a send or a poll said of tx i: settled and dropped when it is final
 * or proven dead, else polled again later.  0, or -1 (database). */
static int mm_payer_heard(mm_payer *p, int i, mm_send_rc rc, const char *reason) {
    mm_payer_tx *t = &p->tx[i];
    long long now = mm_mono_ms(), id = t->id;
    const char *ak;

    if (rc == MM_SEND_PENDING) {
        if (now - t->sent_ms < MM_PAYER_GIVE_UP_MS) {
            t->poll_ms = now + MM_PAYER_POLL_MS;
            return 0;
        }
    } else if (rc == MM_SEND_REJECTED && t->key >= 0 && (ak = strstr(reason, "\"ak_nonce\":"))) {
        /* the chain's nonce is past ours: the cache catches up, never back */
        mm_near_nonce_raise(p->loop.redis, p->cfg->master, p->keys[t->key].public_key,
                            strtoull(ak + strlen("\"ak_nonce\":"), NULL, 10));
    } else if (rc == MM_SEND_SUCCESS || rc == MM_SEND_FAILED) {
        p->final_ms = 0.8 * p->final_ms + 0.2 * (double) (now - t->sent_ms);
    }
    mm_payer_drop(p, i);
    mm_metric_add(p->loop.redis, "mm_payer_outcomes_total", mm_payer_outcome_labels[rc], 1);
    return mm_payer_settle(p, id, rc, reason);
}

/* Sends tx i's bytes (fresh: just signed, never sent; or again), not
 * waiting for them to be final. */
static int mm_payer_send(mm_payer *p, int i, int fresh) {
    mm_payer_tx *t = &p->tx[i];
    json_t *outcome = NULL;
    char reason[512] = "";
    mm_send_rc rc;

    rc = mm_near_send(&p->rpc, t->signed_b64, t->hash, p->cfg->master, "NONE", fresh, &outcome,
                      reason, sizeof(reason));
    json_decref(outcome);
    if (rc == MM_SEND_PENDING) {
        /* accepted: the first look when finality usually comes */
        t->poll_ms = mm_mono_ms() + (long long) (0.9 * p->final_ms);
        return 0;
    }
    return mm_payer_heard(p, i, rc, reason);
}

/* A final block hash to sign with, read again every few seconds. */
static int mm_payer_block(mm_payer *p, char *reason, size_t len) {
    uint8_t block[32];
    uint64_t height;
    mm_rpc_error err;

    if (p->block58[0] && mm_mono_ms() - p->block_ms < MM_PAYER_BLOCK_MS)
        return 0;
    memset(&err, 0, sizeof(err));
    if (mm_near_final_block(&p->rpc, block, &height, &err) != MM_VIEW_OK) {
        snprintf(reason, len, "cannot read the final block: %s", err.message);
        json_decref(err.error);
        return -1;
    }
    mm_base58_encode(block, sizeof(block), p->block58);
    p->block_ms = mm_mono_ms();
    return 0;
}

/* Signs actions to receiver with key k and the next nonce (we hold k's
 * lease); t gets the hash and bytes.  0, or -1 with reason. */
static int mm_payer_sign(mm_payer *p, int k, const char *receiver, json_t *actions, mm_payer_tx *t,
                         uint64_t *nonce, char *reason, size_t len) {
    mm_payer_key *key = &p->keys[k];
    mm_near_signed_tx tx;
    char nonce_text[24], err[256];
    json_t *desc;
    int rc;

    if (mm_payer_block(p, reason, len)
        || mm_near_next_nonce(p->loop.redis, &p->rpc, p->cfg->master, key->public_key, nonce,
                              reason, len))
        return -1;
    snprintf(nonce_text, sizeof(nonce_text), "%llu", (unsigned long long) *nonce);
    desc = json_pack("{s:s, s:s, s:s, s:s, s:O}", "signer_id", p->cfg->master, "receiver_id",
                     receiver, "nonce", nonce_text, "block_hash", p->block58, "actions", actions);
    rc = desc ? mm_near_sign_key(desc, key->sk, &key->pk, &tx, err, sizeof(err)) : -1;
    json_decref(desc);
    if (rc != 0)
        return snprintf(reason, len, "cannot sign: %s", desc ? err : "out of memory"), -1;
    mm_base58_encode(tx.hash, sizeof(tx.hash), t->hash);
    t->signed_b64 = malloc(4 * ((tx.bytes.len + 2) / 3) + 1);
    if (t->signed_b64)
        EVP_EncodeBlock((unsigned char *) t->signed_b64, tx.bytes.data, (int) tx.bytes.len);
    mm_near_signed_tx_free(&tx);
    return t->signed_b64 ? 0 : (snprintf(reason, len, "out of memory"), -1);
}

static int mm_payer_holds(const mm_payer *p, long long id) {
    for (int i = 0; i < p->ntx; i++)
        if (p->tx[i].id == id)
            return 1;
    return 0;
}

/* Takes row id: its lock, then its signed bytes again, or a transaction
 * signed with key k (whose lease we hold), committed, then sent.  1 when
 * the row was taken (in flight or settled), 0 when it is not ours to pay,
 * -1 when the database failed. */
static int mm_payer_take(mm_payer *p, int k, long long id) {
    mm_payer_tx *t = &p->tx[p->ntx];
    const char *receiver;
    char reason[512] = "";
    json_t *actions;
    uint64_t nonce;
    PGresult *res;
    mm_params q;
    int found, never, mine;

    /* our session's advisory locks nest: a row we hold would lock again */
    if (mm_payer_holds(p, id))
        return 0;
    mm_params_init(&q, MM_SQL_PAYOUT_LOCK);
    mm_param_ll(&q, id);
    if (mm_db_one(&p->loop.db, &q, &res) != 1)
        return mm_payer_db_failed(p, "locking a payout");
    mine = mm_col_bool(res, 0, 0);
    PQclear(res);
    if (!mine)
        return 0;
    /* read it again under the lock: another worker may have finished it */
    mm_params_init(&q, MM_SQL_PAYOUT_TO_PAY);
    mm_param_ll(&q, id);
    if ((found = mm_db_one(&p->loop.db, &q, &res)) < 0)
        return mm_payer_db_failed(p, "reading a payout");
    if (found == 0)
        return mm_payer_unlock(p, id) ? mm_payer_db_failed(p, "unlocking a payout") : 0;

    memset(t, 0, sizeof(*t));
    t->id = id;
    t->key = -1;
    t->sent_ms = mm_mono_ms();
    if (strcmp(mm_col_str(res, 0, MM_PAY_STATE), "signed") == 0) {
        /* resumed: only ever the same bytes */
        snprintf(t->hash, sizeof(t->hash), "%s", mm_col_str(res, 0, MM_PAY_HASH));
        t->signed_b64 = strdup(mm_col_str(res, 0, MM_PAY_SIGNED));
        PQclear(res);
        if (t->signed_b64 == NULL)
            return mm_payer_unlock(p, id) ? mm_payer_db_failed(p, "unlocking a payout") : 0;
        p->ntx++;
        return mm_payer_send(p, p->ntx - 1, 0) ? -1 : 1;
    }

    actions = mm_ledger_actions(&p->rpc, res, &receiver, &never, reason, sizeof(reason));
    if (actions == NULL) {
        PQclear(res);
        /* never signable: failed, and why; else (a token unreadable) later */
        return mm_payer_settle(p, id, never ? MM_SEND_FAILED : MM_SEND_PENDING, reason) ? -1 : 1;
    }
    if (mm_payer_sign(p, k, receiver, actions, t, &nonce, reason, sizeof(reason))) {
        json_decref(actions);
        PQclear(res);
        return mm_payer_settle(p, id, MM_SEND_PENDING, reason) ? -1 : 1;
    }
    json_decref(actions);
    PQclear(res);
    /* committed before the bytes can leave: a crash from here on re-sends them */
    if (mm_ledger_signed(&p->loop.db, id, t->hash, t->signed_b64, nonce)) {
        free(t->signed_b64);
        return mm_payer_db_failed(p, "storing a signed payout");
    }
    t->key = k;
    p->keys[k].inflight++;
    p->ntx++;
    return mm_payer_send(p, p->ntx - 1, 1) ? -1 : 1;
}

/* The rows whose turn it is, read when the last read is used up. */
static int mm_payer_read(mm_payer *p) {
    mm_params q;
    PGresult *res;
    int n;

    if (p->next_due < p->ndue || mm_mono_ms() < p->read_at)
        return 0;
    mm_params_init(&q, MM_SQL_PAYER_DUE);
    mm_param_int(&q, p->cap * 2);
    if ((res = mm_db_query(&p->loop.db, &q)) == NULL)
        return mm_payer_db_failed(p, "reading due payouts");
    n = PQntuples(res);
    p->ndue = p->next_due = 0;
    for (int i = 0; i < n && p->ndue < p->cap * 2; i++) {
        long long id = mm_col_ll(res, i, MM_DUE_ID);
        if (!mm_payer_holds(p, id))
            p->due[p->ndue++] = id;
    }
    PQclear(res);
    /* nothing new: look again in a while, not at every step */
    p->read_at = mm_mono_ms() + (p->ndue ? 0 : MM_PAYER_QUIET_MS);
    return 0;
}

/* New rows onto keys with room, each key under its lease while its
 * transactions are signed and sent (in nonce order); 1 did something. */
static int mm_payer_fill(mm_payer *p) {
    int did = 0, window = p->cfg->payer_inflight;

    if (p->ntx >= p->cap)
        return 0;
    if (mm_payer_read(p))
        return -1;
    for (int n = 0; n < p->nkeys && p->next_due < p->ndue && p->ntx < p->cap; n++) {
        int k = (p->next_key + n) % p->nkeys, rc = 0;
        mm_payer_key *key = &p->keys[k];
        char token[33];

        if (key->inflight >= window)
            continue;
        /* another process signing with this key: the next one */
        if (mm_near_signer_trylock(p->loop.redis, p->cfg->master, key->public_key,
                                   MM_PAYER_LEASE_MS, token))
            continue;
        while (rc >= 0 && key->inflight < window && p->ntx < p->cap && p->next_due < p->ndue) {
            rc = mm_payer_take(p, k, p->due[p->next_due++]);
            did |= rc > 0;
        }
        mm_near_signer_unlock(p->loop.redis, p->cfg->master, key->public_key, token);
        if (rc < 0)
            return -1;
    }
    p->next_key = (p->next_key + 1) % p->nkeys;
    return did;
}

/* Asks after every transaction whose time has come. */
static int mm_payer_poll(mm_payer *p) {
    long long now = mm_mono_ms();
    int did = 0;

    for (int i = p->ntx - 1; i >= 0; i--) {
        mm_payer_tx *t = &p->tx[i];
        char reason[512] = "";
        mm_send_rc rc;
        int unknown;

        if (i >= p->ntx || t->poll_ms > now)
            continue;
        did = 1;
        rc = mm_near_status(&p->rpc, t->hash, p->cfg->master, &unknown, reason, sizeof(reason));
        /* not (or no longer) known: the same bytes again, which says more */
        if ((unknown ? mm_payer_send(p, i, 0) : mm_payer_heard(p, i, rc, reason)) < 0)
            return -1;
    }
    return did;
}

static void mm_payer_report(mm_payer *p) {
    if (mm_mono_ms() < p->report_at)
        return;
    p->report_at = mm_mono_ms() + MM_PAYER_REPORT_MS;
    if (p->st.paid + p->st.failed + p->st.pending == 0)
        return;
    mm_log_info(&p->loop.ctx->log, "payer", "paid %d, failed %d, unsettled %d; %d in flight",
                p->st.paid, p->st.failed, p->st.pending, p->ntx);
    memset(&p->st, 0, sizeof(p->st));
}

static int mm_payer_step(mm_loop *l) {
    mm_payer *p = l->arg;
    int polled, filled;

    p->rpc.metrics = l->redis;
    /* a new session holds none of the locks our rows in flight had */
    if (p->session != (const void *) l->db.conn || p->backend != PQbackendPID(l->db.conn)) {
        mm_payer_forget(p, "a new database session");
        p->session = l->db.conn;
        p->backend = PQbackendPID(l->db.conn);
    }
    if ((polled = mm_payer_poll(p)) < 0 || (filled = mm_payer_fill(p)) < 0)
        return -1;
    mm_payer_report(p);
    return polled || filled;
}

static int mm_payer_start(mm_loop *l) {
    mm_payer *p = l->arg;
    char err[300];

    if ((p->nkeys = mm_payer_keys(p->cfg, p->keys, MM_PAYER_KEYS_MAX, err, sizeof(err))) < 0) {
        mm_log_error(&l->ctx->log, "payer", "%s: the operator's payouts are not paid", err);
        return -1;
    }
    if (mm_near_rpc_init(&p->rpc, p->cfg->rpc, p->cfg->fallbacks, p->cfg->api_key, err,
                         sizeof(err))) {
        mm_log_error(&l->ctx->log, "payer", "%s: the operator's payouts are not paid", err);
        return -1;
    }
    if (p->cfg->backoff_ms > 0)
        p->rpc.backoff_ms = p->cfg->backoff_ms;
    for (int i = 0; p->cfg->timeout_ms > 0 && i < p->rpc.n; i++)
        p->rpc.endpoint[i].timeout_ms = p->cfg->timeout_ms;
    p->cap = p->nkeys * p->cfg->payer_inflight;
    p->tx = calloc((size_t) p->cap + 1, sizeof(*p->tx));
    p->due = calloc((size_t) p->cap * 2, sizeof(*p->due));
    if (p->tx == NULL || p->due == NULL) {
        mm_log_error(&l->ctx->log, "payer", "out of memory: the operator's payouts are not paid");
        return -1;
    }
    p->final_ms = 1000;
    mm_log_info(&l->ctx->log, "payer",
                "paying the operator's payouts with %d key%s, %d in flight each", p->nkeys,
                p->nkeys == 1 ? "" : "s", p->cfg->payer_inflight);
    return 0;
}

static int mm_payer_stop(mm_loop *l) {
    mm_payer *p = l->arg;

    /* the rows keep their bytes; our locks go with the connection */
    mm_payer_forget(p, "stopping");
    free(p->tx);
    free(p->due);
    mm_payer_keys_free(p->keys, p->nkeys > 0 ? p->nkeys : 0);
    mm_near_rpc_free(&p->rpc);
    return 0;
}

void mm_payer_init(mm_payer *p, mm_ctx *ctx) {
    memset(p, 0, sizeof(*p));
    p->cfg = &ctx->cfg.chain;
    mm_loop_init(&p->loop, ctx, "payer", MM_LOOP_REDIS | MM_LOOP_DB, mm_payer_step,
                 MM_PAYER_IDLE_MS, p);
    p->loop.on_start = mm_payer_start;
    p->loop.on_stop = mm_payer_stop;
}
