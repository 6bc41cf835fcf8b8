/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "cli_log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "output.h"

/* The field that marks cli_log_error()'s record: the exit status, as text. */
#define FIELD_EXIT "VIGILCTL_EXIT_STATUS"

static const char *field_value(const GLogField *fields, gsize n, const char *key)
{
	for (gsize i = 0; i < n; i++) {
		if (g_str_equal(fields[i].key, key))
			return fields[i].length < 0 ? fields[i].value : NULL;
	}
	return NULL;
}

/* logrus's level names, which runc's log readers (podman, CRI-O) know. */
static const char *level_name(GLogLevelFlags level)
{
	if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
		return "error";
	if (level & G_LOG_LEVEL_WARNING)
		return "warning";
	if (level & G_LOG_LEVEL_DEBUG)
		return "debug";
	return "info";
}

/* Go's %q for the text format: quotes, backslashes and control characters escaped. */
static void append_quoted(GString *s, const char *text)
{
	g_string_append_c(s, '"');
	for (const char *p = text; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			g_string_append_printf(s, "\\%c", *p);
		else if (*p == '\n')
			g_string_append(s, "\\n");
		else if (*p == '\t')
			g_string_append(s, "\\t");
		else if ((guchar)*p < 0x20 || *p == 0x7f)
			g_string_append_printf(s, "\\x%02x", (guchar)*p);
		else
			g_string_append_c(s, *p);
	}
	g_string_append_c(s, '"');
}

static char *format_record(gboolean json, const char *level, const char *message)
{
	g_autofree char *time = output_time(g_get_real_time());

	if (json) {
		g_autoptr(JsonBuilder) b = json_builder_new();
		g_autoptr(JsonNode) root = NULL;

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "level");
		json_builder_add_string_value(b, level);
		json_builder_set_member_name(b, "msg");
		json_builder_add_string_value(b, message);
		json_builder_set_member_name(b, "time");
		json_builder_add_string_value(b, time);
		json_builder_end_object(b);
		root = json_builder_get_root(b);
		return json_to_string(root, FALSE);
	}
	GString *s = g_string_new("time=");
	append_quoted(s, time);
	g_string_append_printf(s, " level=%s msg=", level);
	append_quoted(s, message);
	return g_string_free(s, FALSE);
}

/* One line, written at once (several vigilctl may append to one file). */
static void write_line(FILE *f, const char *line)
{
	g_autofree char *text = g_strconcat(line, "\n", NULL);

	fputs(text, f);
	fflush(f);
}

static char *error_object(const char *message, int status)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "message");
	json_builder_add_string_value(b, message);
	json_builder_set_member_name(b, "code");
	json_builder_add_int_value(b, status);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	return json_to_string(root, FALSE);
}

static GLogWriterOutput writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields,
			       gpointer user_data)
{
	const Cli *cli = user_data;
	const char *message = field_value(fields, n_fields, "MESSAGE");
	const char *exit_status = field_value(fields, n_fields, FIELD_EXIT);
	FILE *log = cli->log_file != NULL ? cli->log_file : stderr;

	if (message == NULL)
		message = "";
	if (exit_status != NULL) {
		g_autofree char *line = NULL;

		if (cli->json)
			line = error_object(message, (int)g_ascii_strtoll(exit_status, NULL, 10));
		else
			line = g_strconcat("vigilctl: ", message, NULL);
		write_line(stderr, line);
		if (cli->log_file != NULL) {
			g_autofree char *record = format_record(cli->log_json, "error", message);
			write_line(cli->log_file, record);
		}
		return G_LOG_WRITER_HANDLED;
	}
	if (g_log_writer_default_would_drop(level, field_value(fields, n_fields, "GLIB_DOMAIN")))
		return G_LOG_WRITER_HANDLED;
	g_autofree char *record = format_record(cli->log_json, level_name(level), message);
	write_line(log, record);
	return G_LOG_WRITER_HANDLED;
}

void cli_log_install(Cli *cli)
{
	g_log_set_writer_func(writer, cli, NULL);
}

gboolean cli_log_open(Cli *cli, GError **error)
{
	if (cli->log_format != NULL && !g_str_equal(cli->log_format, "text") &&
	    !g_str_equal(cli->log_format, "json")) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "--log-format: '%s' is not text or json", cli->log_format);
		return FALSE;
	}
	cli->log_json = g_strcmp0(cli->log_format, "json") == 0;
	if (cli->log_path == NULL)
		return TRUE;
	if (*cli->log_path == '\0') {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "--log: must not be empty");
		return FALSE;
	}
	/* Appended to, as runc does: the engine that passes --log keeps one file per
	 * container or per call, and reads it after a failure. */
	cli->log_file = g_fopen(cli->log_path, "ae");
	if (cli->log_file == NULL) {
		int saved = errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved), "--log '%s': %s",
			    cli->log_path, g_strerror(saved));
		return FALSE;
	}
	return TRUE;
}

void cli_log_error(const char *message, int status)
{
	g_autofree char *code = g_strdup_printf("%d", status);
	const GLogField fields[] = {
		{ "GLIB_DOMAIN", G_LOG_DOMAIN, -1 },
		{ "PRIORITY", "3", -1 },
		{ "MESSAGE", message, -1 },
		{ FIELD_EXIT, code, -1 },
	};

	/* MESSAGE level: never fatal, whatever G_DEBUG says; the writer sees the field. */
	g_log_structured_array(G_LOG_LEVEL_MESSAGE, fields, G_N_ELEMENTS(fields));
}

gboolean cli_log_wants_json(int argc, char **argv)
{
	for (int i = 1; i < argc && !g_str_equal(argv[i], "--"); i++) {
		if (g_str_equal(argv[i], "--json"))
			return TRUE;
	}
	return FALSE;
}
