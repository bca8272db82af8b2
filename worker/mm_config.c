#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm_config.h"
#include "mm_stream.h"

const char *mm_config_help =
    "  REDIS_HOST          Redis host (default 127.0.0.1)\n"
    "  REDIS_PORT          Redis port (default 6379)\n"
    "  REDIS_PASSWORD      Redis password (default: none)\n"
    "  MM_STREAM           update stream the nginx module fills (default "
    MM_STREAM_DEFAULT ")\n"
    "  MM_GROUP            consumer group (default mm-workers)\n"
    "  MM_REPORT_INTERVAL  seconds between backlog reports (default 30)\n";

static const char *env_or(const char *name, const char *fallback) {
    const char *v = getenv(name);
    return (v && *v) ? v : fallback;
}

/* Parses an integer setting within [min, max]; 0 on success. */
static int env_int(const char *name, int fallback, int min, int max,
                   int *out, char *err, size_t errlen) {
    const char *v = getenv(name);
    char *end;
    long n;

    if (v == NULL || *v == '\0') {
        *out = fallback;
        return 0;
    }
    errno = 0;
    n = strtol(v, &end, 10);
    if (errno || *end != '\0' || n < min || n > max) {
        snprintf(err, errlen, "%s must be an integer from %d to %d, not \"%s\"",
                 name, min, max, v);
        return -1;
    }
    *out = (int) n;
    return 0;
}

int mm_config_load(mm_config *cfg, char *err, size_t errlen) {
    memset(cfg, 0, sizeof(*cfg));
    cfg->redis_host = env_or("REDIS_HOST", "127.0.0.1");
    cfg->redis_password = env_or("REDIS_PASSWORD", NULL);
    cfg->stream = env_or("MM_STREAM", MM_STREAM_DEFAULT);
    cfg->group = env_or("MM_GROUP", "mm-workers");

    if (env_int("REDIS_PORT", 6379, 1, 65535, &cfg->redis_port, err, errlen)
        || env_int("MM_REPORT_INTERVAL", 30, 1, 86400, &cfg->report_interval,
                   err, errlen))
        return -1;
    return 0;
}
