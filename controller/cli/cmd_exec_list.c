/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "commands.h"
#include "output.h"

static JsonNode *sessions_json(GPtrArray *list)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_array(b);
	for (guint i = 0; i < list->len; i++) {
		const VigilExecSessionInfo *s = g_ptr_array_index(list, i);

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "session");
		json_builder_add_string_value(b, s->id);
		json_builder_set_member_name(b, "pid");
		json_builder_add_int_value(b, s->pid);
		json_builder_set_member_name(b, "running");
		json_builder_add_boolean_value(b, s->running);
		json_builder_set_member_name(b, "terminal");
		json_builder_add_boolean_value(b, s->terminal);
		json_builder_set_member_name(b, "exit_code");
		if (s->has_exit_code)
			json_builder_add_int_value(b, s->exit_code);
		else
			json_builder_add_null_value(b);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	return json_builder_get_root(b);
}

static void print_table(GPtrArray *list)
{
	g_print("%-16s %-8s %-8s %s\n", "SESSION", "PID", "STATUS", "EXIT");
	for (guint i = 0; i < list->len; i++) {
		const VigilExecSessionInfo *s = g_ptr_array_index(list, i);
		g_autofree char *pid = s->pid > 0 ? g_strdup_printf("%d", s->pid) : g_strdup("-");
		g_autofree char *code =
			s->has_exit_code ? g_strdup_printf("%d", s->exit_code) : g_strdup("-");

		g_print("%-16s %-8s %-8s %s\n", s->id, pid, s->running ? "running" : "exited",
			code);
	}
}

int cmd_exec_list(Cli *cli, int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) list = NULL;
	gboolean quiet = FALSE;
	GOptionEntry entries[] = {
		{ "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Print the session ids only", NULL },
		{ NULL },
	};
	VigilRuntime *rt;
	int status;

	if (!cli_parse(cli, cli_command("exec-list"), entries, &argc, &argv, 1, 1, &status))
		return status;
	if ((rt = cli_runtime(cli)) == NULL)
		return CLI_EXIT_FAILURE;
	list = vigil_runtime_list_exec_sessions(rt, argv[1], &error);
	if (list == NULL)
		return cli_fail(error, CLI_EXIT_FAILURE);
	if (quiet) {
		for (guint i = 0; i < list->len; i++)
			g_print("%s\n", ((VigilExecSessionInfo *)g_ptr_array_index(list, i))->id);
	} else if (cli->json) {
		g_autoptr(JsonNode) node = sessions_json(list);
		output_json(node);
	} else {
		print_table(list);
	}
	return 0;
}
