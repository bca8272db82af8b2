/* The `mm-worker near …` subcommands. */

#ifndef MM_NEAR_CLI_H
#define MM_NEAR_CLI_H

/* argv holds the words after "near"; returns the exit status. */
int mm_near_cli(int argc, char **argv);

#endif /* MM_NEAR_CLI_H */
