/*
 * mm-worker generate --topic T --count N --difficulty D [--provider P]
 *                    [--notes "…"] [--language L]
 * prints checked questions as JSON lines, the bank's import format plus
 * the provider and model that made them.
 */

#ifndef MM_GENERATE_CLI_H
#define MM_GENERATE_CLI_H

int mm_generate_cli(int argc, char **argv);

#endif /* MM_GENERATE_CLI_H */
