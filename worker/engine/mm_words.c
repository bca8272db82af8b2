#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/mm_words.h"
#include "mm_buf.h"

/* A lowercase copy: ASCII, Latin-1 capitals (U+00C0-U+00DE) and Cyrillic
 * capitals (U+0410-U+042F, U+0401); other bytes as they are. */
static void mm_fold(const char *s, mm_buf *out) {
    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
        unsigned char c[2] = { p[0], p[1] };
        if (c[0] >= 'A' && c[0] <= 'Z') {
            c[0] += 32;
        } else if (c[0] == 0xc3 && c[1] >= 0x80 && c[1] <= 0x9e && c[1] != 0x97) {
            c[1] += 0x20;
        } else if (c[0] == 0xd0 && c[1] >= 0x90 && c[1] <= 0x9f) {
            c[1] += 0x20;
        } else if (c[0] == 0xd0 && c[1] >= 0xa0 && c[1] <= 0xaf) {
            c[0] = 0xd1;
            c[1] -= 0x20;
        } else if (c[0] == 0xd0 && c[1] == 0x81) {
            c[0] = 0xd1;
            c[1] = 0x91;
        }
        if (c[0] >= 0xc0 && p[1]) {
            mm_buf_add(out, (const char *) c, 2);
            p++;
        } else {
            mm_buf_add(out, (const char *) c, 1);
        }
    }
}

/* letters and digits of any script (every byte of a multi-byte character) */
static int mm_wordchar(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80;
}

int mm_words_find(const char *list, const char *text, char *hit, size_t hitlen) {
    mm_buf folded;
    int found = 0;

    mm_buf_init(&folded);
    mm_fold(text, &folded);
    while (folded.data && *list && !found) {
        const char *end = strchr(list, '\n');
        size_t len = end ? (size_t) (end - list) : strlen(list);
        char word[128];
        const char *m;

        if (len > 0 && len < sizeof(word)) {
            memcpy(word, list, len);
            word[len] = '\0';
            for (m = strstr(folded.data, word); m; m = strstr(m + 1, word))
                if ((m == folded.data || !mm_wordchar((unsigned char) m[-1]))
                    && !mm_wordchar((unsigned char) m[len])) {
                    snprintf(hit, hitlen, "%s", word);
                    found = 1;
                    break;
                }
        }
        list += len + (end != NULL);
    }
    mm_buf_free(&folded);
    return found;
}
