/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

#include "container.h"
#include "monitor_args.h"
#include "monitor_spawn.h"
#include "runtime_impl.h"

/*
 * What a create (create.c) and an exec (exec.c) share around the monitor they start: its
 * common arguments, the --preserve-fds check, and the pid it reports or the runtime's reason
 * why there is none.
 */

/*
 * What the monitors of ctr and of its exec sessions share: its runtime (as runtime_cmd_for()
 * runs it), id, name and the log level. cuuid and the directories are the caller's to set.
 */
void monitor_launch_args_base(VigilRuntime *rt, const VigilContainer *ctr, MonitorArgsBase *out);

/* EINVAL naming the first of the caller's fds 3 .. 3+n-1 that is not open. */
gboolean monitor_launch_preserve_fds_check(guint n, GError **error);

/*
 * The monitor's pid message on m's sync pipe (waiting MONITOR_SYNC_TIMEOUT_S at most): the
 * pid of the container's or session's process, or an error with the runtime's reason (its
 * JSON log in dir, else the monitor's message), coded by monitor_launch_error_code(). runtime
 * is the runtime's path, whose name the error starts with.
 */
gboolean monitor_launch_read_pid(MonitorProcess *m, const char *dir, const char *runtime,
				 int *out_pid, GError **error);

/* The same for a pid message read by the caller (a main loop's fd source): value and message
 * as sync_reader_try() gave them, or the read_error it gave instead. */
gboolean monitor_launch_pid_result(const char *dir, const char *runtime, const GError *read_error,
				   int value, const char *message, int *out_pid, GError **error);

/* The VIGIL_ERROR code for a runtime's reason: ENOEXEC when the process's executable was not
 * found, EACCES when it could not be executed (permission denied, a directory), else EIO. */
int monitor_launch_error_code(const char *why);
