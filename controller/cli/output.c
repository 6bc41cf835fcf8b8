/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "output.h"

#include <stdio.h>
#include <string.h>

char *output_time(gint64 usec)
{
	if (usec <= 0)
		return NULL;
	g_autoptr(GDateTime) secs = g_date_time_new_from_unix_utc(usec / G_USEC_PER_SEC);
	g_autoptr(GDateTime) t = g_date_time_add(secs, usec % G_USEC_PER_SEC);
	return g_date_time_format(t, "%Y-%m-%dT%H:%M:%S.%fZ");
}

static void add_string(JsonBuilder *b, const char *key, const char *value)
{
	json_builder_set_member_name(b, key);
	if (value != NULL)
		json_builder_add_string_value(b, value);
	else
		json_builder_add_null_value(b);
}

static void add_time(JsonBuilder *b, const char *key, gint64 usec)
{
	g_autofree char *text = output_time(usec);

	add_string(b, key, text);
}

JsonNode *output_container_json(const VigilContainer *ctr)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	int code;

	json_builder_begin_object(b);
	add_string(b, "id", vigil_container_get_id(ctr));
	add_string(b, "name", vigil_container_get_name(ctr));
	add_string(b, "status", vigil_status_to_string(vigil_container_get_status(ctr)));
	json_builder_set_member_name(b, "pid");
	json_builder_add_int_value(b, vigil_container_get_pid(ctr));
	json_builder_set_member_name(b, "monitor_pid");
	json_builder_add_int_value(b, vigil_container_get_monitor_pid(ctr));
	json_builder_set_member_name(b, "exit_code");
	if (vigil_container_get_exit_code(ctr, &code))
		json_builder_add_int_value(b, code);
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "oom_killed");
	json_builder_add_boolean_value(b, vigil_container_get_oom_killed(ctr));
	add_string(b, "bundle", vigil_container_get_bundle(ctr));
	add_string(b, "state_dir", vigil_container_get_state_dir(ctr));
	add_string(b, "runtime", vigil_container_get_runtime(ctr));
	add_string(b, "log_driver", vigil_container_get_log_driver(ctr));
	add_string(b, "log_path", vigil_container_get_log_path(ctr));
	add_time(b, "created", vigil_container_get_created(ctr));
	add_time(b, "started", vigil_container_get_started(ctr));
	add_time(b, "finished", vigil_container_get_finished(ctr));
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

void output_json(JsonNode *node)
{
	g_autofree char *text = json_to_string(node, TRUE);

	g_print("%s\n", text);
}

void output_container(Cli *cli, const VigilContainer *ctr)
{
	g_autoptr(JsonNode) node = output_container_json(ctr);
	JsonObject *o = json_node_get_object(node);
	g_autoptr(GList) members = NULL;

	if (cli->json) {
		output_json(node);
		return;
	}
	members = json_object_get_members(o);
	for (GList *m = members; m != NULL; m = m->next) {
		JsonNode *v = json_object_get_member(o, m->data);
		if (JSON_NODE_HOLDS_NULL(v))
			continue;
		g_autofree char *text = json_node_get_value_type(v) == G_TYPE_STRING
						? g_strdup(json_node_get_string(v))
						: json_to_string(v, FALSE);
		g_print("%-12s %s\n", (const char *)m->data, text);
	}
}

void output_list(GPtrArray *containers, OutputListFormat format)
{
	int id_width = (int)strlen("ID"), name_width = (int)strlen("NAME");

	if (format == OUTPUT_LIST_JSON) {
		g_autoptr(JsonNode) node = json_node_new(JSON_NODE_ARRAY);
		JsonArray *a = json_array_new();
		for (guint i = 0; i < containers->len; i++)
			json_array_add_element(
				a, output_container_json(g_ptr_array_index(containers, i)));
		json_node_take_array(node, a);
		output_json(node);
		return;
	}
	if (format == OUTPUT_LIST_IDS) {
		for (guint i = 0; i < containers->len; i++)
			g_print("%s\n", vigil_container_get_id(g_ptr_array_index(containers, i)));
		return;
	}
	/* Columns as wide as their longest id and name, so the others line up (runc's list
	 * does the same with a tab writer). */
	for (guint i = 0; i < containers->len; i++) {
		const VigilContainer *c = g_ptr_array_index(containers, i);
		const char *name = vigil_container_get_name(c);
		id_width = MAX(id_width, (int)strlen(vigil_container_get_id(c)));
		name_width = MAX(name_width, name != NULL ? (int)strlen(name) : 1);
	}
	g_print("%-*s  %-*s  %-9s %-8s %-5s %-27s %s\n", id_width, "ID", name_width, "NAME",
		"STATUS", "PID", "EXIT", "CREATED", "BUNDLE");
	for (guint i = 0; i < containers->len; i++) {
		const VigilContainer *c = g_ptr_array_index(containers, i);
		const char *name = vigil_container_get_name(c);
		const char *bundle = vigil_container_get_bundle(c);
		g_autofree char *created = output_time(vigil_container_get_created(c));
		g_autofree char *exit_code = NULL;
		int code;
		exit_code = vigil_container_get_exit_code(c, &code) ? g_strdup_printf("%d", code)
								    : g_strdup("-");
		g_print("%-*s  %-*s  %-9s %-8d %-5s %-27s %s\n", id_width,
			vigil_container_get_id(c), name_width, name != NULL ? name : "-",
			vigil_status_to_string(vigil_container_get_status(c)),
			vigil_container_get_pid(c), exit_code, created != NULL ? created : "-",
			bundle != NULL ? bundle : "-");
	}
}
