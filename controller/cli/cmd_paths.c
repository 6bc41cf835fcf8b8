/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "commands.h"
#include "output.h"

static void add(JsonBuilder *b, const char *key, const char *value)
{
	json_builder_set_member_name(b, key);
	if (value != NULL)
		json_builder_add_string_value(b, value);
	else
		json_builder_add_null_value(b);
}

int cmd_paths(Cli *cli, int argc, char **argv)
{
	g_autofree char *session = NULL;
	GOptionEntry entries[] = {
		{ "session", 0, 0, G_OPTION_ARG_STRING, &session,
		  "Also show this exec session's attach and control sockets and exit file", "ID" },
		{ NULL },
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(VigilContainer) ctr = NULL;
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) node = NULL;
	g_autofree char *attach = NULL, *exit_file = NULL, *exec_attach = NULL;
	g_autofree char *control = NULL, *exec_control = NULL;
	g_autofree char *oom_file = NULL, *persist_dir = NULL, *exec_exit_file = NULL;
	VigilRuntime *rt;
	int status;

	if (!cli_parse(cli, cli_command("paths"), entries, &argc, &argv, 1, 1, &status))
		return status;
	if ((rt = cli_runtime(cli)) == NULL)
		return CLI_EXIT_FAILURE;
	/* The path queries' errors do not say what failed; the status query's say "state". */
	if ((attach = vigil_runtime_attach_socket_path(rt, argv[1], &error)) == NULL ||
	    (exit_file = vigil_runtime_exit_file_path(rt, argv[1], &error)) == NULL ||
	    (control = vigil_runtime_control_socket_path(rt, argv[1], NULL, &error)) == NULL ||
	    (oom_file = vigil_runtime_oom_file_path(rt, argv[1], &error)) == NULL ||
	    (persist_dir = vigil_runtime_persist_directory_path(rt, argv[1], &error)) == NULL ||
	    (session != NULL && (exec_attach = vigil_runtime_exec_attach_socket_path(
					 rt, argv[1], session, &error)) == NULL) ||
	    (session != NULL && (exec_control = vigil_runtime_control_socket_path(
					 rt, argv[1], session, &error)) == NULL) ||
	    (session != NULL && (exec_exit_file = vigil_runtime_exec_exit_file_path(
					 rt, argv[1], session, &error)) == NULL)) {
		g_prefix_error(&error, "paths '%s': ", argv[1]);
		return cli_fail(error, CLI_EXIT_FAILURE);
	}
	ctr = vigil_runtime_update_container_status(rt, argv[1], VIGIL_UPDATE_DEFAULT, &error);
	if (ctr == NULL)
		return cli_fail(error, CLI_EXIT_FAILURE);
	/* The library answers for a session about to be made (podman asks before it starts
	 * one); asked here, a session that is not there is a mistake. Its directory holds the
	 * socket, from the moment the session is created until exec-cleanup. */
	g_autofree char *session_dir = session != NULL ? g_path_get_dirname(exec_attach) : NULL;
	if (session != NULL && !g_file_test(session_dir, G_FILE_TEST_IS_DIR))
		return cli_failf(CLI_EXIT_FAILURE, "paths '%s': no such exec session '%s'", argv[1],
				 session);
	json_builder_begin_object(b);
	add(b, "state_dir", vigil_container_get_state_dir(ctr));
	add(b, "attach", attach);
	add(b, "control", control);
	add(b, "exit_file", exit_file);
	add(b, "persist_dir", persist_dir);
	add(b, "oom_file", oom_file);
	add(b, "log", vigil_container_get_log_path(ctr));
	if (session != NULL) {
		add(b, "exec_attach", exec_attach);
		add(b, "exec_control", exec_control);
		add(b, "exec_exit_file", exec_exit_file);
	}
	json_builder_end_object(b);
	node = json_builder_get_root(b);
	if (cli->json) {
		output_json(node);
		return 0;
	}
	JsonObject *o = json_node_get_object(node);
	g_autoptr(GList) members = json_object_get_members(o);
	for (GList *m = members; m != NULL; m = m->next) {
		const char *v = json_object_get_string_member(o, m->data);
		g_print("%-12s %s\n", (const char *)m->data, v != NULL ? v : "-");
	}
	return 0;
}
