/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "runtime_child.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "error_util.h"
#include "fdutil.h"

static void add_all(GPtrArray *argv, char *const *items)
{
	for (; items != NULL && *items != NULL; items++)
		g_ptr_array_add(argv, g_strdup(*items));
}

char **runtime_build_argv(const RuntimeConfig *cfg, const char *console_socket)
{
	GPtrArray *argv = g_ptr_array_new();

	g_ptr_array_add(argv, g_strdup(cfg->runtime));
	if (!cfg->exec && cfg->systemd_cgroup)
		g_ptr_array_add(argv, g_strdup("--systemd-cgroup"));
	add_all(argv, cfg->runtime_args);

	if (cfg->exec) {
		g_ptr_array_add(argv, g_strdup("exec"));
		g_ptr_array_add(argv, g_strdup("--pid-file"));
		g_ptr_array_add(argv, g_strdup(cfg->container_pidfile));
		g_ptr_array_add(argv, g_strdup("--process"));
		g_ptr_array_add(argv, g_strdup(cfg->exec_process_spec));
		g_ptr_array_add(argv, g_strdup("--detach"));
	} else {
		g_ptr_array_add(argv, g_strdup(cfg->restore != NULL ? "restore" : "create"));
		g_ptr_array_add(argv, g_strdup("--bundle"));
		g_ptr_array_add(argv, g_strdup(cfg->bundle));
		g_ptr_array_add(argv, g_strdup("--pid-file"));
		g_ptr_array_add(argv, g_strdup(cfg->container_pidfile));
		if (cfg->no_pivot)
			g_ptr_array_add(argv, g_strdup("--no-pivot"));
		if (cfg->no_new_keyring)
			g_ptr_array_add(argv, g_strdup("--no-new-keyring"));
		if (cfg->restore != NULL) {
			g_ptr_array_add(argv, g_strdup("--detach"));
			g_ptr_array_add(argv, g_strdup("--image-path"));
			g_ptr_array_add(argv, g_strdup(cfg->restore));
			g_ptr_array_add(argv, g_strdup("--work-path"));
			g_ptr_array_add(argv, g_strdup(cfg->bundle));
		}
	}
	if (cfg->runtime_opts != NULL) {
		for (guint i = 0; i < cfg->runtime_opts->len; i++)
			g_ptr_array_add(argv, g_strdup(g_ptr_array_index(cfg->runtime_opts, i)));
	}
	if (console_socket != NULL) {
		g_ptr_array_add(argv, g_strdup("--console-socket"));
		g_ptr_array_add(argv, g_strdup(console_socket));
	}
	g_ptr_array_add(argv, g_strdup(cfg->cid));
	g_ptr_array_add(argv, NULL);
	return (char **)g_ptr_array_free(argv, FALSE);
}

/* Room for "LISTEN_PID=" and any pid; filled in by the child, which alone knows its pid. */
#define LISTEN_PID_PREFIX "LISTEN_PID="
#define LISTEN_PID_BUF    (sizeof LISTEN_PID_PREFIX + 24)

typedef struct {
	char **envp;
	int listen_pid_index; /* -1: leave LISTEN_PID alone */
	char listen_pid[LISTEN_PID_BUF];
} ChildEnv;

static void child_env_clear(ChildEnv *env)
{
	g_free(env->envp); /* the strings belong to environ or env->listen_pid */
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ChildEnv, child_env_clear)

/*
 * Socket activation (docs/conmon-contract.md, "Runtime command lines"): LISTEN_PID names the
 * process that owns LISTEN_FDS. If it names us (or --replace-listen-pid), the runtime child must
 * see its own pid instead.
 */
static gboolean child_env_prepare(ChildEnv *env, gboolean replace, GError **error)
{
	guint n = environ != NULL ? g_strv_length(environ) : 0;

	env->listen_pid_index = -1;
	env->envp = g_new0(char *, n + 1);
	for (guint i = 0; i < n; i++) {
		env->envp[i] = environ[i];
		if (!g_str_has_prefix(environ[i], LISTEN_PID_PREFIX))
			continue;
		const char *v = environ[i] + strlen(LISTEN_PID_PREFIX);
		char *end = NULL;
		errno = 0;
		long pid = strtol(v, &end, 10);
		if (errno != 0 || end == v || *end != '\0' || pid <= 0 || pid > INT_MAX)
			return vigil_throw(error, EINVAL, "Invalid LISTEN_PID %.10s", v);
		if (replace || pid == getpid()) {
			env->listen_pid_index = (int)i;
			env->envp[i] = env->listen_pid;
		}
	}
	return TRUE;
}

/* Async-signal-safe decimal formatting for the child. */
static void fill_listen_pid(char *buf, pid_t pid)
{
	char digits[24];
	int n = 0;
	gsize off = strlen(LISTEN_PID_PREFIX);

	memcpy(buf, LISTEN_PID_PREFIX, off);
	do {
		digits[n++] = (char)('0' + pid % 10);
		pid /= 10;
	} while (pid > 0);
	while (n > 0)
		buf[off++] = digits[--n];
	buf[off] = '\0';
}

static void child_write_str(const char *s)
{
	(void)!write(STDERR_FILENO, s, strlen(s));
}

static G_GNUC_NORETURN void child_fail(const char *what, const char *arg, int errsv)
{
	child_write_str(what);
	if (arg != NULL) {
		child_write_str(" '");
		child_write_str(arg);
		child_write_str("'");
	}
	child_write_str(": ");
	child_write_str(strerror(errsv));
	child_write_str("\n");
	_exit(127);
}

/* Between fork and exec: async-signal-safe calls only. */
static G_GNUC_NORETURN void child_exec(char *const *argv, const RuntimeChildSetup *setup,
				       ChildEnv *env, int null_fd)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	daemon_child_reset(setup->oom_score_adj);

	if (!setup->passthrough) {
		for (int i = 0; i <= 2; i++) {
			int fd = setup->stdio[i] >= 0 ? setup->stdio[i] : null_fd;
			if (fd == i) {
				if (fcntl(fd, F_SETFD, 0) < 0)
					child_fail("fcntl", NULL, errno);
			} else if (dup2(fd, i) < 0) {
				child_fail("dup2", NULL, errno);
			}
			/* A non-root container user reopens its stdio through /proc/self/fd/N;
			 * pipes are created 0600, so open them up (conmon does the same). */
			if (setup->stdio[i] >= 0)
				(void)fchmod(i, 0777);
		}
	}

	if (env->listen_pid_index >= 0)
		fill_listen_pid(env->listen_pid, getpid());

	if (setup->start_fd >= 0) {
		char c;
		ssize_t n;
		do
			n = read(setup->start_fd, &c, 1);
		while (n < 0 && errno == EINTR);
	}

	execve(argv[0], argv, env->envp);
	child_fail("exec runtime", argv[0], errno);
}

pid_t runtime_spawn(char *const *argv, const RuntimeChildSetup *setup, GError **error)
{
	g_auto(ChildEnv) env = { 0 };
	vigil_autofd int null_fd = -1;

	if (!child_env_prepare(&env, setup->replace_listen_pid, error))
		return -1;
	if (!setup->passthrough) {
		null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null_fd < 0)
			return vigil_throw_errno(error, "open /dev/null"), -1;
	}

	pid_t pid = fork();
	if (pid < 0)
		return vigil_throw_errno(error, "fork runtime"), -1;
	if (pid == 0)
		child_exec(argv, setup, &env, null_fd);
	return pid;
}

gboolean runtime_read_pidfile(const char *path, pid_t *out_pid, GError **error)
{
	g_autofree char *buf = NULL;
	g_autoptr(GError) local = NULL;
	char *end = NULL;

	if (!g_file_get_contents(path, &buf, NULL, &local))
		return vigil_throw(error, ENOENT, "%s", local->message);
	g_strstrip(buf);
	errno = 0;
	long v = strtol(buf, &end, 10);
	if (errno != 0 || end == buf || *end != '\0' || v <= 0 || v > INT_MAX)
		return vigil_throw(error, EINVAL, "pid file '%s' holds '%s', not a pid", path, buf);
	*out_pid = (pid_t)v;
	return TRUE;
}
