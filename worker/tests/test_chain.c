/* Pure parts of the chain layer: base58, Borsh numbers, keys, account ids. */

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "../../shared/tests/tap.h"
#include "chain/mm_base58.h"
#include "chain/mm_borsh.h"
#include "chain/mm_chain_config.h"
#include "chain/mm_keystore.h"
#include "chain/mm_near_key.h"
#include "log/mm_log.h"

static void hex(const uint8_t *p, size_t n, char *out) {
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
    out[2 * n] = '\0';
}

static void unhex(const char *s, uint8_t *out) {
    for (size_t i = 0; s[2 * i]; i++)
        sscanf(s + 2 * i, "%2hhx", &out[i]);
}

int main(void) {
    /* the vectors' base58 examples: leading zero bytes are '1's */
    static const struct { const char *hex, *b58; } b58[] = {
        { "", "" }, { "00", "1" }, { "000001", "112" },
        { "0000000000000000000000000000000000000000000000000000000000000000",
          "11111111111111111111111111111111" },
        { "ffff", "LUv" },
        { "18a953c4ca3bfea3ecf93d07c132ccb7ed8017b9716bac76e7267c21da49836e",
          "2fGYErCeD3qzAAmzCBCUEi1UJwme1SdmnhqCGcQ645Bs" },
    };
    uint8_t buf[64], back[64];
    char text[MM_BASE58_SIZE(64)], h[129];

    if (sodium_init() < 0)
        return 1;

    for (size_t i = 0; i < sizeof(b58) / sizeof(b58[0]); i++) {
        size_t n = strlen(b58[i].hex) / 2;
        unhex(b58[i].hex, buf);
        mm_base58_encode(buf, n, text);
        ok(strcmp(text, b58[i].b58) == 0, "encode %s -> \"%s\" (got \"%s\")", b58[i].hex, b58[i].b58, text);
        ok(mm_base58_decode(b58[i].b58, strlen(b58[i].b58), back, n) == 0
           && memcmp(back, buf, n) == 0, "decode \"%s\"", b58[i].b58);
    }
    ok(mm_base58_decode("0OIl", 4, back, 3) == -1, "characters outside the alphabet are refused");
    ok(mm_base58_decode("LUv", 3, back, 3) == -1, "a wrong decoded length is refused");

    /* Borsh numbers from the spec: 1 NEAR as u128, 30 Tgas as u64 */
    {
        mm_borsh b;
        unsigned __int128 near1;
        uint64_t gas;

        mm_borsh_init(&b);
        ok(mm_borsh_parse_u128("1000000000000000000000000", &near1) == 0, "1 NEAR parses");
        ok(mm_borsh_parse_u64("30000000000000", &gas) == 0, "30 Tgas parses");
        mm_borsh_u128(&b, near1);
        mm_borsh_u64(&b, gas);
        mm_borsh_bytes(&b, "ab", 2);
        hex(b.data, b.len, h);
        ok(mm_borsh_ok(&b) && strcmp(h, "000000a1edccce1bc2d300000000000000e057eb481b0000020000006162") == 0,
           "little-endian u128, u64 and a length-prefixed string (%s)", h);
        mm_borsh_free(&b);

        ok(mm_borsh_parse_u128("340282366920938463463374607431768211455", &near1) == 0, "u128 max");
        ok(mm_borsh_parse_u128("340282366920938463463374607431768211456", &near1) == -1, "u128 max + 1");
        ok(mm_borsh_parse_u64("18446744073709551616", &gas) == -1, "u64 max + 1");
        ok(mm_borsh_parse_u64("01", &gas) == -1 && mm_borsh_parse_u64("", &gas) == -1
           && mm_borsh_parse_u64("-1", &gas) == -1 && mm_borsh_parse_u64("1 ", &gas) == -1,
           "no leading zeros, signs, blanks or empty strings");
    }

    /* keys: the master key round-trips; halves that disagree are refused */
    {
        static const char master[] =
            "ed25519:111111111111111111111111111111114zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS";
        mm_near_public_key pk, pk2;
        uint8_t *sk, mixed[64];
        char pub[64], forged[8 + MM_BASE58_SIZE(64)];

        sk = mm_near_secret_key_parse(master, &pk);
        mm_near_public_key_format(&pk, pub);
        ok(sk != NULL && strcmp(pub, "ed25519:4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS") == 0,
           "the master secret key gives its public key");
        ok(mm_near_public_key_parse(pub, &pk2) == 0 && memcmp(pk.bytes, pk2.bytes, 32) == 0,
           "the public key parses back");
        ok(mm_near_public_key_parse(pub + 8, &pk2) == 0, "a public key without the prefix is accepted");

        /* the user's seed with the master's public half */
        unhex("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20", mixed);
        memcpy(mixed + 32, pk.bytes, 32);
        strcpy(forged, "ed25519:");
        mm_base58_encode(mixed, 64, forged + 8);
        ok(mm_near_secret_key_parse(forged, &pk2) == NULL, "a secret key whose halves disagree is refused");
        ok(mm_near_secret_key_parse(master + 8, &pk2) == NULL, "a secret key needs the prefix");
        mm_near_secret_key_free(sk);
    }

    /* account ids */
    {
        static const char *good[] = { "alice.testnet", "user123.quizbot.near", "a1", "ab-cd_ef.gh",
            "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29" };
        static const char *bad[] = { "a", "Alice.near", "a..b", "a-_b", ".ab", "ab.", "-ab", "a b", "",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };
        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
            ok(mm_near_account_id_valid(good[i]), "valid account id \"%s\"", good[i]);
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
            ok(!mm_near_account_id_valid(bad[i]), "invalid account id \"%s\"", bad[i]);
    }

    /* keys at rest */
    {
        static const char master[] = "correct horse battery staple 42";
        uint8_t secret[64], raw[256], *opened;
        char err[200], *rec, *rec2, text[400];
        size_t len = 0;
        int n;

        randombytes_buf(secret, sizeof(secret));
        rec = mm_keystore_seal(master, "user1.quizbot.near", secret, 64, err, sizeof(err));
        rec2 = mm_keystore_seal(master, "user1.quizbot.near", secret, 64, err, sizeof(err));
        ok(rec && rec2 && strcmp(rec, rec2) != 0, "two seals of one key differ (fresh salt and IV)");
        ok(rec && strstr(rec, "correct") == NULL, "the record holds no plaintext");

        opened = mm_keystore_open(master, "user1.quizbot.near", rec, &len, err, sizeof(err));
        ok(opened && len == 64 && memcmp(opened, secret, 64) == 0, "the record opens to the key");
        sodium_free(opened);

        ok(mm_keystore_open(master, "user2.quizbot.near", rec, &len, err, sizeof(err)) == NULL
           && strstr(err, "does not authenticate"), "another account's record does not open");
        ok(mm_keystore_open("another master key, also long", "user1.quizbot.near", rec, &len,
                            err, sizeof(err)) == NULL, "a different master key does not open it");

        /* one flipped bit in each part: version, salt, IV, ciphertext, tag */
        n = EVP_DecodeBlock(raw, (const uint8_t *) rec, (int) strlen(rec));
        static const struct { int at; const char *part; } flips[] = {
            { 0, "version" }, { 5, "salt" }, { 20, "iv" }, { 60, "ciphertext" }, { -3, "tag" } };
        for (size_t i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
            uint8_t copy[256];
            int at = flips[i].at < 0 ? n - 1 + flips[i].at : flips[i].at;   /* n counts base64 padding */
            memcpy(copy, raw, (size_t) n);
            copy[at] ^= 0x01;
            EVP_EncodeBlock((uint8_t *) text, copy, 1 + 16 + 12 + 64 + 16);
            ok(mm_keystore_open(master, "user1.quizbot.near", text, &len, err, sizeof(err)) == NULL,
               "a flipped bit in the %s is refused (%s)", flips[i].part, err);
        }
        ok(mm_keystore_open(master, "user1.quizbot.near", "not base64!", &len, err, sizeof(err)) == NULL,
           "a record that is not base64 is refused");
        ok(mm_keystore_seal("short", "a.near", secret, 64, err, sizeof(err)) == NULL
           && strstr(err, "WALLET_ENCRYPTION_KEY"), "a short master key is refused: %s", err);
        free(rec);
        free(rec2);
    }

    /* amounts players type, to base units and back: exact, no floats */
    {
        static const struct { const char *text; int dec; const char *units; } good[] = {
            { "1.5", 24, "1500000000000000000000000" }, { "0.001", 24, "1000000000000000000000" },
            { "2", 6, "2000000" }, { "0.000001", 6, "1" }, { "007.10", 2, "710" },
            { "340282366920938463463374607", 12, "340282366920938463463374607000000000000" } };
        static const char *bad[] = { "", ".", "1.", "1.5.1", "-1", "1e3", "0", "0.000",
                                     "1,5", "0.0000001" };
        char units[48], back[64], why[128];

        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
            ok(mm_amount_parse(good[i].text, good[i].dec, units, why, sizeof(why)) == 0
               && strcmp(units, good[i].units) == 0, "amount %s (%d decimals) -> %s (got %s)",
               good[i].text, good[i].dec, good[i].units, units);
        }
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
            ok(mm_amount_parse(bad[i], 6, units, why, sizeof(why)) == -1,
               "amount \"%s\" refused: %s", bad[i], why);
        ok(mm_amount_parse("1234567890123456789012345678901234567890", 6, units, why,
                           sizeof(why)) == -1, "an absurd amount is refused: %s", why);
        /* at most u128::MAX base units: more could never be signed */
        {
            static const struct { const char *text; int dec; const char *units; } edge[] = {
                { "340282366920938463463374607431768211455", 0,
                  "340282366920938463463374607431768211455" },
                { "340282366920938463463374607.431768211455", 12,
                  "340282366920938463463374607431768211455" },
                { "000340282366920938463463374607431768211455", 0,
                  "340282366920938463463374607431768211455" },
                { "340282366920938.46346337460743176821145", 24,
                  "340282366920938463463374607431768211450" } };
            static const struct { const char *text; int dec; } over[] = {
                { "340282366920938463463374607431768211456", 0 },
                { "340282366920938463463374607.431768211456", 12 },
                { "340282366920938.463463374607431768211456", 24 },
                { "340282366920938463463374607431768211455.1", 1 },
                { "999999999999999999999999999999999999999", 0 },
                { "1000000000000000000000000000000000000000", 0 },
                { "12345678901234567890123456789012345678901234567", 0 },
                { "123456789012345678901234567890123456789012345678901234567890", 0 },
                { "123456789012345678901234567890123456789012345678901234567890", 6 } };

            for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]); i++)
                ok(mm_amount_parse(edge[i].text, edge[i].dec, units, why, sizeof(why)) == 0
                   && strcmp(units, edge[i].units) == 0, "u128::MAX and below: %s (%d decimals)",
                   edge[i].text, edge[i].dec);
            for (size_t i = 0; i < sizeof(over) / sizeof(over[0]); i++)
                ok(mm_amount_parse(over[i].text, over[i].dec, units, why, sizeof(why)) == -1
                   && strstr(why, "too large"), "over u128::MAX refused: %s (%d decimals): %s",
                   over[i].text, over[i].dec, why);
        }
        mm_amount_format("1500000000000000000000000", 24, back);
        ok(strcmp(back, "1.5") == 0, "1.5 NEAR shown as 1.5 (%s)", back);
        mm_amount_format("1820000000000000000000", 24, back);
        ok(strcmp(back, "0.00182") == 0, "0.00182 NEAR shown (%s)", back);
        mm_amount_format("0", 24, back);
        ok(strcmp(back, "0") == 0, "zero shown as 0 (%s)", back);
        mm_amount_format("2000000", 6, back);
        ok(strcmp(back, "2") == 0, "whole tokens without a point (%s)", back);
        mm_amount_format("42", 0, back);
        ok(strcmp(back, "42") == 0, "no decimals (%s)", back);
    }

    /* log lines: redacted before they are cut, always valid JSON */
    {
        static const char secret[] = "ed25519:5ecretKeyThatMustNeverShowUpInAnyLogLine";
        mm_log log = { .level = MM_LOG_DEBUG };
        char pad[4000], line[9000], out[64];
        FILE *capture = tmpfile();
        int saved = dup(2);
        json_t *doc;
        size_t n;

        mm_log_secret(&log, secret);
        memset(pad, 'x', sizeof(pad));
        fflush(stderr);
        dup2(fileno(capture), 2);
        /* the secret straddles where a 2048-byte message used to end */
        mm_logf(&log, MM_LOG_INFO, "test", NULL, "%.*s%s tail", 2030, pad, secret);
        /* bytes that are not UTF-8, and one cut short at the end */
        mm_logf(&log, MM_LOG_INFO, "test", NULL, "bad \xff\xc3( ok \xc3\xa9 \xe2\x82");
        fflush(stderr);
        dup2(saved, 2);
        close(saved);
        rewind(capture);
        n = fread(line, 1, sizeof(line) - 1, capture);
        line[n] = '\0';
        fclose(capture);
        ok(strstr(line, "ed25519:5ecr") == NULL && strstr(line, "5ecretKey") == NULL,
           "a secret across the old 2048-byte cut is not printed in part");
        ok(strstr(line, "[redacted] tail") != NULL, "it is redacted whole, and the line goes on");
        doc = json_loads(strchr(line, '\n') + 1, JSON_DISABLE_EOF_CHECK, NULL);
        ok(doc && strcmp(json_string_value(json_object_get(doc, "msg")),
                         "bad \xef\xbf\xbd\xef\xbf\xbd( ok \xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd") == 0,
           "bytes that are not UTF-8 become U+FFFD: the line is valid JSON");
        json_decref(doc);
        doc = json_loads(line, JSON_DISABLE_EOF_CHECK, NULL);
        ok(doc != NULL, "the long line is valid JSON");
        json_decref(doc);

        mm_log_redact(&log, "\xc3\xa9\xc3\xa9\xc3\xa9", out, 6);
        ok(strcmp(out, "\xc3\xa9\xc3\xa9") == 0, "a line is cut between characters (%s)", out);
        mm_log_redact(&log, "ab\"c", out, 4);
        ok(strcmp(out, "ab") == 0, "and never inside an escape (%s)", out);
        mm_log_free(&log);
    }

    return tap_done();
}
