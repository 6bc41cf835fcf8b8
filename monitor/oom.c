/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "oom.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <glib-unix.h>

#include "cgroup_stats.h"
#include "error_util.h"
#include "exit_file.h"
#include "fdutil.h"
#include "source.h"

#define CGROUP_ROOT    "/sys/fs/cgroup"
#define CGROUP_V1_ROOT CGROUP_ROOT "/memory"

struct _OomWatch {
	OomCgroupKind kind;
	char *cgroup_dir; /* NULL: nothing is watched */
	char **oom_dirs;
	GSource *source;
	int fd;         /* v1: the eventfd; v2: the inotify fd */
	int control_fd; /* v1: memory.oom_control, open while registered */
	/* v2: memory.events counters; v1: oom_control's oom_kill in last_oom_kill */
	guint64 last_oom;
	guint64 last_oom_kill;
	gboolean seen;
	OomSeenFunc on_seen;
	gpointer on_seen_data;
};

static void stop_watching(OomWatch *w)
{
	source_drop(&w->source);
	vigil_clear_fd(&w->fd);
	vigil_clear_fd(&w->control_fd);
}

static void report(OomWatch *w)
{
	if (w->seen)
		return;
	w->seen = TRUE;
	g_info("OOM received");
	for (char **d = w->oom_dirs; d != NULL && *d != NULL; d++) {
		g_autoptr(GError) error = NULL;
		if (!oom_file_create(*d, &error))
			g_warning("Failed to write oom file: %s, ignoring", error->message);
	}
	if (w->on_seen != NULL)
		w->on_seen(w->on_seen_data);
}

static guint64 parse_counter(const char *text, const char *key)
{
	gsize klen = strlen(key);

	for (const char *line = text; line != NULL && *line != '\0';) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ')
			return g_ascii_strtoull(line + klen + 1, NULL, 10);
		line = strchr(line, '\n');
		if (line != NULL)
			line++;
	}
	return 0;
}

void oom_parse_memory_events(const char *text, guint64 *out_oom, guint64 *out_oom_kill)
{
	*out_oom = parse_counter(text, "oom");
	*out_oom_kill = parse_counter(text, "oom_kill");
}

char *oom_cgroup_path_from_proc(const char *proc_cgroup, OomCgroupKind kind)
{
	/* v2's unified line has no controllers; v1's memory hierarchy names "memory". */
	return cgroup_stats_path_from_proc(proc_cgroup, kind == OOM_CGROUP_V2 ? NULL : "memory",
					   NULL);
}

static char *read_text(const char *dir, const char *name, GError **error)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	g_autoptr(GError) local = NULL;
	char *text = NULL;

	if (!g_file_get_contents(path, &text, NULL, &local)) {
		int code = g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT) ? ENOENT : EIO;
		vigil_throw(error, code, "%s", local->message);
		return NULL;
	}
	return text;
}

/* v1: the eventfd counts OOM events, and one more when the cgroup is removed. */
static void v1_check(OomWatch *w, gboolean final)
{
	guint64 count = 0;
	g_autofree char *event_control =
		g_build_filename(w->cgroup_dir, "cgroup.event_control", NULL);
	g_autofree char *text = NULL;

	if (w->fd >= 0 && read(w->fd, &count, sizeof count) != sizeof count)
		count = 0;
	if (count > 0) {
		/* Compat: conmon takes a single event on a cgroup that is gone for the removal. */
		gboolean removed = access(event_control, F_OK) < 0 && errno == ENOENT;
		if (removed && count == 1) {
			g_debug("memory cgroup %s was removed, stopping OOM monitoring",
				w->cgroup_dir);
			stop_watching(w);
			return;
		}
		report(w);
		return;
	}
	/* The eventfd is signalled before the kill, so this only backs it up on the final
	 * check: the kernel's own count of OOM kills in this cgroup. */
	if (final && (text = read_text(w->cgroup_dir, "memory.oom_control", NULL)) != NULL &&
	    parse_counter(text, "oom_kill") > w->last_oom_kill)
		report(w);
}

static void v2_check(OomWatch *w)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *text = read_text(w->cgroup_dir, "memory.events", &error);
	guint64 oom, oom_kill;

	if (text == NULL) {
		if (g_error_matches(error, VIGIL_ERROR, ENOENT))
			/* Compat: conmon's words; systemd may remove the cgroup before we look. */
			g_info("Cgroup appears to have been removed, stopping OOM monitoring");
		else
			g_warning("OOM monitoring: %s, stopping", error->message);
		stop_watching(w);
		return;
	}
	oom_parse_memory_events(text, &oom, &oom_kill);
	/* Separate counters (conmon 2.2.0): either one growing is an OOM. */
	if (oom > w->last_oom || oom_kill > w->last_oom_kill)
		report(w);
	w->last_oom = MAX(w->last_oom, oom);
	w->last_oom_kill = MAX(w->last_oom_kill, oom_kill);
}

static gboolean on_event(int fd, GIOCondition cond, gpointer data)
{
	OomWatch *w = data;

	if (w->kind == OOM_CGROUP_V1) {
		v1_check(w, FALSE);
		return w->source != NULL ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
	}

	gboolean gone = FALSE;
	char buf[4096];
	for (;;) {
		gssize n = fd_read_once(fd, buf, sizeof buf);
		if (n <= 0)
			break;
		for (gssize off = 0; off + (gssize)sizeof(struct inotify_event) <= n;) {
			struct inotify_event ev; /* copied out: buf has no alignment to lean on */
			memcpy(&ev, buf + off, sizeof ev);
			if (ev.mask & IN_IGNORED)
				gone = TRUE; /* the file (so the cgroup) is gone */
			off += (gssize)(sizeof ev + ev.len);
		}
	}
	v2_check(w);
	if (gone && w->source != NULL) {
		g_debug("memory.events of %s is gone, stopping OOM monitoring", w->cgroup_dir);
		stop_watching(w);
	}
	return w->source != NULL ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean setup_v1(OomWatch *w, GError **error)
{
	g_autofree char *control = g_build_filename(w->cgroup_dir, "memory.oom_control", NULL);
	g_autofree char *event_control =
		g_build_filename(w->cgroup_dir, "cgroup.event_control", NULL);
	g_autofree char *text = read_text(w->cgroup_dir, "memory.oom_control", NULL);

	if (text != NULL)
		w->last_oom_kill = parse_counter(text, "oom_kill");
	w->control_fd = open(control, O_RDONLY | O_CLOEXEC);
	if (w->control_fd < 0)
		return vigil_throw_errno(error, "open %s", control);
	w->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->fd < 0)
		return vigil_throw_errno(error, "eventfd");

	vigil_autofd int ecfd = open(event_control, O_WRONLY | O_CLOEXEC);
	if (ecfd < 0)
		return vigil_throw_errno(error, "open %s", event_control);
	char line[64];
	int len = g_snprintf(line, sizeof line, "%d %d", w->fd, w->control_fd);
	int r = fd_write_all(ecfd, line, (gsize)len, NULL);
	/* Compat: conmon only warns here; PREEMPT_RT kernels refuse oom_control events. */
	if (r < 0)
		return vigil_throw_errsv(error, -r, "write %s", event_control);
	return TRUE;
}

static gboolean setup_v2(OomWatch *w, GError **error)
{
	g_autofree char *events = g_build_filename(w->cgroup_dir, "memory.events", NULL);
	g_autofree char *text = NULL;

	w->fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (w->fd < 0)
		return vigil_throw_errno(error, "inotify_init1");
	if (inotify_add_watch(w->fd, events, IN_MODIFY) < 0)
		return vigil_throw_errno(error, "watch %s", events);
	/* Baselines after the watch exists, so no change can fall between the two. */
	text = read_text(w->cgroup_dir, "memory.events", NULL);
	if (text != NULL)
		oom_parse_memory_events(text, &w->last_oom, &w->last_oom_kill);
	return TRUE;
}

static OomWatch *watch_new_inactive(const char *const *oom_dirs)
{
	OomWatch *w = g_new0(OomWatch, 1);

	w->fd = -1;
	w->control_fd = -1;
	w->oom_dirs = g_strdupv((char **)oom_dirs);
	return w;
}

OomWatch *oom_watch_new_at(GMainContext *ctx, OomCgroupKind kind, const char *cgroup_dir,
			   const char *const *oom_dirs, GError **error)
{
	g_autoptr(OomWatch) w = watch_new_inactive(oom_dirs);

	w->kind = kind;
	w->cgroup_dir = g_strdup(cgroup_dir);
	if (!(kind == OOM_CGROUP_V1 ? setup_v1(w, error) : setup_v2(w, error)))
		return NULL;
	w->source = g_unix_fd_source_new(w->fd, G_IO_IN);
	g_source_set_callback(w->source, G_SOURCE_FUNC(on_event), w, NULL);
	g_source_set_static_name(w->source, "vigil-oom");
	g_source_attach(w->source, ctx);
	return g_steal_pointer(&w);
}

static gboolean cgroup_root_is_v2(void)
{
	struct statfs st;

	return statfs(CGROUP_ROOT, &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC;
}

OomWatch *oom_watch_new(GMainContext *ctx, pid_t pid, const char *const *oom_dirs)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *proc_path = g_strdup_printf("/proc/%d/cgroup", (int)pid);
	g_autofree char *proc_text = NULL;
	g_autofree char *path = NULL;
	OomCgroupKind kind = cgroup_root_is_v2() ? OOM_CGROUP_V2 : OOM_CGROUP_V1;
	OomWatch *w;

	if (!g_file_get_contents(proc_path, &proc_text, NULL, &error)) {
		/* A process that is already gone has no cgroup left to ask about. */
		g_debug("OOM monitoring: %s, skipping", error->message);
		return watch_new_inactive(oom_dirs);
	}
	path = oom_cgroup_path_from_proc(proc_text, kind);
	if (path == NULL) {
		g_debug("OOM monitoring: no memory cgroup for pid %d, skipping", (int)pid);
		return watch_new_inactive(oom_dirs);
	}
	g_autofree char *dir =
		g_build_filename(kind == OOM_CGROUP_V2 ? CGROUP_ROOT : CGROUP_V1_ROOT, path, NULL);
	w = oom_watch_new_at(ctx, kind, dir, oom_dirs, &error);
	if (w == NULL) {
		/* Compat: conmon skips a missing memory.events silently and warns otherwise. */
		if (g_error_matches(error, VIGIL_ERROR, ENOENT))
			g_debug("OOM monitoring: %s, skipping", error->message);
		else
			g_warning("OOM monitoring: %s, ignoring", error->message);
		return watch_new_inactive(oom_dirs);
	}
	return w;
}

gboolean oom_watch_finish(OomWatch *watch)
{
	/* A watch that already stopped (cgroup removed, never set up) has nothing to read. */
	if (watch->fd >= 0 && !watch->seen) {
		if (watch->kind == OOM_CGROUP_V1)
			v1_check(watch, TRUE);
		else
			v2_check(watch);
	}
	stop_watching(watch);
	return watch->seen;
}

void oom_watch_set_func(OomWatch *watch, OomSeenFunc func, gpointer user_data)
{
	watch->on_seen = func;
	watch->on_seen_data = user_data;
}

gboolean oom_watch_seen(OomWatch *watch)
{
	return watch->seen;
}

void oom_watch_free(OomWatch *watch)
{
	if (watch == NULL)
		return;
	stop_watching(watch);
	g_free(watch->cgroup_dir);
	g_strfreev(watch->oom_dirs);
	g_free(watch);
}
