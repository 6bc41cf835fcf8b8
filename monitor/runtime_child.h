/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sys/types.h>

#include <glib.h>

/*
 * The OCI runtime's command line for create, restore and exec, exactly in conmon's order
 * (docs/conmon-contract.md, "Runtime command lines"), and the fork/exec of the runtime child.
 */

/* The runtime options of the command line (module_config.c fills it in; borrowed). */
typedef struct {
	const char *runtime;           /* --runtime: its path */
	char *const *runtime_args;     /* --runtime-arg: before the subcommand */
	const GPtrArray *runtime_opts; /* --runtime-opt, --restore-arg: after it, in order */
	gboolean systemd_cgroup;
	gboolean no_pivot;
	gboolean no_new_keyring;
	const char *cid;
	const char *bundle;
	const char *container_pidfile;
	gboolean exec; /* runtime exec --process exec_process_spec */
	const char *exec_process_spec;
	const char *restore; /* runtime restore from this checkpoint directory */
} RuntimeConfig;

/* NULL-terminated argv; console_socket may be NULL. */
char **runtime_build_argv(const RuntimeConfig *cfg, const char *console_socket);

typedef struct {
	/* fds to install as the child's 0, 1, 2; -1 means /dev/null. Ignored if passthrough. */
	int stdio[3];
	gboolean passthrough;
	/* --exec-attach: block on a second start-pipe read before exec (docs/conmon-contract.md,
	 * "Start pipe"). */
	int start_fd;
	/* oom_score_adj to restore in the child (text); NULL leaves it. */
	const char *oom_score_adj;
	gboolean replace_listen_pid;
} RuntimeChildSetup;

/*
 * Fork and exec argv[0] with argv. The child gets an empty signal mask, default signal
 * dispositions, PR_SET_PDEATHSIG(SIGKILL), the stdio above and every inherited fd the
 * engine passed us (podman's --preserve-fds, LISTEN_FDS, port reservations:
 * docs/conmon-contract.md, "Environment and inherited fds"). If exec fails the child writes the
 * reason to its stderr and exits 127.
 */
pid_t runtime_spawn(char *const *argv, const RuntimeChildSetup *setup, GError **error);

/* Read the pid the runtime wrote to path. */
gboolean runtime_read_pidfile(const char *path, pid_t *out_pid, GError **error);
