/*
 * Text for parse_mode "HTML": whatever a user or a model wrote is escaped
 * before it goes into a template (Telegram accepts only &lt; &gt; &amp;
 * &quot; as named entities).
 */

#ifndef MM_HTML_H
#define MM_HTML_H

#include "mm_buf.h"

/* Appends s with & < > " escaped. */
void mm_html_add(mm_buf *b, const char *s);

/* Characters Telegram counts for s once entities are parsed: UTF-16 code
 * units of the visible text (tags dropped, entities counted as one). */
size_t mm_html_visible_len(const char *s);

#endif /* MM_HTML_H */
