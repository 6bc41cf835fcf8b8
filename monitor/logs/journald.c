/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include "attach_proto.h"
#include "error_util.h"
#include "log_driver.h"
#include "log_failure.h"
#include "log_lines.h"
#include "sdlib.h"

/*
 * journald (docs/conmon-contract.md, "journald format"): one sd_journal_sendv() entry per line with
 * conmon's fields in conmon's order, so `podman logs` (which matches CONTAINER_ID_FULL) and
 * `journalctl CONTAINER_NAME=…` find them:
 *   MESSAGE, CONTAINER_ID_FULL, PRIORITY, CONTAINER_ID, [CONTAINER_TAG], [CONTAINER_NAME],
 *   SYSLOG_IDENTIFIER, [CONTAINER_PARTIAL_MESSAGE=true], [--log-label fields...]
 * MESSAGE keeps a complete line's '\n', as conmon's does. A line starting with "<N>" (N
 * 0-7) is logged at priority N without the prefix (conmon 2.2).
 *
 * conmon assembles lines in an 8 KiB buffer, so every longer line becomes several entries
 * flagged partial (conmon#335, which broke JSON log parsing). Lines are assembled here up to
 * JOURNALD_LINE_MAX; longer ones still go out in flagged pieces of about that size.
 */

/* Default for --log-line-max: big enough for any sane log line (JSON documents included),
 * small enough for one datagram-or-memfd entry; journald's own stdout streams split at
 * 48 KiB. */
#define JOURNALD_LINE_MAX   (256 * 1024)
#define JOURNALD_KEEP_ALLOC (64 * 1024)
/* CONTAINER_ID is the id's first 12 characters; conmon refuses ids not longer than that. */
#define JOURNALD_SHORT_ID 12

typedef struct {
	LogDriver base;
	SdLib *sd;
	LogLines lines;
	GString *message;
	char *id_full;
	char *id_short;
	char *tag;
	char *name;
	char *ident;
	char **labels;
	gboolean partial_field;
	gboolean mid_line[2]; /* the last entry of the stream was partial */
	struct iovec *iov;
	LogFailure failure;
} Journald;

static void journald_emit(gpointer data, int stream, const char *head, gsize head_len,
			  const char *body, gsize body_len, gboolean partial)
{
	Journald *j = data;
	int i = stream == VIGIL_STREAM_STDERR ? 1 : 0;
	char priority[] = "PRIORITY=6";
	int n = 0;

	g_string_truncate(j->message, 0);
	g_string_append_len(j->message, "MESSAGE=", 8);
	g_string_append_len(j->message, head, (gssize)head_len);
	g_string_append_len(j->message, body, (gssize)body_len);
	if (i == 1)
		priority[9] = '3';
	const char *m = j->message->str + 8;
	if (!j->mid_line[i] && j->message->len >= 8 + 3 && m[0] == '<' && m[1] >= '0' &&
	    m[1] <= '7' && m[2] == '>') {
		priority[9] = m[1];
		g_string_erase(j->message, 8, 3);
	}
	j->mid_line[i] = partial;

	j->iov[n++] = (struct iovec){ j->message->str, j->message->len };
	j->iov[n++] = (struct iovec){ j->id_full, strlen(j->id_full) };
	j->iov[n++] = (struct iovec){ priority, sizeof priority - 1 };
	j->iov[n++] = (struct iovec){ j->id_short, strlen(j->id_short) };
	if (j->tag != NULL)
		j->iov[n++] = (struct iovec){ j->tag, strlen(j->tag) };
	if (j->name != NULL)
		j->iov[n++] = (struct iovec){ j->name, strlen(j->name) };
	j->iov[n++] = (struct iovec){ j->ident, strlen(j->ident) };
	if (partial && j->partial_field)
		j->iov[n++] = (struct iovec){ (char *)"CONTAINER_PARTIAL_MESSAGE=true", 30 };
	for (char **l = j->labels; l != NULL && *l != NULL; l++)
		j->iov[n++] = (struct iovec){ *l, strlen(*l) };

	/* A blocking datagram send, as conmon's: journald reads fast, and an entry never
	 * waits for the disk. */
	int r = j->sd->journal_sendv(j->iov, n);
	if (r < 0)
		log_failure_hit(&j->failure, "journald", -r, j->message->len - 8);
	else
		log_failure_clear(&j->failure, "journald");
	if (j->message->allocated_len > JOURNALD_KEEP_ALLOC) {
		g_string_free(j->message, TRUE);
		j->message = g_string_new(NULL);
	}
}

static void journald_write(LogDriver *driver, int stream, const char *buf, gsize len,
			   const struct timespec *now)
{
	log_lines_feed(&((Journald *)driver)->lines, stream, buf, len);
}

static gint64 journald_pending_since(LogDriver *driver)
{
	return log_lines_pending_since(&((Journald *)driver)->lines);
}

static void journald_flush_pending(LogDriver *driver, const struct timespec *now,
				   gint64 started_before)
{
	log_lines_flush(&((Journald *)driver)->lines, started_before);
}

static void journald_flush(LogDriver *driver, const struct timespec *now, gboolean sync)
{
	log_lines_flush(&((Journald *)driver)->lines, G_MAXINT64);
}

static void journald_free(LogDriver *driver)
{
	Journald *j = (Journald *)driver;

	log_lines_clear(&j->lines);
	g_clear_pointer(&j->sd, sdlib_free);
	if (j->message != NULL)
		g_string_free(j->message, TRUE);
	g_free(j->id_full);
	g_free(j->id_short);
	g_free(j->tag);
	g_free(j->name);
	g_free(j->ident);
	g_strfreev(j->labels);
	g_free(j->iov);
	g_free(j);
}

static void journald_stats(LogDriver *driver, LogStats *sum)
{
	sum->dropped_bytes += ((Journald *)driver)->failure.total_lost_bytes;
}

static const LogDriverOps journald_ops = {
	.write = journald_write,
	.pending_since = journald_pending_since,
	.flush_pending = journald_flush_pending,
	.flush = journald_flush,
	.free = journald_free,
	.stats = journald_stats,
};

/* journald drops a field whose name is longer (systemd's journal_field_valid()). */
#define JOURNALD_FIELD_NAME_MAX 64

/* conmon's label rules (its test suite pins the messages), then journald's own for field
 * names, which conmon leaves to journald: it drops such a field without a word. */
static gboolean check_label(const char *label, GError **error)
{
	const char *eq = strchr(label, '=');

	if (eq == NULL || eq == label || strchr(eq + 1, '=') != NULL)
		return vigil_throw(error, EINVAL, "Container labels must be in format LABEL=VALUE");
	for (const char *p = label; p < eq; p++) {
		if (!(g_ascii_isupper(*p) || g_ascii_isdigit(*p) || *p == '_'))
			return vigil_throw(error, EINVAL,
					   "Container label names must contain only uppercase "
					   "letters, numbers and underscore");
	}
	int name_len = (int)(eq - label);
	if (label[0] == '_')
		return vigil_throw(error, EINVAL,
				   "Container label name %.*s must not start with an underscore "
				   "(journald keeps those fields for itself)",
				   MIN(name_len, JOURNALD_FIELD_NAME_MAX), label);
	if (g_ascii_isdigit(label[0]))
		return vigil_throw(error, EINVAL,
				   "Container label name %.*s must not start with a digit "
				   "(journald drops such fields)",
				   MIN(name_len, JOURNALD_FIELD_NAME_MAX), label);
	if (name_len > JOURNALD_FIELD_NAME_MAX)
		return vigil_throw(error, EINVAL,
				   "Container label name %.*s... is longer than journald's %d "
				   "characters",
				   JOURNALD_FIELD_NAME_MAX, label, JOURNALD_FIELD_NAME_MAX);
	return TRUE;
}

static void journald_free_ptr(Journald *j)
{
	journald_free(&j->base);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Journald, journald_free_ptr)

LogDriver *journald_driver_new(const LogConfig *cfg, GError **error)
{
	g_autoptr(Journald) j = NULL;
	gsize n_labels = cfg->log_labels != NULL ? g_strv_length(cfg->log_labels) : 0;

#if !HAVE_JOURNALD
	return vigil_throw(error, ENOTSUP,
			   "Include journald in compilation path to log to systemd journal"),
	       NULL;
#endif
	if (cfg->cid == NULL || strlen(cfg->cid) <= JOURNALD_SHORT_ID)
		return vigil_throw(error, EINVAL, "Container ID must be longer than 12 characters"),
		       NULL;
	for (gsize i = 0; i < n_labels; i++) {
		if (!check_label(cfg->log_labels[i], error))
			return NULL;
	}

	j = g_new0(Journald, 1);
	j->base.ops = &journald_ops;
	j->sd = sdlib_load(error);
	if (j->sd == NULL)
		return NULL;
	j->message = g_string_new(NULL);
	j->id_full = g_strconcat("CONTAINER_ID_FULL=", cfg->cid, NULL);
	j->id_short = g_strdup_printf("CONTAINER_ID=%.*s", JOURNALD_SHORT_ID, cfg->cid);
	if (cfg->log_tag != NULL)
		j->tag = g_strconcat("CONTAINER_TAG=", cfg->log_tag, NULL);
	if (cfg->name != NULL)
		j->name = g_strconcat("CONTAINER_NAME=", cfg->name, NULL);
	/* precedence: tag, name, short id (docs/conmon-contract.md, "journald format") */
	j->ident = g_strdup_printf("SYSLOG_IDENTIFIER=%s",
				   cfg->log_tag != NULL ? cfg->log_tag
				   : cfg->name != NULL  ? cfg->name
							: j->id_short + strlen("CONTAINER_ID="));
	j->labels = g_strdupv(cfg->log_labels);
	j->partial_field = !cfg->no_container_partial_message;
	j->iov = g_new0(struct iovec, 8 + n_labels);
	log_lines_init(&j->lines, log_driver_line_max(cfg, JOURNALD_LINE_MAX), journald_emit, j);
	return &g_steal_pointer(&j)->base;
}
