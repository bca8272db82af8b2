/*
 * The worker's configuration, read once from the environment at start-up.
 * A missing or malformed setting stops start-up with one line naming it.
 */

#ifndef MM_CONFIG_H
#define MM_CONFIG_H

typedef struct mm_config {
    const char *redis_host;
    int redis_port;
    const char *redis_password;     /* NULL: no AUTH */
    const char *stream;
    const char *group;
    int report_interval;            /* seconds between backlog reports */
} mm_config;

/* Fills cfg from the environment; on error writes one line to err. */
int mm_config_load(mm_config *cfg, char *err, size_t errlen);

/* The variables mm_config_load() reads, for --help. */
extern const char *mm_config_help;

#endif /* MM_CONFIG_H */
