/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "runtime_cmd.h"

#include <errno.h>
#include <string.h>
#include <sys/wait.h>

#include <json-glib/json-glib.h>

#include "error_util.h"
#include "json_util.h"

GPtrArray *runtime_cmd_argv(const RuntimeCmd *cmd, const char *const *args)
{
	GPtrArray *argv = g_ptr_array_new();

	g_ptr_array_add(argv, (char *)cmd->path);
	if (cmd->root != NULL) {
		g_ptr_array_add(argv, (char *)"--root");
		g_ptr_array_add(argv, (char *)cmd->root);
	}
	if (cmd->json_errors) {
		g_ptr_array_add(argv, (char *)"--log-format");
		g_ptr_array_add(argv, (char *)"json");
	}
	for (; args != NULL && *args != NULL; args++)
		g_ptr_array_add(argv, (char *)*args);
	g_ptr_array_add(argv, NULL);
	return argv;
}

char *runtime_cmd_argv_text(const char *const *argv)
{
	GString *s = g_string_new(NULL);

	for (; *argv != NULL; argv++) {
		const char *a = *argv;
		gboolean plain = *a != '\0';

		for (const char *p = a; plain && *p != '\0'; p++)
			plain = g_ascii_isalnum(*p) || strchr("_-./=:,+@%", *p) != NULL;
		if (s->len > 0)
			g_string_append_c(s, ' ');
		if (plain) {
			g_string_append(s, a);
		} else {
			g_autofree char *quoted = g_shell_quote(a);
			g_string_append(s, quoted);
		}
	}
	return g_string_free(s, FALSE);
}

/* The msg of one JSON log line if its level is an error; NULL otherwise. */
static char *json_line_error(const char *line)
{
	g_autoptr(JsonParser) parser = NULL;
	JsonObject *o;
	const char *level, *msg;

	if (line[0] != '{' ||
	    (parser = json_util_parse(line, strlen(line), JSON_UTIL_LINE_MAX, NULL)) == NULL ||
	    (o = json_util_root_object(parser)) == NULL)
		return NULL;
	level = json_util_string(o, "level");
	msg = json_util_string(o, "msg");
	if (level == NULL)
		level = "error";
	if (msg == NULL || (!g_str_equal(level, "error") && !g_str_equal(level, "fatal") &&
			    !g_str_equal(level, "panic")))
		return NULL;
	return g_strdup(msg);
}

/* runc's text format: time="..." level=error msg="quoted \"text\"". */
static char *logfmt_line_error(const char *line)
{
	const char *m = strstr(line, "msg=\"");
	GString *out;

	if (m == NULL || strstr(line, "level=error") == NULL)
		return NULL;
	out = g_string_new(NULL);
	for (m += 5; *m != '\0' && *m != '"'; m++) {
		if (*m == '\\' && m[1] != '\0')
			m++;
		g_string_append_c(out, *m);
	}
	return g_string_free(out, FALSE);
}

static void one_line(char *s)
{
	for (char *p = s; *p != '\0'; p++) {
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	}
	g_strstrip(s);
}

char *runtime_cmd_error_message(const char *output, gssize len)
{
	g_autofree char *text = g_strndup(output, len < 0 ? strlen(output) : (gsize)len);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	char *json = NULL, *logfmt = NULL, *plain = NULL;

	for (char **l = lines; *l != NULL; l++) {
		char *line = g_strstrip(*l);
		char *m;

		if (*line == '\0')
			continue;
		if ((m = json_line_error(line)) != NULL) {
			g_free(json);
			json = m;
		} else if ((m = logfmt_line_error(line)) != NULL) {
			g_free(logfmt);
			logfmt = m;
		} else if (line[0] != '{') {
			g_free(plain);
			plain = g_strdup(line);
		}
	}
	if (json != NULL) {
		g_free(logfmt);
		g_free(plain);
		one_line(json);
		return json;
	}
	if (logfmt != NULL) {
		g_free(plain);
		one_line(logfmt);
		return logfmt;
	}
	if (plain != NULL)
		one_line(plain);
	return plain;
}

gboolean runtime_cmd_error_is_missing(const GError *error)
{
	/* runc: "container does not exist"; crun: "... status: No such file or directory" */
	return error != NULL && (strstr(error->message, "does not exist") != NULL ||
				 strstr(error->message, "No such file") != NULL);
}

gboolean runtime_cmd_run(const RuntimeCmd *cmd, const char *const *args, char **out_stdout,
			 GError **error)
{
	g_autoptr(GPtrArray) argv = runtime_cmd_argv(cmd, args);
	g_autofree char *out = NULL, *err = NULL;
	g_autofree char *name = g_path_get_basename(cmd->path);
	g_autoptr(GError) local = NULL;
	int status = 0;
	g_autofree char *text = runtime_cmd_argv_text((const char *const *)argv->pdata);

	g_debug("running %s", text);
	if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
			  &status, &local))
		return vigil_throw(error, ENOENT, "%s: %s", name, local->message);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		g_autofree char *msg = runtime_cmd_error_message(err, -1);
		if (msg == NULL && WIFSIGNALED(status))
			msg = g_strdup_printf("killed by signal %d", WTERMSIG(status));
		else if (msg == NULL)
			msg = g_strdup_printf("failed with status %d", WEXITSTATUS(status));
		return vigil_throw(error, EIO, "%s: %s", name, msg);
	}
	if (out_stdout != NULL)
		*out_stdout = g_steal_pointer(&out);
	return TRUE;
}
