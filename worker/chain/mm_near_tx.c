#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <sodium.h>

#include "chain/mm_base58.h"
#include "chain/mm_near_key.h"
#include "chain/mm_near_tx.h"

/* Action variant indices (nearcore core/primitives action/mod.rs) */
enum {
    ACTION_CREATE_ACCOUNT = 0,
    ACTION_FUNCTION_CALL = 2,
    ACTION_TRANSFER = 3,
    ACTION_ADD_KEY = 5,
    ACTION_DELETE_KEY = 6
};

enum { KEY_ED25519 = 0, PERMISSION_FUNCTION_CALL = 0, PERMISSION_FULL_ACCESS = 1 };

typedef struct mm_tx_parse {
    char *err;
    size_t errlen;
    char path[96];          /* where we are, for messages: actions[1].AddKey */
} mm_tx_parse;

static int mm_tx_fail(mm_tx_parse *ps, const char *field, const char *fmt, ...) {
    char what[160];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (ps->path[0] == '\0' && field[0] == '\0')
        snprintf(ps->err, ps->errlen, "%s", what);
    else
        snprintf(ps->err, ps->errlen, "\"%s%s%s\": %s", ps->path,
                 ps->path[0] && field[0] ? "." : "", field, what);
    return -1;
}

static const char *mm_tx_get_string(mm_tx_parse *ps, const json_t *obj, const char *field) {
    const json_t *v = json_object_get(obj, field);

    if (!json_is_string(v)) {
        mm_tx_fail(ps, field, v ? "must be a string" : "is missing");
        return NULL;
    }
    return json_string_value(v);
}

/* u64 and u128 come as decimal strings; u64 may also be a JSON integer */
static int mm_tx_get_u64(mm_tx_parse *ps, const json_t *obj, const char *field, uint64_t *out) {
    const json_t *v = json_object_get(obj, field);

    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (uint64_t) json_integer_value(v);
        return 0;
    }
    if (json_is_string(v) && mm_borsh_parse_u64(json_string_value(v), out) == 0)
        return 0;
    return mm_tx_fail(ps, field, v ? "must be a non-negative integer below 2^64"
                             : "is missing");
}

static int mm_tx_get_u128(mm_tx_parse *ps, const json_t *obj, const char *field,
                    unsigned __int128 *out) {
    const json_t *v = json_object_get(obj, field);

    if (json_is_string(v) && mm_borsh_parse_u128(json_string_value(v), out) == 0)
        return 0;
    return mm_tx_fail(ps, field, v ? "must be a decimal string of a u128"
                             : "is missing");
}

static int mm_tx_put_account(mm_tx_parse *ps, mm_borsh *b, const json_t *obj, const char *field) {
    const char *id = mm_tx_get_string(ps, obj, field);

    if (id == NULL)
        return -1;
    if (!mm_near_account_id_valid(id))
        return mm_tx_fail(ps, field, "\"%s\" is not a valid account id", id);
    mm_borsh_bytes(b, id, strlen(id));
    return 0;
}

static int mm_tx_put_public_key(mm_tx_parse *ps, mm_borsh *b, const json_t *obj,
                                const char *field) {
    mm_near_public_key pk;
    const char *text = mm_tx_get_string(ps, obj, field);

    if (text == NULL)
        return -1;
    if (mm_near_public_key_parse(text, &pk))
        return mm_tx_fail(ps, field, "must be \"ed25519:\" and the base58 of 32 bytes");
    mm_borsh_u8(b, KEY_ED25519);
    mm_borsh_fixed(b, pk.bytes, sizeof(pk.bytes));
    return 0;
}

static int mm_tx_put_function_call(mm_tx_parse *ps, mm_borsh *b, const json_t *a) {
    const char *method = mm_tx_get_string(ps, a, "method_name");
    const char *args = method ? mm_tx_get_string(ps, a, "args") : NULL;
    unsigned __int128 deposit;
    uint64_t gas;
    size_t len, pad;
    uint8_t *raw;
    int n;

    if (args == NULL || mm_tx_get_u64(ps, a, "gas", &gas)
        || mm_tx_get_u128(ps, a, "deposit", &deposit))
        return -1;

    /* args: standard base64, as NEAR RPC shows them */
    len = strlen(args);
    if (len % 4)
        return mm_tx_fail(ps, "args", "must be base64");
    pad = len && args[len - 1] == '=' ? (len > 1 && args[len - 2] == '=' ? 2 : 1) : 0;
    raw = malloc(len / 4 * 3 + 1);
    if (raw == NULL)
        return mm_tx_fail(ps, "args", "out of memory");
    n = len ? EVP_DecodeBlock(raw, (const unsigned char *) args, (int) len) : 0;
    if (n < 0) {
        free(raw);
        return mm_tx_fail(ps, "args", "must be base64");
    }
    mm_borsh_u8(b, ACTION_FUNCTION_CALL);
    mm_borsh_bytes(b, method, strlen(method));
    mm_borsh_bytes(b, raw, (size_t) n - pad);
    mm_borsh_u64(b, gas);
    mm_borsh_u128(b, deposit);
    free(raw);
    return 0;
}

static int mm_tx_put_permission(mm_tx_parse *ps, mm_borsh *b, const json_t *perm) {
    const json_t *fc, *allowance, *names;
    unsigned __int128 limit;
    size_t i;

    if (json_is_string(perm) && strcmp(json_string_value(perm), "FullAccess") == 0) {
        mm_borsh_u8(b, PERMISSION_FULL_ACCESS);
        return 0;
    }
    fc = json_object_get(perm, "FunctionCall");
    if (!json_is_object(fc))
        return mm_tx_fail(ps, "permission", "must be \"FullAccess\" or {\"FunctionCall\": {…}}");

    mm_borsh_u8(b, PERMISSION_FUNCTION_CALL);
    allowance = json_object_get(fc, "allowance");
    if (allowance == NULL || json_is_null(allowance)) {
        mm_borsh_u8(b, 0);                          /* None: no budget */
    } else {
        if (mm_tx_get_u128(ps, fc, "allowance", &limit))
            return -1;
        mm_borsh_u8(b, 1);
        mm_borsh_u128(b, limit);
    }
    if (mm_tx_put_account(ps, b, fc, "receiver_id"))
        return -1;
    names = json_object_get(fc, "method_names");
    if (!json_is_array(names))
        return mm_tx_fail(ps, "method_names", "must be an array of strings");
    mm_borsh_u32(b, (uint32_t) json_array_size(names));
    for (i = 0; i < json_array_size(names); i++) {
        const json_t *name = json_array_get(names, i);
        if (!json_is_string(name))
            return mm_tx_fail(ps, "method_names", "must be an array of strings");
        mm_borsh_bytes(b, json_string_value(name), strlen(json_string_value(name)));
    }
    return 0;
}

static int mm_tx_put_action(mm_tx_parse *ps, mm_borsh *b, const json_t *action) {
    const char *kind;
    json_t *body;
    size_t base = strlen(ps->path);
    unsigned __int128 deposit;
    uint64_t nonce;
    int rc = -1;

    if (json_is_string(action) && strcmp(json_string_value(action), "CreateAccount") == 0) {
        mm_borsh_u8(b, ACTION_CREATE_ACCOUNT);
        return 0;
    }
    if (!json_is_object(action) || json_object_size(action) != 1)
        return mm_tx_fail(ps, "", "must be \"CreateAccount\" or an object with one action");

    kind = json_object_iter_key(json_object_iter((json_t *) action));
    body = json_object_iter_value(json_object_iter((json_t *) action));
    snprintf(ps->path + base, sizeof(ps->path) - base, ".%s", kind);
    if (!json_is_object(body)) {
        mm_tx_fail(ps, "", "must be an object");
        goto done;
    }

    if (strcmp(kind, "Transfer") == 0) {
        if (mm_tx_get_u128(ps, body, "deposit", &deposit) == 0) {
            mm_borsh_u8(b, ACTION_TRANSFER);
            mm_borsh_u128(b, deposit);
            rc = 0;
        }
    } else if (strcmp(kind, "FunctionCall") == 0) {
        rc = mm_tx_put_function_call(ps, b, body);
    } else if (strcmp(kind, "AddKey") == 0) {
        const json_t *ak = json_object_get(body, "access_key");
        mm_borsh_u8(b, ACTION_ADD_KEY);
        if (mm_tx_put_public_key(ps, b, body, "public_key") == 0) {
            if (!json_is_object(ak)) {
                mm_tx_fail(ps, "access_key", "must be an object");
            } else if (mm_tx_get_u64(ps, ak, "nonce", &nonce) == 0) {
                mm_borsh_u64(b, nonce);
                snprintf(ps->path + strlen(ps->path),
                         sizeof(ps->path) - strlen(ps->path), ".access_key");
                rc = mm_tx_put_permission(ps, b, json_object_get(ak, "permission"));
            }
        }
    } else if (strcmp(kind, "DeleteKey") == 0) {
        mm_borsh_u8(b, ACTION_DELETE_KEY);
        rc = mm_tx_put_public_key(ps, b, body, "public_key");
    } else {
        ps->path[base] = '\0';
        mm_tx_fail(ps, "", "unknown action \"%s\" (CreateAccount, Transfer, FunctionCall, "
             "AddKey, DeleteKey)", kind);
    }
done:
    ps->path[base] = '\0';
    return rc;
}

int mm_near_sign_json(const json_t *desc, mm_near_signed_tx *out,
                      char *err, size_t errlen) {
    mm_tx_parse ps = { err, errlen, "" };
    mm_near_public_key pk;
    const char *text;
    uint8_t *sk;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!json_is_object(desc))
        return mm_tx_fail(&ps, "", "the transaction must be a JSON object");
    if ((text = mm_tx_get_string(&ps, desc, "secret_key")) == NULL)
        return -1;
    if ((sk = mm_near_secret_key_parse(text, &pk)) == NULL)
        return mm_tx_fail(&ps, "secret_key", "must be \"ed25519:\" and the base58 of a "
                    "64-byte key whose second half is the public key of the first");
    rc = mm_near_sign_key(desc, sk, &pk, out, err, errlen);
    mm_near_secret_key_free(sk);
    return rc;
}

int mm_near_sign_key(const json_t *desc, const uint8_t *sk, const mm_near_public_key *pk,
                     mm_near_signed_tx *out, char *err, size_t errlen) {
    mm_tx_parse ps = { err, errlen, "" };
    const json_t *actions;
    const char *text;
    uint8_t block_hash[32], sig[crypto_sign_BYTES];
    uint64_t nonce;
    size_t i;

    memset(out, 0, sizeof(*out));
    mm_borsh_init(&out->bytes);

    if (!json_is_object(desc))
        return mm_tx_fail(&ps, "", "the transaction must be a JSON object");

    if (mm_tx_put_account(&ps, &out->bytes, desc, "signer_id"))
        goto mm_tx_fail;
    mm_borsh_u8(&out->bytes, KEY_ED25519);
    mm_borsh_fixed(&out->bytes, pk->bytes, sizeof(pk->bytes));
    if (mm_tx_get_u64(&ps, desc, "nonce", &nonce))
        goto mm_tx_fail;
    mm_borsh_u64(&out->bytes, nonce);
    if (mm_tx_put_account(&ps, &out->bytes, desc, "receiver_id"))
        goto mm_tx_fail;
    if ((text = mm_tx_get_string(&ps, desc, "block_hash")) == NULL)
        goto mm_tx_fail;
    if (mm_base58_decode(text, strlen(text), block_hash, sizeof(block_hash))) {
        mm_tx_fail(&ps, "block_hash", "must be the base58 of 32 bytes");
        goto mm_tx_fail;
    }
    mm_borsh_fixed(&out->bytes, block_hash, sizeof(block_hash));

    actions = json_object_get(desc, "actions");
    if (!json_is_array(actions) || json_array_size(actions) == 0) {
        mm_tx_fail(&ps, "actions", "must be a non-empty array");
        goto mm_tx_fail;
    }
    mm_borsh_u32(&out->bytes, (uint32_t) json_array_size(actions));
    for (i = 0; i < json_array_size(actions); i++) {
        snprintf(ps.path, sizeof(ps.path), "actions[%zu]", i);
        if (mm_tx_put_action(&ps, &out->bytes, json_array_get(actions, i)))
            goto mm_tx_fail;
    }
    ps.path[0] = '\0';
    if (!mm_borsh_ok(&out->bytes)) {
        mm_tx_fail(&ps, "", "out of memory");
        goto mm_tx_fail;
    }

    /* the id is the hash of the unsigned transaction; the key signs the hash */
    SHA256(out->bytes.data, out->bytes.len, out->hash);
    crypto_sign_detached(sig, NULL, out->hash, sizeof(out->hash), sk);

    mm_borsh_u8(&out->bytes, KEY_ED25519);
    mm_borsh_fixed(&out->bytes, sig, sizeof(sig));
    if (!mm_borsh_ok(&out->bytes)) {
        snprintf(err, errlen, "out of memory");
        mm_near_signed_tx_free(out);
        return -1;
    }
    return 0;

mm_tx_fail:
    mm_near_signed_tx_free(out);
    return -1;
}

void mm_near_signed_tx_free(mm_near_signed_tx *tx) {
    mm_borsh_free(&tx->bytes);
}
