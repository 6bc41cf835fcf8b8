/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>

#include "journald.h"

/*
 * Runs one of the tests/podman bats files the way a host runs podman: as a child subreaper (PID 1
 * on the test host does not reap orphans, and every daemonized monitor is one), with a
 * private root directory for podman's storage, state and configuration, and a cleanup that
 * runs even when bats dies half-way.
 *
 *   podman-runner [--journald] FILE.bats [BATS-OPTION...]
 *
 * Prints a TAP "skip all" plan and exits 0 when a tool the suite needs is missing, so meson
 * reports SKIP with the reason. --journald starts systemd-journald unless one is listening
 * (this host runs none; a socket file may outlive it); when that fails,
 * VIGIL_PODMAN_NO_JOURNALD tells the journald tests why they skip.
 */

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

static gboolean have_tool(const char *tool, const char *label, GString *missing)
{
	g_autofree char *path =
		g_path_is_absolute(tool) ? g_strdup(tool) : g_find_program_in_path(tool);

	if (path != NULL && g_file_test(path, G_FILE_TEST_IS_EXECUTABLE))
		return TRUE;
	g_string_append_printf(missing, "%s%s (%s)", missing->len > 0 ? ", " : "", label, tool);
	return FALSE;
}

/* The reason the suite cannot run here, or NULL. */
static char *skip_reason(void)
{
	g_autoptr(GString) missing = g_string_new(NULL);
	const char *conmon = g_getenv("CONMON");
	const char *vigilmon = g_getenv("VIGILMON");

	if (getuid() != 0)
		return g_strdup("the podman suite runs rootful podman: run it as root");
	have_tool("podman", "podman", missing);
	have_tool("bats", "bats", missing);
	have_tool("runc", "runc", missing);
	have_tool(conmon != NULL ? conmon : "/usr/bin/conmon", "conmon, the reference", missing);
	have_tool("/bin/busybox", "busybox-static", missing);
	have_tool(vigilmon != NULL ? vigilmon : "vigilmon", "vigilmon (VIGILMON)", missing);
	if (missing->len == 0)
		return NULL;
	return g_strdup_printf("not installed: %s", missing->str);
}

/* Run argv and wait for it, reaping every orphan that comes back to us meanwhile. */
static int run_reaping(const char *const *argv)
{
	GPid pid;
	g_autoptr(GError) error = NULL;

	if (!g_spawn_async(NULL, (char **)argv, NULL,
			   G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
				   G_SPAWN_CHILD_INHERITS_STDIN,
			   NULL, NULL, &pid, &error)) {
		g_printerr("# podman-runner: %s: %s\n", argv[0], error->message);
		return 127;
	}
	for (gboolean forwarded = FALSE;;) {
		int status;
		pid_t r = waitpid(-1, &status, 0);

		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		if (r < 0 && errno == EINTR && got_signal != 0 && !forwarded) {
			/* meson's timeout: let bats run its teardown, then clean up below */
			kill(pid, SIGTERM);
			forwarded = TRUE;
		} else if (r < 0 && errno == ECHILD) {
			return 127;
		}
	}
}

/* Whatever is still our child after the suite (a monitor of a container a failed test left
 * behind, or what such a monitor left to us) is ours to end: SIGKILL each by pid and reap
 * it, a few rounds, since each kill can hand us its orphans. */
static guint end_leftover_children_once(void)
{
	g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
	g_autoptr(GArray) pids = g_array_new(FALSE, FALSE, sizeof(pid_t));
	const char *name;
	pid_t self = getpid();

	while (proc != NULL && (name = g_dir_read_name(proc)) != NULL) {
		g_autofree char *stat_path = NULL;
		g_autofree char *stat = NULL;
		char *close_paren;
		int ppid = 0;

		if (!g_ascii_isdigit(name[0]))
			continue;
		stat_path = g_build_filename("/proc", name, "stat", NULL);
		if (!g_file_get_contents(stat_path, &stat, NULL, NULL))
			continue;
		/* "pid (comm) state ppid …": comm may hold spaces and parentheses */
		close_paren = strrchr(stat, ')');
		if (close_paren == NULL || sscanf(close_paren + 1, " %*c %d", &ppid) != 1)
			continue;
		if (ppid == self) {
			pid_t pid = (pid_t)atoi(name);
			g_printerr("# podman-runner: killing leftover process %d (%s)\n", (int)pid,
				   g_strchomp(stat));
			kill(pid, SIGKILL);
			g_array_append_val(pids, pid);
		}
	}
	for (guint i = 0; i < pids->len; i++)
		(void)waitpid(g_array_index(pids, pid_t, i), NULL, 0);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return pids->len;
}

static void end_leftover_children(void)
{
	for (int round = 0; round < 5 && end_leftover_children_once() > 0; round++)
		;
}

int main(int argc, char **argv)
{
	g_autofree char *reason = NULL;
	g_autofree char *root = NULL;
	g_autofree char *dir = NULL;
	g_autofree char *helpers = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	const char *bats_file;
	int status;
	int first = 1;
	gboolean journald = argc > 1 && g_str_equal(argv[1], "--journald");
	g_autoptr(GPtrArray) bats_argv = g_ptr_array_new();

	if (journald)
		first++;
	if (argc <= first) {
		g_printerr("usage: %s [--journald] FILE.bats [BATS-OPTION...]\n", argv[0]);
		return 2;
	}
	bats_file = argv[first];
	g_ptr_array_add(bats_argv, (char *)"bats");
	g_ptr_array_add(bats_argv, (char *)"--tap");
	for (int i = first + 1; i < argc; i++)
		g_ptr_array_add(bats_argv, argv[i]);
	g_ptr_array_add(bats_argv, (char *)bats_file);
	g_ptr_array_add(bats_argv, NULL);
	reason = skip_reason();
	if (reason != NULL) {
		printf("1..0 # SKIP %s\n", reason);
		return 0;
	}
	if (journald) {
		g_autofree char *why = test_journald_ensure();
		if (why != NULL)
			g_setenv("VIGIL_PODMAN_NO_JOURNALD", why, TRUE);
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
		g_printerr("# podman-runner: PR_SET_CHILD_SUBREAPER: %s\n", g_strerror(errno));
		return 1;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	root = g_strdup("/tmp/vigil-podman-XXXXXX");
	if (g_mkdtemp_full(root, 0755) == NULL) {
		g_printerr("# podman-runner: mkdtemp: %s\n", g_strerror(errno));
		return 1;
	}
	g_setenv("VIGIL_PODMAN_ROOT", root, TRUE);
	dir = g_path_get_dirname(bats_file);
	helpers = g_build_filename(dir, "helpers.bash", NULL);

	status = run_reaping((const char *const *)bats_argv->pdata);

	/* The suite's own cleanup (rm -af, unmount, rm -rf) also runs when bats crashed. */
	if (g_getenv("VIGIL_TEST_KEEP") == NULL)
		run_reaping((const char *const[]){ "bash", "-c", "source \"$0\" && suite_cleanup",
						   helpers, NULL });
	else
		g_printerr("# podman-runner: keeping %s\n", root);
	end_leftover_children();
	return status;
}
