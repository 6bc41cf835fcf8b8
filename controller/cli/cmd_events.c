/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <stdio.h>

#include "commands.h"
#include "output.h"

/* One line of JSON per event, in the monitor's shape (docs/control.md, "subscribe"). */
static void print_json(const VigilEvent *ev)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) node = NULL;
	g_autofree char *time = output_time(ev->time);
	g_autofree char *text = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "event");
	json_builder_add_string_value(b, ev->name);
	json_builder_set_member_name(b, "time");
	if (time != NULL)
		json_builder_add_string_value(b, time);
	else
		json_builder_add_null_value(b);
	if (ev->type == VIGIL_EVENT_EXIT) {
		json_builder_set_member_name(b, "exit_code");
		json_builder_add_int_value(b, ev->exit_code);
		json_builder_set_member_name(b, "oom_killed");
		json_builder_add_boolean_value(b, ev->oom_killed);
	} else if (ev->type == VIGIL_EVENT_ATTACH || ev->type == VIGIL_EVENT_DETACH) {
		json_builder_set_member_name(b, "clients");
		json_builder_add_int_value(b, ev->clients);
	}
	json_builder_end_object(b);
	node = json_builder_get_root(b);
	json_generator_set_root(gen, node);
	text = json_generator_to_data(gen, NULL);
	g_print("%s\n", text);
}

static void print_text(const VigilEvent *ev)
{
	g_autofree char *time = output_time(ev->time);
	const char *when = time != NULL ? time : "-";

	if (ev->type == VIGIL_EVENT_EXIT)
		g_print("%s %s exit_code=%d oom_killed=%s\n", when, ev->name, ev->exit_code,
			ev->oom_killed ? "true" : "false");
	else if (ev->type == VIGIL_EVENT_ATTACH || ev->type == VIGIL_EVENT_DETACH)
		g_print("%s %s clients=%u\n", when, ev->name, ev->clients);
	else
		g_print("%s %s\n", when, ev->name);
}

int cmd_events(Cli *cli, int argc, char **argv)
{
	g_autofree char *session = NULL;
	GOptionEntry entries[] = {
		{ "session", 0, 0, G_OPTION_ARG_STRING, &session,
		  "The exec session's events instead", "ID" },
		{ NULL },
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(VigilEventStream) stream = NULL;
	VigilRuntime *rt;
	int status;

	if (!cli_parse(cli, cli_command("events"), entries, &argc, &argv, 1, 1, &status))
		return status;
	if ((rt = cli_runtime(cli)) == NULL)
		return CLI_EXIT_FAILURE;
	stream = vigil_runtime_subscribe(rt, argv[1], session, &error);
	if (stream == NULL)
		return cli_fail(error, CLI_EXIT_FAILURE);
	for (;;) {
		g_autoptr(VigilEvent) ev = vigil_event_stream_next(stream, -1, &error);

		if (ev == NULL)
			return error != NULL ? cli_fail(error, CLI_EXIT_FAILURE) : 0;
		if (cli->json)
			print_json(ev);
		else
			print_text(ev);
		/* Each event as it happens, also into a pipe. */
		fflush(stdout);
	}
}
