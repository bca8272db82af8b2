/*
 * Members of JSON objects (jansson) read with a default, for the many
 * places that take a field of a payload, an update or a chain answer and
 * treat "absent" like "empty".
 */

#ifndef MM_MEMBER_H
#define MM_MEMBER_H

#include <jansson.h>

/* The string member key of o, or "" when absent or not a string. */
static inline const char *mm_member_str(const json_t *o, const char *key) {
    const char *s = json_string_value(json_object_get(o, key));

    return s ? s : "";
}

/* The integer member key of o, or 0. */
static inline long long mm_member_ll(const json_t *o, const char *key) {
    return (long long) json_integer_value(json_object_get(o, key));
}

#endif /* MM_MEMBER_H */
