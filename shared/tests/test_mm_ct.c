#include <string.h>

#include "mm_ct.h"
#include "tap.h"

static const struct {
    const char *secret, *given;
    int equal;
} cases[] = {
    { "s3cret", "s3cret", 1 },
    { "s3cret", "s3creT", 0 },
    { "s3cret", "S3cret", 0 },
    { "s3cret", "s3cre", 0 },
    { "s3cret", "s3cret0", 0 },
    { "s3cret", "", 0 },
    { "", "", 1 },
    { "", "x", 0 },
    { "a", "b", 0 },
};

int main(void) {
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *s = cases[i].secret, *g = cases[i].given;
        ok(mm_ct_equal(s, strlen(s), g, strlen(g)) == cases[i].equal,
           "\"%s\" vs \"%s\"", s, g);
    }
    return tap_done();
}
