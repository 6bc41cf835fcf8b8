/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "monitor_args.h"

#include "state_dir.h"

static void add(GPtrArray *a, const char *s)
{
	g_ptr_array_add(a, g_strdup(s));
}

static void add2(GPtrArray *a, const char *opt, const char *value)
{
	add(a, opt);
	add(a, value);
}

static void addf(GPtrArray *a, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void addf(GPtrArray *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_ptr_array_add(a, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

/* The API's milliseconds as the monitor's whole seconds, rounded up: a timeout never fires
 * early (1500 ms is 2 s), and a nonzero one never becomes 0 (none). */
static guint seconds_up(guint ms)
{
	return ms / 1000 + (ms % 1000 != 0);
}

/* What every monitor gets: the shape of podman's sharedConmonArgs (docs/conmon-contract.md,
 * "Engine command lines"). */
static GPtrArray *base_args(const MonitorArgsBase *b)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);

	add2(a, "--api-version", "1");
	add2(a, "-c", b->cid);
	add2(a, "-u", b->cuuid);
	add2(a, "-r", b->runtime);
	add2(a, "-b", b->dir);
	add(a, "-p");
	g_ptr_array_add(a, g_build_filename(b->dir, STATE_PIDFILE, NULL));
	add2(a, "-n", b->name);
	add2(a, "--exit-dir", b->exit_dir);
	add2(a, "--persist-dir", b->persist_dir);
	add(a, "--full-attach");
	if (b->runtime_root != NULL) {
		add(a, "--runtime-arg");
		addf(a, "--root=%s", b->runtime_root);
	}
	if (b->log_level != NULL)
		add2(a, "--log-level", b->log_level);
	add(a, "--syslog");
	if (b->json_errors) {
		/* The runtime's own message for a failed create/exec comes from this file
		 * (podman reads its "oci-log" the same way). */
		add2(a, "--runtime-arg", "--log-format=json");
		add2(a, "--runtime-arg", "--log");
		addf(a, "--runtime-arg=%s/%s", b->dir, STATE_RUNTIME_LOG);
	}
	add(a, "--conmon-pidfile");
	g_ptr_array_add(a, g_build_filename(b->dir, STATE_MONITOR_PID, NULL));
	return a;
}

static void add_preserve_fds(GPtrArray *a, guint n)
{
	if (n == 0)
		return;
	add2(a, "--runtime-opt", "--preserve-fds");
	add(a, "--runtime-opt");
	addf(a, "%u", n);
}

static void add_restore(GPtrArray *a, const VigilCheckpointOptions *r)
{
	add2(a, "--restore", r->image_path);
	if (r->tcp_established)
		add2(a, "--runtime-opt", "--tcp-established");
	if (r->file_locks)
		add2(a, "--runtime-opt", "--file-locks");
}

GPtrArray *monitor_args_create(const MonitorArgsBase *base, const VigilCreateOptions *o,
			       const char *const *log_drivers)
{
	GPtrArray *a = base_args(base);

	for (; *log_drivers != NULL; log_drivers++)
		add2(a, "-l", *log_drivers);
	/* Only what was asked for: conmon 2.1 lacks the newer log options. */
	if (o->log_size_max > 0)
		addf(a, "--log-size-max=%" G_GINT64_FORMAT, o->log_size_max);
	if (o->log_global_size_max > 0)
		addf(a, "--log-global-size-max=%" G_GINT64_FORMAT, o->log_global_size_max);
	if (o->log_rotate)
		add(a, "--log-rotate");
	if (o->log_max_files > 0)
		addf(a, "--log-max-files=%d", o->log_max_files);
	if (o->log_tag != NULL)
		add2(a, "--log-tag", o->log_tag);
	if (o->no_cgroups) {
		add2(a, "--runtime-arg", "--cgroup-manager");
		add2(a, "--runtime-arg", "disabled");
	}
	if (o->systemd_cgroup)
		add(a, "-s");
	if (o->sdnotify_socket != NULL)
		addf(a, "--sdnotify-socket=%s", o->sdnotify_socket);
	if (o->seccomp_notify_socket != NULL)
		addf(a, "--seccomp-notify-socket=%s", o->seccomp_notify_socket);
	if (o->seccomp_notify_plugins != NULL)
		addf(a, "--seccomp-notify-plugins=%s", o->seccomp_notify_plugins);
	if (o->terminal)
		add(a, "-t");
	else if (o->stdin_)
		add(a, "-i");
	if (o->timeout_ms > 0)
		addf(a, "--timeout=%u", seconds_up(o->timeout_ms));
	if (o->no_new_keyring)
		add(a, "--no-new-keyring");
	if (o->no_pivot)
		add(a, "--no-pivot");
	if (o->exit_command != NULL) {
		add2(a, "--exit-command", o->exit_command);
		for (const char *const *x = o->exit_command_args; x != NULL && *x != NULL; x++)
			add2(a, "--exit-command-arg", *x);
		if (o->exit_delay_ms > 0)
			addf(a, "--exit-delay=%u", seconds_up(o->exit_delay_ms));
	}
	add_preserve_fds(a, o->preserve_fds);
	if (o->restore != NULL)
		add_restore(a, o->restore);
	g_ptr_array_add(a, NULL);
	return a;
}

GPtrArray *monitor_args_exec(const MonitorArgsBase *base, const VigilExecOptions *o,
			     const char *spec, gboolean attach)
{
	GPtrArray *a = base_args(base);

	/* Attached sessions stream to the client (podman: -l none); a detached session's output
	 * is kept in its directory, where nobody else would see it. */
	if (attach) {
		add2(a, "-l", "none");
	} else {
		add(a, "-l");
		addf(a, "k8s-file:%s/%s", base->dir, STATE_LOG);
	}
	if (o->terminal)
		add(a, "-t");
	else if (attach && o->streams->attach_input)
		add(a, "-i");
	if (o->timeout_ms > 0)
		addf(a, "--timeout=%u", seconds_up(o->timeout_ms));
	add(a, "-e");
	if (attach)
		add(a, "--exec-attach");
	add2(a, "--exec-process-spec", spec);
	add_preserve_fds(a, o->preserve_fds);
	g_ptr_array_add(a, NULL);
	return a;
}
