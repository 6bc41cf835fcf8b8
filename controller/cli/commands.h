/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "cli.h"

/* One function per subcommand, each in cmd_<name>.c: parse, call one library function,
 * print. */
int cmd_create(Cli *cli, int argc, char **argv);
int cmd_start(Cli *cli, int argc, char **argv);
int cmd_run(Cli *cli, int argc, char **argv);
int cmd_state(Cli *cli, int argc, char **argv);
int cmd_list(Cli *cli, int argc, char **argv);
int cmd_kill(Cli *cli, int argc, char **argv);
int cmd_stop(Cli *cli, int argc, char **argv);
int cmd_delete(Cli *cli, int argc, char **argv);
int cmd_pause(Cli *cli, int argc, char **argv);
int cmd_unpause(Cli *cli, int argc, char **argv);
int cmd_exec(Cli *cli, int argc, char **argv);
int cmd_exec_stop(Cli *cli, int argc, char **argv);
int cmd_exec_cleanup(Cli *cli, int argc, char **argv);
int cmd_exec_list(Cli *cli, int argc, char **argv);
int cmd_reopen_log(Cli *cli, int argc, char **argv);
int cmd_resize(Cli *cli, int argc, char **argv);
int cmd_checkpoint(Cli *cli, int argc, char **argv);
int cmd_restore(Cli *cli, int argc, char **argv);
int cmd_attach(Cli *cli, int argc, char **argv);
int cmd_logs(Cli *cli, int argc, char **argv);
int cmd_wait(Cli *cli, int argc, char **argv);
int cmd_stats(Cli *cli, int argc, char **argv);
int cmd_events(Cli *cli, int argc, char **argv);
int cmd_paths(Cli *cli, int argc, char **argv);
int cmd_runtime_info(Cli *cli, int argc, char **argv);
int cmd_features(Cli *cli, int argc, char **argv);

/* The entry of the table for name (for cli_parse's usage lines). */
const CliCommand *cli_command(const char *name);
