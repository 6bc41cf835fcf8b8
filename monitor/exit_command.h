/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

/*
 * --exit-command (command; NULL: none) with --exit-command-arg (args) after --exit-delay
 * (delay_s seconds; docs/conmon-contract.md, "Exit command"): runs once the exit files exist,
 * with every fd above 2 closed first (the engine's sync-pipe reader sees EOF then) and the
 * subreaper flag cleared (its grandchildren are not ours). Waits for it. Returns its exit
 * status if non-zero, else status.
 */
int exit_command_run(const char *command, char *const *args, int delay_s, const char *oom_score_adj,
		     int status);
