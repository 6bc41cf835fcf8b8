/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "logs_follow.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "error_util.h"
#include "fdutil.h"
#include "proc.h"

typedef struct {
	const LogsFollow *f;
	const VigilLogsOptions *o;
	int fd; /* the file being read; -1 until it exists */
	struct stat st;
	GString *buf; /* read but not yet a complete line */
	gboolean at_line_start;
} Follower;

/* Show every complete line readable from fd now. */
static gboolean drain(Follower *w, GError **error)
{
	char chunk[65536];
	gssize n;

	while (w->fd >= 0 && (n = fd_read_once(w->fd, chunk, sizeof chunk)) > 0) {
		g_string_append_len(w->buf, chunk, n);
		char *p = w->buf->str, *nl;
		while ((nl = memchr(p, '\n', w->buf->len - (gsize)(p - w->buf->str))) != NULL) {
			g_autoptr(GError) local = NULL;
			LogsRecord *r =
				logs_parse_line(w->f->format, p, (gsize)(nl - p) + 1, &local);
			gboolean ok = TRUE;
			if (r != NULL && r->time_ns >= w->o->since)
				ok = logs_write_record(r, w->o, &w->at_line_start, error);
			logs_record_free(r);
			if (!ok)
				return FALSE;
			p = nl + 1;
		}
		g_string_erase(w->buf, 0, p - w->buf->str);
	}
	return TRUE;
}

/* After a rotation or reopen the name points at a new file: finish the old one first. */
static gboolean reopen_if_replaced(Follower *w, gboolean first, GError **error)
{
	struct stat now;

	if (stat(w->f->path, &now) < 0)
		return TRUE;
	if (w->fd >= 0 && now.st_ino == w->st.st_ino && now.st_dev == w->st.st_dev)
		return TRUE;
	if (!drain(w, error))
		return FALSE;
	vigil_clear_fd(&w->fd);
	g_string_truncate(w->buf, 0);
	w->fd = open(w->f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (w->fd < 0 || fstat(w->fd, &w->st) < 0) {
		vigil_clear_fd(&w->fd);
		return TRUE;
	}
	/* The part shown before following started is skipped, once. */
	if (first && w->f->offset > 0 && lseek(w->fd, w->f->offset, SEEK_SET) < 0)
		return vigil_throw_errno(error, "seek '%s'", w->f->path);
	return TRUE;
}

static gboolean exited(const LogsFollow *f)
{
	g_autofree char *path = g_build_filename(f->exit_dir, f->exit_name, NULL);

	return g_file_test(path, G_FILE_TEST_EXISTS);
}

gboolean logs_follow(const LogsFollow *f, const VigilLogsOptions *o, gboolean at_line_start,
		     GError **error)
{
	g_autoptr(GString) buf = g_string_new(NULL);
	Follower w = { .f = f, .o = o, .fd = -1, .buf = buf, .at_line_start = at_line_start };
	g_autofree char *log_dir = g_path_get_dirname(f->path);
	vigil_autofd int ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	vigil_autofd int pidfd = proc_pidfd_open(f->monitor_pid, f->monitor_start);
	gboolean ok = TRUE, done = FALSE;
	/* A closed fd is left out (poll would flag it forever); its writes fail as they did. */
	int out_fd = fcntl(o->output_fd, F_GETFD) >= 0 ? o->output_fd : -1;
	int err_fd = fcntl(o->error_fd, F_GETFD) >= 0 ? o->error_fd : -1;

	if (ifd < 0)
		return vigil_throw_errno(error, "inotify");
	/* Watches first, then the first look: nothing written in between is missed. */
	if (inotify_add_watch(ifd, log_dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0 ||
	    inotify_add_watch(ifd, f->exit_dir, IN_CREATE | IN_MOVED_TO) < 0)
		return vigil_throw_errno(error, "watch '%s'", log_dir);
	ok = reopen_if_replaced(&w, TRUE, error);
	while (ok && !done) {
		/* Decided before reading: whatever the exit file's writer logged is in by now. */
		done = exited(f) || !proc_pidfd_alive(pidfd);
		ok = drain(&w, error) && reopen_if_replaced(&w, FALSE, error) && drain(&w, error);
		if (!ok || done)
			break;
		/* The output fds with no events: a pipe whose reader left (`logs -f | head -1`)
		 * reports POLLERR, so following ends then rather than with the container. */
		struct pollfd p[4] = {
			{ out_fd, 0, 0 }, { err_fd, 0, 0 }, { ifd, POLLIN, 0 }, { pidfd, POLLIN, 0 }
		};
		if (poll(p, pidfd >= 0 ? 4 : 3, -1) < 0 && errno != EINTR) {
			ok = vigil_throw_errno(error, "follow '%s'", f->path);
			break;
		}
		if ((p[0].revents | p[1].revents) & (POLLERR | POLLHUP)) {
			ok = vigil_throw_errsv(error, EPIPE, "write the log");
			break;
		}
		char events[4096];
		while (read(ifd, events, sizeof events) > 0)
			;
	}
	vigil_clear_fd(&w.fd);
	return ok;
}

static LogsFormat format_of(const VigilContainer *ctr)
{
	return g_strcmp0(ctr->log_driver, "json-file") == 0 ? LOGS_FORMAT_JSON_FILE
							    : LOGS_FORMAT_K8S_FILE;
}

typedef struct {
	const VigilLogsOptions *o;
	gboolean at_line_start;
} Writer;

static gboolean write_record(const LogsRecord *r, gpointer data, GError **error)
{
	Writer *w = data;

	return logs_write_record(r, w->o, &w->at_line_start, error);
}

static gboolean show_logs(VigilRuntime *rt, const char *id, const VigilLogsOptions *o,
			  GError **error)
{
	g_autoptr(ContainerHandle) h = container_open(rt, id, VIGIL_UPDATE_DEFAULT, error);
	g_autoptr(VigilContainer) ctr = NULL;
	g_autoptr(GPtrArray) files = NULL;
	Writer w = { .o = o, .at_line_start = TRUE };

	if (h == NULL)
		return FALSE;
	if (h->ctr->log_path == NULL)
		return vigil_throw(error, ENOTSUP,
				   "it keeps no log file (its log driver is not "
				   "k8s-file or json-file)");
	/* Reading may take long (follow): not under the lock. */
	ctr = g_steal_pointer(&h->ctr);
	g_clear_pointer(&h, container_handle_free);

	gint64 offset = 0;
	files = logs_files(ctr->log_path);
	LogsQuery q = { .format = format_of(ctr), .since_ns = o->since, .tail = o->tail };
	if (!logs_read(&q, files, write_record, &w, &offset, error))
		return FALSE;
	if (!o->follow || ctr->status == VIGIL_STATUS_STOPPED)
		return TRUE;
	LogsFollow f = {
		.path = ctr->log_path,
		.format = format_of(ctr),
		.offset = offset,
		.exit_dir = ctr->exit_dir,
		.exit_name = ctr->id,
		.monitor_pid = ctr->monitor_pid,
		.monitor_start = ctr->monitor_start,
	};
	return logs_follow(&f, o, w.at_line_start, error);
}

gboolean vigil_runtime_logs(VigilRuntime *rt, const char *id, const VigilLogsOptions *options,
			    GError **error)
{
	g_return_val_if_fail(rt != NULL && id != NULL && options != NULL, FALSE);
	if (!show_logs(rt, id, options, error)) {
		g_prefix_error(error, "logs '%s': ", id);
		return FALSE;
	}
	return TRUE;
}
