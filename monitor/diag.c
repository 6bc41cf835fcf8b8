/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "diag.h"

#include <stdio.h>
#include <syslog.h>

static DiagLevel level_of(GLogLevelFlags flags, char *out_tag, int *out_prio)
{
	if (flags & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) {
		*out_tag = 'e';
		*out_prio = LOG_ERR;
		return DIAG_LEVEL_ERROR;
	}
	if (flags & G_LOG_LEVEL_WARNING) {
		*out_tag = 'w';
		*out_prio = LOG_WARNING;
		return DIAG_LEVEL_WARN;
	}
	if (flags & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO)) {
		*out_tag = 'i';
		*out_prio = LOG_INFO;
		return DIAG_LEVEL_INFO;
	}
	*out_tag = 'd';
	*out_prio = LOG_DEBUG;
	return DIAG_LEVEL_DEBUG;
}

static void emit(const MonitorConfig *cfg, char tag, int prio, const char *message)
{
	fprintf(stderr, "[conmon:%c]: %s\n", tag, message);
	fflush(stderr);
	if (cfg->syslog) {
		/* Compat: conmon's syslog prefix, 20 chars of the id (and log tag). */
		g_autofree char *who =
			cfg->log_tag != NULL
				? g_strdup_printf("%s: %s", cfg->cid ? cfg->cid : "", cfg->log_tag)
				: g_strdup(cfg->cid ? cfg->cid : "");
		syslog(prio, "conmon %.20s <%c>: %s", who, tag, message);
	}
}

static GLogWriterOutput writer(GLogLevelFlags flags, const GLogField *fields, gsize n_fields,
			       gpointer user_data)
{
	const MonitorConfig *cfg = user_data;
	const char *message = NULL;
	char tag;
	int prio;

	if (level_of(flags, &tag, &prio) > cfg->log_level)
		return G_LOG_WRITER_HANDLED;
	for (gsize i = 0; i < n_fields; i++) {
		if (g_str_equal(fields[i].key, "MESSAGE")) {
			message = fields[i].value;
			break;
		}
	}
	emit(cfg, tag, prio, message != NULL ? message : "");
	return G_LOG_WRITER_HANDLED;
}

void diag_init(const MonitorConfig *cfg)
{
	g_log_set_writer_func(writer, (gpointer)cfg, NULL);
}

void diag_fatal(const MonitorConfig *cfg, const char *message)
{
	emit(cfg, 'e', LOG_ERR, message);
}
