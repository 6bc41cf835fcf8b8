/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib-unix.h>

#include "ctl_msg.h"
#include "error_util.h"
#include "fdutil.h"
#include "paths.h"
#include "source.h"

/* conmon's mode; with the monitor's umask 022 the FIFOs end up prw-r----- (docs/conmon-contract.md,
 * "ctl and winsz FIFOs"). */
#define CTL_FIFO_MODE 0660

/* Bytes taken per wakeup; a writer that sends more is served over several. */
#define CTL_READ_BUF 4096

typedef struct {
	Ctl *owner;
	const char *name; /* "ctl" or "winsz" */
	gboolean is_ctl;
	int read_fd;
	int write_fd; /* held, never written: see ctl.h */
	GSource *source;
	CtlLineBuf lines;
} CtlFifo;

struct _Ctl {
	Streams *streams;
	LogSinks *logs;
	CtlFifo ctl;
	CtlFifo winsz;
};

static void resize(Ctl *ctl, int rows, int cols)
{
	g_autoptr(GError) error = NULL;

	if (streams_resize(ctl->streams, rows, cols, &error))
		return;
	if (g_error_matches(error, VIGIL_ERROR, ENOTTY))
		g_debug("window size %dx%d for a container without a terminal, ignoring", rows,
			cols);
	else
		g_warning("%s, ignoring", error->message);
}

static void on_line(const char *line, gsize len, gpointer data)
{
	CtlFifo *f = data;
	g_autoptr(GError) error = NULL;
	CtlMsg msg;

	if (line == NULL) {
		g_warning("Line longer than %d bytes on the %s FIFO, ignoring", CTL_MSG_LINE_MAX,
			  f->name);
		return;
	}
	gboolean ok = f->is_ctl ? ctl_msg_parse(line, len, &msg, &error)
				: ctl_msg_parse_winsz(line, len, &msg, &error);
	if (!ok) {
		/* The line is the writer's: show it escaped, so it cannot forge log lines. */
		g_autofree char *raw = g_strndup(line, len);
		g_autofree char *shown = g_strescape(raw, NULL);
		g_warning("Malformed line \"%s\" on the %s FIFO: %s, ignoring", shown, f->name,
			  error->message);
		return;
	}
	g_debug("%s message: %d %d %d", f->name, msg.type, msg.height, msg.width);
	if (msg.type == CTL_MSG_RESIZE)
		resize(f->owner, msg.height, msg.width);
	else
		log_sinks_reopen(f->owner->logs);
}

static gboolean on_readable(int fd, GIOCondition cond, gpointer data)
{
	CtlFifo *f = data;
	char buf[CTL_READ_BUF];
	gssize n = fd_read_once(fd, buf, sizeof buf);

	if (n > 0) {
		ctl_line_buf_feed(&f->lines, buf, (gsize)n, on_line, f);
		return G_SOURCE_CONTINUE;
	}
	if (n == -EAGAIN)
		return G_SOURCE_CONTINUE;
	/* We hold a write end, so EOF cannot happen; anything else is not worth dying for. */
	g_warning("read from the %s FIFO: %s, no longer watching it", f->name,
		  n == 0 ? "end of file" : g_strerror((int)-n));
	g_clear_pointer(&f->source, g_source_unref);
	return G_SOURCE_REMOVE;
}

static int open_fifo_end(int dirfd, const char *name, int flags, GError **error)
{
	struct stat st;
	int fd = openat(dirfd, name, flags | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return vigil_throw_errno(error, "Failed to open %s", name), -1;
	/* Someone could have swapped the name between mkfifoat() and here. */
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		vigil_clear_fd(&fd);
		return vigil_throw(error, EINVAL, "%s is not a FIFO", name), -1;
	}
	return fd;
}

static gboolean fifo_open(CtlFifo *f, GMainContext *ctx, int dirfd, GError **error)
{
	/* Replace what an earlier run left (a restart): a writer still holding the old FIFO
	 * open then writes into a pipe nobody reads, not into ours half-way through a line. */
	if (unlinkat(dirfd, f->name, 0) < 0 && errno != ENOENT)
		return vigil_throw_errno(error, "Failed to remove existing %s", f->name);
	if (mkfifoat(dirfd, f->name, CTL_FIFO_MODE) < 0)
		return vigil_throw_errno(error, "Failed to mkfifo %s", f->name);
	f->read_fd = open_fifo_end(dirfd, f->name, O_RDONLY, error);
	if (f->read_fd < 0)
		return FALSE;
	/* Non-blocking open of a write end succeeds because our read end exists. */
	f->write_fd = open_fifo_end(dirfd, f->name, O_WRONLY, error);
	if (f->write_fd < 0)
		return FALSE;
	f->source = g_unix_fd_source_new(f->read_fd, G_IO_IN);
	g_source_set_callback(f->source, G_SOURCE_FUNC(on_readable), f, NULL);
	g_source_set_static_name(f->source, f->is_ctl ? "vigil-ctl" : "vigil-winsz");
	g_source_attach(f->source, ctx);
	return TRUE;
}

static void fifo_close(CtlFifo *f)
{
	source_drop(&f->source);
	vigil_clear_fd(&f->read_fd);
	vigil_clear_fd(&f->write_fd);
}

Ctl *ctl_new(GMainContext *ctx, const char *bundle, Streams *streams, LogSinks *logs,
	     GError **error)
{
	g_autoptr(Ctl) ctl = g_new0(Ctl, 1);
	vigil_autofd int dirfd = -1;

	ctl->streams = streams;
	ctl->logs = logs;
	ctl->ctl = (CtlFifo){
		.owner = ctl, .name = "ctl", .is_ctl = TRUE, .read_fd = -1, .write_fd = -1
	};
	ctl->winsz = (CtlFifo){ .owner = ctl, .name = "winsz", .read_fd = -1, .write_fd = -1 };

	dirfd = paths_open_dir(bundle, error);
	if (dirfd < 0)
		return NULL;
	if (!fifo_open(&ctl->ctl, ctx, dirfd, error) ||
	    !fifo_open(&ctl->winsz, ctx, dirfd, error)) {
		g_prefix_error(error, "%s: ", bundle);
		return NULL;
	}
	return g_steal_pointer(&ctl);
}

void ctl_free(Ctl *ctl)
{
	if (ctl == NULL)
		return;
	fifo_close(&ctl->ctl);
	fifo_close(&ctl->winsz);
	g_free(ctl);
}
