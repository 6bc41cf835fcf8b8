/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "commands.h"
#include "output.h"

static void add_uint(JsonBuilder *b, const char *key, guint64 value)
{
	json_builder_set_member_name(b, key);
	json_builder_add_int_value(b, (gint64)MIN(value, (guint64)G_MAXINT64));
}

/* The shape the monitor answers in (docs/control.md, "stats"). */
static JsonNode *stats_json(const VigilStats *s)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "logs");
	json_builder_begin_object(b);
	add_uint(b, "stdout_bytes", s->stdout_bytes);
	add_uint(b, "stderr_bytes", s->stderr_bytes);
	add_uint(b, "dropped_bytes", s->dropped_bytes);
	add_uint(b, "rotations", s->log_rotations);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "attach");
	json_builder_begin_object(b);
	add_uint(b, "clients", s->attach_clients);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "cgroup");
	if (s->has_cgroup) {
		json_builder_begin_object(b);
		add_uint(b, "memory_bytes", s->memory_bytes);
		add_uint(b, "cpu_usage_ns", s->cpu_usage_ns);
		json_builder_end_object(b);
	} else {
		json_builder_add_null_value(b);
	}
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

static void print_row(const char *key, gboolean known, guint64 value)
{
	if (known)
		g_print("%-15s %" G_GUINT64_FORMAT "\n", key, value);
	else
		g_print("%-15s -\n", key);
}

int cmd_stats(Cli *cli, int argc, char **argv)
{
	g_autofree char *session = NULL;
	GOptionEntry entries[] = {
		{ "session", 0, 0, G_OPTION_ARG_STRING, &session,
		  "The exec session's monitor instead", "ID" },
		{ NULL },
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(VigilStats) s = NULL;
	VigilRuntime *rt;
	int status;

	if (!cli_parse(cli, cli_command("stats"), entries, &argc, &argv, 1, 1, &status))
		return status;
	if ((rt = cli_runtime(cli)) == NULL)
		return CLI_EXIT_FAILURE;
	s = vigil_runtime_stats(rt, argv[1], session, &error);
	if (s == NULL)
		return cli_fail(error, CLI_EXIT_FAILURE);
	if (cli->json) {
		g_autoptr(JsonNode) node = stats_json(s);
		output_json(node);
		return 0;
	}
	print_row("stdout_bytes", TRUE, s->stdout_bytes);
	print_row("stderr_bytes", TRUE, s->stderr_bytes);
	print_row("dropped_bytes", TRUE, s->dropped_bytes);
	print_row("log_rotations", TRUE, s->log_rotations);
	print_row("attach_clients", TRUE, s->attach_clients);
	print_row("memory_bytes", s->has_cgroup, s->memory_bytes);
	print_row("cpu_usage_ns", s->has_cgroup, s->cpu_usage_ns);
	return 0;
}
