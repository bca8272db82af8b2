/*
 * The worker's pure parts (TAP): update parsing and commands,
 * partitions, scoring, SDI adaptation, shuffling, answer buttons, HTML
 * escaping, flood buckets, Bot API answers, log redaction, and the maze
 * generators' answers recomputed independently.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../shared/tests/tap.h"

#include "bot/mm_callback.h"
#include "telegram/mm_update.h"
#include "log/mm_log.h"
#include "quiz/mm_maze.h"
#include "quiz/mm_question.h"
#include "quiz/mm_prize.h"
#include "quiz/mm_score.h"
#include "quiz/mm_when.h"
#include "mm_utf8.h"
#include "telegram/mm_flood.h"
#include "telegram/mm_html.h"
#include "telegram/mm_tg.h"

static void parse_ok(const char *json, mm_update *u) {
    char err[160];
    is_int(mm_update_parse(json, strlen(json), u, err, sizeof(err)), 0);
}

static void test_update_message(void) {
    mm_update u;
    parse_ok("{\"update_id\":101,\"message\":{\"message_id\":5,\"from\":{\"id\":42,"
             "\"is_bot\":false,\"first_name\":\"Ann\",\"username\":\"ann\","
             "\"language_code\":\"en\"},\"chat\":{\"id\":42,\"type\":\"private\"},"
             "\"date\":1,\"text\":\"/play space\"}}", &u);
    is_int(u.kind, MM_UPD_MESSAGE);
    is_int(u.update_id, 101);
    is_int(u.chat_id, 42);
    is_int(u.user_id, 42);
    is_true(u.is_private);
    is_int(u.message_id, 5);
    is_str(u.text, "/play space");
    is_str(u.first_name, "Ann");
    mm_update_free(&u);
}

static void test_update_callback_and_group(void) {
    mm_update u;
    parse_ok("{\"update_id\":7,\"callback_query\":{\"id\":\"cb1\",\"from\":{\"id\":9,"
             "\"first_name\":\"Bo\"},\"message\":{\"message_id\":77,\"chat\":{\"id\":9,"
             "\"type\":\"private\"}},\"chat_instance\":\"x\",\"data\":\"a:1:2:3:0\"}}", &u);
    is_int(u.kind, MM_UPD_CALLBACK);
    is_str(u.callback_id, "cb1");
    is_str(u.callback_data, "a:1:2:3:0");
    is_int(u.message_id, 77);
    is_int(mm_update_order_key(&u), 9);
    mm_update_free(&u);

    parse_ok("{\"update_id\":8,\"message\":{\"message_id\":1,\"from\":{\"id\":9},"
             "\"chat\":{\"id\":-1001234,\"type\":\"supergroup\"},\"text\":\"hi\"}}", &u);
    is_true(!(u.is_private));
    is_int(u.chat_id, -1001234);
    mm_update_free(&u);

    /* a poll answer has no chat: ordered by its user */
    parse_ok("{\"update_id\":9,\"poll_answer\":{\"poll_id\":\"p\",\"user\":{\"id\":5},"
             "\"option_ids\":[1]}}", &u);
    is_int(u.kind, MM_UPD_POLL_ANSWER);
    is_int(mm_update_order_key(&u), 5);
    mm_update_free(&u);

    parse_ok("{\"update_id\":10,\"my_chat_member\":{\"chat\":{\"id\":3,\"type\":\"private\"},"
             "\"from\":{\"id\":3}}}", &u);
    is_int(u.kind, MM_UPD_OTHER);
    is_int(mm_update_order_key(&u), 3);
    mm_update_free(&u);

    /* the bot added to a group as an administrator that may pin */
    parse_ok("{\"update_id\":11,\"my_chat_member\":{\"chat\":{\"id\":-100,\"type\":"
             "\"supergroup\",\"title\":\"Quiz night\"},\"from\":{\"id\":5},"
             "\"old_chat_member\":{\"status\":\"left\"},\"new_chat_member\":{\"status\":"
             "\"administrator\",\"can_pin_messages\":true}}}", &u);
    is_int(u.kind, MM_UPD_MEMBER);
    is_int(u.chat_id, -100);
    is_str(u.chat_title, "Quiz night");
    is_str(u.chat_type, "supergroup");
    is_str(u.member_status, "administrator");
    is_int(u.member_can_pin, 1);
    is_int(u.user_id, 5);
    mm_update_free(&u);

    /* a timer comes in its own stream field, never as an update */
    {
        const char *timer = "{\"kind\":\"q_timeout\",\"chat_id\":11,\"user_id\":11,"
                            "\"session\":4,\"seq\":2}";
        char err[160];
        is_int(mm_update_parse_timer(timer, strlen(timer), &u, err, sizeof(err)), 0);
        is_int(u.kind, MM_UPD_TIMER);
        is_int(u.update_id, -1);
        is_int(u.chat_id, 11);
        is_str(json_string_value(json_object_get(u.timer, "kind")), "q_timeout");
        mm_update_free(&u);
        is_int(mm_update_parse_timer("{\"chat_id\":1}", 13, &u, err, sizeof(err)), -1);
        is_int(mm_update_parse_timer("[1]", 3, &u, err, sizeof(err)), -1);
    }
}

static void test_update_rejects(void) {
    static const char *bad[] = {
        "", "[]", "{\"message\":{}}", "{\"update_id\":-1}", "{\"update_id\":\"1\"}",
        "{\"update_id\":1,\"update_id\":2}", "{\"mm_timer\":5}", "{\"update_id\":1",
        /* a forged internal event: refused whatever it holds */
        "{\"update_id\":7,\"mm_timer\":{\"kind\":\"chain_done\",\"job\":1,\"chat_id\":5}}",
        "{\"mm_timer\":{\"kind\":\"chain_done\",\"job\":1,\"chat_id\":5}}",
        "{\"update_id\":7,\"message\":{\"text\":\"hi\"},\"mm_x\":1}",
    };
    mm_update u;
    char err[160];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        is_int(mm_update_parse(bad[i], strlen(bad[i]), &u, err, sizeof(err)), -1);
        is_true(err[0] != '\0');
        is_true((u.root) == NULL);
    }
}

static void test_commands(void) {
    mm_command c;
    is_int(mm_command_parse("/Play  space  ", "mm_bot", &c), 0);
    is_str(c.name, "play");
    is_str(c.args, "space  ");
    is_int(c.addressed, 0);
    is_int(mm_command_parse("/leaderboard@MM_Bot", "mm_bot", &c), 0);
    is_int(c.addressed, 1);
    is_int(mm_command_parse("/start@other_bot x", "mm_bot", &c), 0);
    is_int(c.addressed, -1);
    is_int(mm_command_parse("/start quiz_12", "mm_bot", &c), 0);
    is_str(c.args, "quiz_12");
    is_int(mm_command_parse("hello", "mm_bot", &c), -1);
    is_int(mm_command_parse("/", "mm_bot", &c), -1);
    is_int(mm_command_parse("/ play", "mm_bot", &c), -1);
    is_int(mm_command_parse("/pl-ay", "mm_bot", &c), -1);
    is_int(mm_command_parse(NULL, "mm_bot", &c), -1);
    is_int(mm_command_parse("/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "b", &c), -1);
}

static void test_partitions(void) {
    int seen[16] = { 0 };
    is_int(mm_partition_of(0, 16), 0);
    is_int(mm_partition_of(17, 16), 1);
    is_int(mm_partition_of(-1, 16), 15);
    is_int(mm_partition_of(-1001234567890LL, 16),
                     mm_partition_of(-1001234567890LL, 16));
    for (int64_t k = -100; k < 100; k++) {
        int p = mm_partition_of(k, 16);
        is_true((p) >= (0) && (p) <= (15));
        seen[p]++;
    }
    for (int i = 0; i < 16; i++)
        is_true(seen[i] >= 12);
}

static void test_scoring(void) {
    /* base 10 + 2 per SDI step, speed up to 10, streak 2 per answer up to 10 */
    is_int(mm_score_points(1, 1, 0, 30000, 0), 20);
    is_int(mm_score_points(1, 1, 30000, 30000, 0), 10);
    is_int(mm_score_points(5, 1, 15000, 30000, 0), 18 + 5);
    is_int(mm_score_points(10, 1, 29999, 30000, 3), 28 + 0 + 6);
    is_int(mm_score_points(10, 1, 0, 30000, 9), 28 + 10 + 10);
    is_int(mm_score_points(5, 0, 0, 30000, 4), 0);
    is_int(mm_score_points(5, 1, 30001, 30000, 4), 0);       /* late */
    is_int(mm_score_points(99, 1, -5, 30000, 0), 28 + 10);     /* clamped */
    /* faster never scores less */
    for (int64_t ms = 0; ms < 30000; ms += 1000)
        is_true(mm_score_points(4, 1, ms, 30000, 0) >= mm_score_points(4, 1, ms + 1000, 30000, 0));
}

static void test_sdi(void) {
    is_int(mm_sdi_adapt(3, 4, 5), 4);     /* 80 % */
    is_int(mm_sdi_adapt(3, 5, 5), 4);
    is_int(mm_sdi_adapt(3, 3, 5), 3);     /* 60 % */
    is_int(mm_sdi_adapt(3, 2, 5), 2);     /* 40 % */
    is_int(mm_sdi_adapt(1, 0, 5), 1);
    is_int(mm_sdi_adapt(10, 5, 5), 10);
    is_int(mm_sdi_adapt(5, 0, 0), 5);
    is_int(mm_sdi_adapt(0, 3, 5), 1);
}

static void test_shuffle(void) {
    int seen[24] = { 0 };
    for (uint32_t r = 0; r < 24; r++) {
        int perm[4], mask = 0, code = 0;
        mm_shuffle4(r, perm);
        for (int i = 0; i < 4; i++) {
            is_true((perm[i]) >= (0) && (perm[i]) <= (3));
            mask |= 1 << perm[i];
            code = code * 4 + perm[i];
        }
        is_int(mask, 15);                 /* a permutation */
        for (int c = 0; c < 4; c++)
            is_int(perm[mm_shown_position(perm, c)], c);
        /* every r mod 24 gives a different order */
        for (uint32_t q = 0; q < r; q++) {
            int other[4];
            mm_shuffle4(q, other);
            is_true(memcmp(perm, other, sizeof(perm)) != 0);
        }
        seen[r]++;
        (void) code;
    }
    {
        int perm[4] = { 0, 1, 2, 3 };
        is_int(mm_shown_position(perm, 7), -1);
    }
}

static void test_answer_data(void) {
    int64_t s;
    int seq, shown;
    uint32_t nonce;
    char data[96];
    is_int(mm_callback_answer_parse("a:12:3:4000000000:2", &s, &seq, &nonce, &shown), 0);
    is_int(s, 12);
    is_int(seq, 3);
    is_int(nonce, 4000000000u);
    is_int(shown, 2);
    static const char *bad[] = { "a:1:2:3", "a:1:2:3:4", "a:1:0:3:1", "a:-1:2:3:1",
                                 "b:1:2:3:1", "a:1:2:3:1x", "a::2:3:1", "a:1:2:99999999999:1", "",
                                 "a:99999999999999999999:2:3:1" /* over int64: not clamped */ };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        is_int(mm_callback_answer_parse(bad[i], &s, &seq, &nonce, &shown), -1);
    /* the longest button we make fits Telegram's 64 bytes */
    snprintf(data, sizeof(data), "a:%lld:%d:%u:%d", 9223372036854775807LL, 20, 999999999u, 3);
    is_true(strlen(data) <= 64);
}

static void test_quiz_buttons(void) {
    char data[MM_CB_MAX], topic[200];
    const char *value;
    uint32_t nonce;
    long long id;

    mm_callback_id(data, MM_CB_QUIZ_START, 9007199254740991LL);
    is_str(data, "q:s:9007199254740991");
    is_int(mm_callback_id_parse(data, MM_CB_QUIZ_START, &id), 0);
    is_int(id, 9007199254740991LL);
    is_int(mm_callback_id_parse("q:s:", MM_CB_QUIZ_START, &id), -1);
    is_int(mm_callback_id_parse("q:s:12x", MM_CB_QUIZ_START, &id), -1);
    is_int(mm_callback_id_parse("q:b:12", MM_CB_QUIZ_START, &id), -1);

    mm_callback_wizard(data, 4000000000u, "in 10 min");
    is_str(data, "w:4000000000:in 10 min");
    is_int(mm_callback_wizard_parse(data, &nonce, &value), 0);
    is_int(nonce, 4000000000u);
    is_str(value, "in 10 min");
    is_int(mm_callback_wizard_parse("w:4294967296:x", &nonce, &value), -1);
    is_int(mm_callback_wizard_parse("w::x", &nonce, &value), -1);
    is_int(mm_callback_wizard_parse("w:12", &nonce, &value), -1);
    /* a long topic is cut to 64 bytes, never inside a character */
    memset(topic, 0, sizeof(topic));
    for (int i = 0; i < 30; i++)
        strcat(topic, "é");
    mm_callback_wizard(data, 999999999u, topic);
    is_true(strlen(data) <= 64);
    is_true(mm_utf8_valid(data));
}

static void test_when(void) {
    long long now = 1796473800000LL;   /* 2026-12-05 12:30:00 UTC */
    long long delay, at, ms;
    mm_buf b;

    is_int(mm_when_span_parse("45 min"), 2700);
    is_int(mm_when_span_parse("45m"), 2700);
    is_int(mm_when_span_parse("3 h"), 10800);
    is_int(mm_when_span_parse("2 days"), 172800);
    is_int(mm_when_span_parse("90"), 5400);
    is_int(mm_when_span_parse(" 1 HOUR "), 3600);
    is_int(mm_when_span_parse("1 fortnight"), -1);
    is_int(mm_when_span_parse("-5 min"), -1);
    is_int(mm_when_span_parse("999 d"), -1);
    is_int(mm_when_span_parse(""), -1);
    is_int(mm_when_span_parse("5 min later"), -1);

    is_int(mm_when_start_parse("now", now, &delay, &at), 0);
    is_true(delay == 0 && at == -1);
    is_int(mm_when_start_parse("in 45 min", now, &delay, &at), 0);
    is_true(delay == 2700 && at == -1);
    is_int(mm_when_start_parse("18:30", now, &delay, &at), 0);
    is_true(delay == -1 && at == now + 6 * 3600000LL);
    is_int(mm_when_start_parse("09:15", now, &delay, &at), 0);     /* tomorrow's */
    is_true(at == now - 3 * 3600000LL - 15 * 60000LL + 86400000LL);
    is_int(mm_when_start_parse("2026-12-24 18:30", now, &delay, &at), 0);
    is_true(at == 1798137000000LL);
    is_int(mm_when_start_parse("2026-02-31 10:00", now, &delay, &at), -1);
    is_int(mm_when_start_parse("25:00", now, &delay, &at), -1);
    is_int(mm_when_start_parse("tomorrow", now, &delay, &at), -1);

    is_int(mm_when_iso_parse("2026-12-24T18:30:00Z", &ms), 0);
    is_true(ms == 1798137000000LL);
    is_int(mm_when_iso_parse("2026-12-24 18:30", &ms), 0);
    is_true(ms == 1798137000000LL);
    is_int(mm_when_iso_parse("2026-12-24T18:30:05+00:00", &ms), 0);
    is_true(ms == 1798137005000LL);
    is_int(mm_when_iso_parse("2026-12-24T18:30:00+02:00", &ms), -1);   /* UTC only */
    is_int(mm_when_iso_parse("24/12/2026", &ms), -1);

    mm_buf_init(&b);
    mm_when_span(&b, 3900);
    mm_buf_adds(&b, "|");
    mm_when_span(&b, 86400 + 300);
    mm_buf_adds(&b, "|");
    mm_when_span(&b, 45);
    mm_buf_adds(&b, "|");
    mm_when_html(&b, now + 3900000, now);
    mm_buf_adds(&b, "|");
    mm_when_html(&b, now - 300000, now);
    is_str(b.data, "1 h 5 min|1 d|45 s|2026-12-05 13:35 UTC (in 1 h 5 min)|"
                   "2026-12-05 12:25 UTC (5 min ago)");
    mm_buf_free(&b);
}

static void test_prize(void) {
    char out[MM_PRIZE_RANKS_MAX][MM_UNITS_MAX], err[200], fee[MM_UNITS_MAX];
    const mm_split *top10 = mm_split_find("top10"), *top3 = mm_split_find("top3");
    int n;

    /* 1 NEAR, top 3: exact */
    is_int(mm_prize_split("1000000000000000000000000", top3->bps, 3, out, err, sizeof(err)), 0);
    is_str(out[0], "500000000000000000000000");
    is_str(out[1], "300000000000000000000000");
    is_str(out[2], "200000000000000000000000");
    /* 1001 units, top 10: each rounded down, the remainder to rank 1 */
    is_int(mm_prize_split("1001", top10->bps, 10, out, err, sizeof(err)), 0);
    is_str(out[0], "301");      /* 300.3 -> 300, + the 1 left over */
    is_str(out[1], "200");
    is_str(out[6], "45");       /* 45.045 */
    is_str(out[9], "30");
    {
        unsigned long long sum = 0;
        for (int i = 0; i < 10; i++)
            sum += strtoull(out[i], NULL, 10);
        is_int((long long) sum, 1001);
    }
    /* u128::MAX splits without overflowing */
    is_int(mm_prize_split("340282366920938463463374607431768211455", top10->bps, 10, out, err,
                          sizeof(err)), 0);
    is_str(out[9], "10208471007628153903901238222953046343");
    is_int(mm_prize_split("340282366920938463463374607431768211456", top3->bps, 3, out, err,
                          sizeof(err)), -1);
    /* too small for its ranks: refused, said */
    is_int(mm_prize_split("9", top10->bps, 10, out, err, sizeof(err)), -1);
    is_true(strstr(err, "too small") != NULL);
    is_int(mm_prize_split("0", top3->bps, 3, out, err, sizeof(err)), -1);

    /* custom: percentages, or amounts adding up to the pool */
    is_int(mm_prize_custom("60% 25% 15%", "1000", 24, &n, out, err, sizeof(err)), 0);
    is_int(n, 3);
    is_str(out[0], "600");
    is_str(out[2], "150");
    is_int(mm_prize_custom("33.34, 33.33, 33.33%", "100", 24, &n, out, err, sizeof(err)), 0);
    is_str(out[0], "34");       /* 33.34 + the 1 rounding left */
    is_int(mm_prize_custom("50% 40%", "1000", 24, &n, out, err, sizeof(err)), -1);
    is_true(strstr(err, "90.00 %") != NULL);
    is_int(mm_prize_custom("0.6, 0.4", "1000000", 6, &n, out, err, sizeof(err)), 0);
    is_str(out[0], "600000");
    is_str(out[1], "400000");
    is_int(mm_prize_custom("0.6, 0.3", "1000000", 6, &n, out, err, sizeof(err)), -1);
    is_int(mm_prize_custom("0.0000001", "1000000", 6, &n, out, err, sizeof(err)), -1);
    is_int(mm_prize_custom("lots", "1000", 6, &n, out, err, sizeof(err)), -1);
    is_int(mm_prize_custom("1,1,1,1,1,1,1,1,1,1,1", "11", 0, &n, out, err, sizeof(err)), -1);
    /* amounts whose true sum is 2^128 + the pool: refused, never wrapped */
    is_int(mm_prize_custom("1000, 340282366919939.463463374607431768211456",
                           "1000000000000000000000000", 24, &n, out, err, sizeof(err)), -1);
    is_true(strstr(err, "more than the whole prize") != NULL);
    is_int(mm_prize_custom("2000", "1000", 0, &n, out, err, sizeof(err)), -1);
    is_int(mm_prize_custom("60% 60%", "1000", 0, &n, out, err, sizeof(err)), -1);
    is_true(strstr(err, "more than 100") != NULL);

    is_int(mm_prize_fee("1000000", 250, fee), 0);
    is_str(fee, "25000");
    is_int(mm_prize_fee("399", 250, fee), 0);
    is_str(fee, "9");
    is_int(mm_units_add("340282366920938463463374607431768211455", "1", fee), -1);
}

static void test_html(void) {
    mm_buf b;
    mm_buf_init(&b);
    mm_html_add(&b, "<b>Tom & \"Jerry\"</b> > 3");
    is_str(b.data, "&lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt; &gt; 3");
    mm_buf_reset(&b);
    mm_html_add(&b, "plain ✓ text");
    is_str(b.data, "plain ✓ text");
    mm_buf_free(&b);
    is_int(mm_html_visible_len("<b>ab</b> &amp; c"), 6);
    is_int(mm_html_visible_len("é"), 1);
    is_int(mm_html_visible_len("🧩"), 2);          /* a surrogate pair */
}

static void test_flood(void) {
    mm_bucket b;
    int sent = 0;
    mm_bucket_init(&b, 1, 3, 0);
    /* a burst of three, then one per second */
    for (int64_t t = 0; t <= 10000; t += 10)
        if (mm_bucket_wait(&b, t) == 0) {
            mm_bucket_take(&b, t);
            sent++;
        }
    is_true((sent) >= (12) && (sent) <= (14));
    mm_bucket_init(&b, 1, 3, 0);
    mm_bucket_pause(&b, 0, 5000);                /* a 429 with retry_after 5 */
    is_int(mm_bucket_wait(&b, 1000), 4000);
    is_int(mm_bucket_wait(&b, 5000), 0);
    mm_bucket_init(&b, 0, 1, 0);                 /* unlimited */
    for (int i = 0; i < 1000; i++) {
        is_int(mm_bucket_wait(&b, 0), 0);
        mm_bucket_take(&b, 0);
    }
    mm_bucket_init(&b, 20.0 / 60, 3, 0);         /* a group: 20 per minute */
    sent = 0;
    for (int64_t t = 0; t < 60000; t += 100)
        if (mm_bucket_wait(&b, t) == 0) {
            mm_bucket_take(&b, t);
            sent++;
        }
    is_true((sent) >= (20) && (sent) <= (23));
}

static void test_tg_parse(void) {
    mm_tg_result r;
    const char *ok = "{\"ok\":true,\"result\":{\"message_id\":12}}";
    const char *flood = "{\"ok\":false,\"error_code\":429,\"description\":\"Too Many Requests: "
                        "retry after 7\",\"parameters\":{\"retry_after\":7}}";
    const char *bad = "{\"ok\":false,\"error_code\":400,\"description\":\"Bad Request: "
                      "message is not modified\"}";
    is_int(mm_tg_parse(200, ok, strlen(ok), &r), 0);
    is_int(json_integer_value(json_object_get(r.result, "message_id")), 12);
    mm_tg_result_free(&r);
    is_int(mm_tg_parse(429, flood, strlen(flood), &r), -1);
    is_int(r.error_code, 429);
    is_int(r.retry_after, 7);
    is_true(mm_tg_retryable(&r));
    mm_tg_result_free(&r);
    is_int(mm_tg_parse(400, bad, strlen(bad), &r), -1);
    is_true(!(mm_tg_retryable(&r)));
    is_true((strstr(r.description, "not modified")) != NULL);
    mm_tg_result_free(&r);
    is_int(mm_tg_parse(502, "<html>bad gateway</html>", 24, &r), -1);
    is_true(mm_tg_retryable(&r));
    is_int(r.error_code, 502);
    mm_tg_result_free(&r);
    is_int(mm_tg_parse(200, "{\"ok\":tr", 8, &r), -1);         /* truncated */
    mm_tg_result_free(&r);
    memset(&r, 0, sizeof(r));                                           /* transport */
    is_true(mm_tg_retryable(&r));
}

static void test_log_redaction(void) {
    mm_log log = { .level = MM_LOG_INFO };
    char out[512];
    mm_log_secret(&log, "123456:ABC-secret");
    mm_log_secret(&log, "pw");                   /* too short to register */
    mm_log_redact(&log, "GET /bot123456:ABC-secret/getMe failed; again 123456:ABC-secret",
                  out, sizeof(out));
    is_str(out, "GET /bot[redacted]/getMe failed; again [redacted]");
    mm_log_redact(&log, "quote \" and\nnewline", out, sizeof(out));
    is_str(out, "quote \\\" and\\nnewline");
    mm_log_free(&log);
}

/* --- the maze generators, checked by solving the text they print --- */

static long long solve_chain(const char *text) {
    long long v;
    const char *p;
    is_int(sscanf(text, "Start with %lld", &v), 1);
    for (p = strchr(text, ','); p; p = strchr(p + 1, ',')) {
        long long k;
        if (sscanf(p, ", add %lld", &k) == 1)
            v += k;
        else if (sscanf(p, ", subtract %lld", &k) == 1)
            v -= k;
        else if (sscanf(p, ", multiply by %lld", &k) == 1)
            v *= k;
        else if (!strncmp(p, ", halve it", 10))
            v /= 2;
        else if (!strncmp(p, ", double it", 11))
            v *= 2;
        else
            ok(0, "unknown step in: %s", text);
    }
    return v;
}

static long long solve_sequence(const char *text) {
    long long t[5];
    is_int(sscanf(text, "Which number comes next: %lld, %lld, %lld, %lld, %lld",
                            &t[0], &t[1], &t[2], &t[3], &t[4]), 5);
    if (t[1] - t[0] == t[2] - t[1] && t[2] - t[1] == t[3] - t[2] && t[4] - t[3] == t[3] - t[2])
        return t[4] + (t[4] - t[3]);
    if ((t[2] - t[1]) - (t[1] - t[0]) == 1 && (t[3] - t[2]) - (t[2] - t[1]) == 1
        && (t[4] - t[3]) - (t[3] - t[2]) == 1)
        return t[4] + (t[4] - t[3]) + 1;
    if (t[0] != 0 && t[1] % t[0] == 0 && t[1] / t[0] == t[2] / t[1] && t[2] == t[1] * (t[1] / t[0])
        && t[3] == t[2] * (t[1] / t[0]) && t[4] == t[3] * (t[1] / t[0]))
        return t[4] * (t[1] / t[0]);
    is_int(t[2], t[0] + t[1]);
    is_int(t[3], t[1] + t[2]);
    is_int(t[4], t[2] + t[3]);
    return t[3] + t[4];
}

/* "X is taller than Y. ..." : the tallest is the one never on the right */
static void solve_order(const char *text, char *answer, size_t len) {
    char tall[8][16], shorter[8][16], want[16];
    int n = 0;
    const char *p = text;
    while (n < 8 && sscanf(p, "%15s is taller than %15[^.].", tall[n], shorter[n]) == 2) {
        n++;
        p = strstr(p, ". ") + 2;
    }
    is_true(n >= 2);
    is_int(sscanf(p, "Who is the %15[a-z]?", want), 1);
    for (int i = 0; i < n; i++) {
        const char *cand = !strcmp(want, "tallest") ? tall[i] : shorter[i];
        int beaten = 0;
        for (int j = 0; j < n; j++)
            beaten |= !strcmp(want, "tallest") ? !strcmp(shorter[j], cand) : !strcmp(tall[j], cand);
        if (!beaten) {
            snprintf(answer, len, "%s", cand);
            return;
        }
    }
    ok(0, "no answer for: %s", text);
}

static void test_maze(void) {
    int kinds[3] = { 0 };
    for (uint64_t seed = 1; seed <= 3000; seed++) {
        mm_question q, again;
        char why[160], expect[32];
        int sdi = (int) (seed % 10) + 1;
        mm_maze_generate(seed, sdi, &q);
        if (mm_question_check(&q, why, sizeof(why)))
            ok(0, "seed %llu: %s: %s", (unsigned long long) seed, why, q.text);
        is_int(q.sdi, sdi);
        is_str(q.topic, MM_MAZE_TOPIC);
        if (!strncmp(q.text, "Start with", 10)) {
            snprintf(expect, sizeof(expect), "%lld", solve_chain(q.text));
            kinds[0]++;
        } else if (!strncmp(q.text, "Which number", 12)) {
            snprintf(expect, sizeof(expect), "%lld", solve_sequence(q.text));
            kinds[1]++;
        } else {
            solve_order(q.text, expect, sizeof(expect));
            kinds[2]++;
        }
        if (strcmp(q.options[q.correct], expect))
            ok(0, "seed %llu: marked %s, solved %s: %s", (unsigned long long) seed,
                     q.options[q.correct], expect, q.text);
        mm_maze_generate(seed, sdi, &again);          /* deterministic */
        is_true(memcmp(&q, &again, sizeof(q)) == 0);
    }
    for (int i = 0; i < 3; i++)
        is_true(kinds[i] > 500);
}

static void test_question_check(void) {
    mm_question q;
    char why[160];
    memset(&q, 0, sizeof(q));
    snprintf(q.topic, sizeof(q.topic), "mathematics");
    snprintf(q.text, sizeof(q.text), "What is 2 + 2?");
    snprintf(q.options[0], sizeof(q.options[0]), "4");
    snprintf(q.options[1], sizeof(q.options[1]), "5");
    snprintf(q.options[2], sizeof(q.options[2]), "22");
    snprintf(q.options[3], sizeof(q.options[3]), "3");
    q.sdi = 1;
    is_int(mm_question_check(&q, why, sizeof(why)), 0);
    snprintf(q.topic, sizeof(q.topic), "Maths <b>");               /* not a slug */
    is_int(mm_question_check(&q, why, sizeof(why)), -1);
    is_true((strstr(why, "topic")) != NULL);
    snprintf(q.topic, sizeof(q.topic), "mathematics");
    snprintf(q.options[3], sizeof(q.options[3]), " 5! ");       /* same after normalising */
    is_int(mm_question_check(&q, why, sizeof(why)), -1);
    is_true((strstr(why, "same")) != NULL);
    snprintf(q.options[3], sizeof(q.options[3]), "3");
    q.correct = 4;
    is_int(mm_question_check(&q, why, sizeof(why)), -1);
    q.correct = 0;
    q.sdi = 11;
    is_int(mm_question_check(&q, why, sizeof(why)), -1);
    q.sdi = 2;
    memset(q.text, 'x', 301);
    q.text[301] = '\0';
    is_int(mm_question_check(&q, why, sizeof(why)), -1);
}

/* cuts and repairs of UTF-8: one place for all of them (mm_utf8.c) */
static void test_utf8(void) {
    const char *smile = "\xf0\x9f\x98\x80";           /* U+1F600, 4 bytes */
    char buf[16], text[64];

    snprintf(text, sizeof(text), "ab%s%s", smile, smile);  /* 10 bytes */
    is_int(mm_utf8_len(text), 4);
    is_int(mm_utf8_cut(text, strlen(text), 10), 10);
    is_int(mm_utf8_cut(text, strlen(text), 9), 6);          /* not inside the second smile */
    is_int(mm_utf8_cut(text, strlen(text), 5), 2);
    is_int(mm_utf8_copy(buf, 7, text), 6);
    is_str(buf, "ab\xf0\x9f\x98\x80");
    is_true(mm_utf8_valid(buf));
    is_true(mm_utf8_valid("plain ascii, \xc3\xa9t\xc3\xa9 and \xe2\x82\xac"));
    is_true(!mm_utf8_valid("\xc3"));                        /* cut */
    is_true(!mm_utf8_valid("\x80" "abc"));                     /* a stray continuation */
    is_true(!mm_utf8_valid("\xc0\xaf"));                    /* overlong '/' */
    is_true(!mm_utf8_valid("\xed\xa0\x80"));                /* a surrogate */
    is_true(!mm_utf8_valid("\xf4\x90\x80\x80"));            /* above U+10FFFF */
    snprintf(buf, sizeof(buf), "ok \xf0\x9f\x98");          /* a smile cut by snprintf */
    is_int(mm_utf8_fix(buf), 3);
    is_str(buf, "ok ");
    snprintf(buf, sizeof(buf), "a\x80" "b\xff" "c");
    is_int(mm_utf8_fix(buf), 2);
    is_str(buf, "a?b?c");
    is_true(mm_utf8_valid(buf));
}

static void test_similarity(void) {
    is_true(mm_question_similarity("Which planet is the largest in the Solar System?",
                                       "Which is the largest planet in the solar system?") > 0.99);
    is_true(mm_question_similarity("Which cheese is traditionally used on a Margherita pizza?",
                                       "Which cheese is traditionally used on Margherita pizza?") >= 0.8);
    is_true(mm_question_similarity("Which planet is the largest?",
                                       "Which gas do plants absorb?") < 0.2);
    is_true(mm_question_similarity("", "Which gas?") == 0);
}

int main(void) {
    test_update_message();
    test_update_callback_and_group();
    test_update_rejects();
    test_commands();
    test_partitions();
    test_scoring();
    test_sdi();
    test_shuffle();
    test_answer_data();
    test_quiz_buttons();
    test_when();
    test_prize();
    test_html();
    test_flood();
    test_tg_parse();
    test_log_redaction();
    test_maze();
    test_question_check();
    test_similarity();
    test_utf8();
    return tap_done();
}
