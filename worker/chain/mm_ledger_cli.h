/* The `mm-worker payouts …` subcommands. */

#ifndef MM_LEDGER_CLI_H
#define MM_LEDGER_CLI_H

/* argv holds the words after "payouts"; returns the exit status. */
int mm_ledger_cli(int argc, char **argv);

/* argv holds the words after "deposits". */
int mm_deposit_cli(int argc, char **argv);

#endif /* MM_LEDGER_CLI_H */
