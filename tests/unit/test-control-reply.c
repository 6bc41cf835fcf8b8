/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "control_reply.h"

/* The reply and event lines of docs/control.md: exact bytes where they are short, and every
 * line one JSON object that json-glib (the controller's parser) reads. */

static JsonObject *parse_line(const GString *out)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;

	g_assert_cmpuint(out->len, >, 0);
	g_assert_cmpint(out->str[out->len - 1], ==, '\n');
	g_assert_null(memchr(out->str, '\n', out->len - 1));
	g_assert_true(json_parser_load_from_data(parser, out->str, (gssize)out->len, &error));
	g_assert_no_error(error);
	JsonObject *o = json_object_ref(json_node_get_object(json_parser_get_root(parser)));
	g_assert_cmpint(json_object_get_int_member(o, "v"), ==, 1);
	return o;
}

static const struct timespec t0 = { .tv_sec = 1796287860, .tv_nsec = 123456789 };

static void test_short_replies(void)
{
	g_autoptr(GString) out = g_string_new(NULL);
	ControlId num = { .kind = CONTROL_ID_INT, .num = -7 };
	ControlId str = { .kind = CONTROL_ID_STRING, .str = (char *)"a\"\0/", .str_len = 4 };

	g_test_summary("ok and error replies byte for byte, ids echoed as they came");
	control_reply_ok(out, NULL);
	g_assert_cmpstr(out->str, ==, "{\"v\":1,\"ok\":true}\n");
	g_string_truncate(out, 0);
	control_reply_ok(out, &num);
	g_assert_cmpstr(out->str, ==, "{\"v\":1,\"id\":-7,\"ok\":true}\n");
	g_string_truncate(out, 0);
	control_reply_error(out, &str, "bad-json", "line\nbreak");
	g_assert_cmpstr(out->str, ==,
			"{\"v\":1,\"id\":\"a\\\"\\u0000\\/\",\"ok\":false,\"error\":{\"code\":"
			"\"bad-json\",\"message\":\"line\\nbreak\"}}\n");
	g_autoptr(JsonObject) o = parse_line(out);
	JsonObject *e = json_object_get_object_member(o, "error");
	g_assert_false(json_object_get_boolean_member(o, "ok"));
	g_assert_cmpstr(json_object_get_string_member(e, "code"), ==, "bad-json");
	g_assert_cmpstr(json_object_get_string_member(e, "message"), ==, "line\nbreak");
}

static void test_time(void)
{
	g_autoptr(GString) out = g_string_new(NULL);
	struct timespec early = { .tv_sec = 0, .tv_nsec = 1 };

	g_test_summary("RFC 3339 in UTC with nanoseconds");
	control_append_time(out, &t0);
	g_assert_cmpstr(out->str, ==, "\"2026-12-03T08:51:00.123456789Z\"");
	g_string_truncate(out, 0);
	control_append_time(out, &early);
	g_assert_cmpstr(out->str, ==, "\"1970-01-01T00:00:00.000000001Z\"");
}

static void test_state(void)
{
	g_autoptr(GString) out = g_string_new(NULL);
	ControlLog logs[] = { { "k8s-file", "/var/lib/x/ctr.log" }, { "journald", NULL } };
	ControlState s = {
		.id = "web",
		.status = CONTROL_STATUS_STARTING,
		.logs = logs,
		.n_logs = G_N_ELEMENTS(logs),
		.attach_clients = 2,
	};

	g_test_summary("state while starting, running and exited");
	control_reply_state(out, NULL, &s);
	g_autoptr(JsonObject) r1 = parse_line(out);
	JsonObject *st = json_object_get_object_member(r1, "state");
	g_assert_cmpstr(json_object_get_string_member(st, "status"), ==, "starting");
	g_assert_true(json_object_get_null_member(st, "pid"));
	g_assert_true(json_object_get_null_member(st, "started_at"));
	g_assert_false(json_object_has_member(st, "exit_code"));
	JsonArray *a = json_object_get_array_member(st, "logs");
	g_assert_cmpuint(json_array_get_length(a), ==, 2);
	g_assert_cmpstr(json_object_get_string_member(json_array_get_object_element(a, 0), "path"),
			==, "/var/lib/x/ctr.log");
	g_assert_true(json_object_get_null_member(json_array_get_object_element(a, 1), "path"));
	g_assert_cmpint(json_object_get_int_member(st, "attach_clients"), ==, 2);

	s.status = CONTROL_STATUS_RUNNING;
	s.pid = 4242;
	s.started_at = t0;
	g_string_truncate(out, 0);
	control_reply_state(out, NULL, &s);
	g_autoptr(JsonObject) r2 = parse_line(out);
	st = json_object_get_object_member(r2, "state");
	g_assert_cmpint(json_object_get_int_member(st, "pid"), ==, 4242);
	g_assert_cmpstr(json_object_get_string_member(st, "started_at"), ==,
			"2026-12-03T08:51:00.123456789Z");
	g_assert_false(json_object_get_boolean_member(st, "oom_killed"));

	s.status = CONTROL_STATUS_EXITED;
	s.exit_code = 137;
	s.oom_killed = TRUE;
	s.exited_at = t0;
	s.exec = TRUE;
	g_string_truncate(out, 0);
	control_reply_state(out, NULL, &s);
	g_autoptr(JsonObject) r3 = parse_line(out);
	st = json_object_get_object_member(r3, "state");
	g_assert_true(json_object_get_boolean_member(st, "exec"));
	g_assert_cmpstr(json_object_get_string_member(st, "status"), ==, "exited");
	g_assert_cmpint(json_object_get_int_member(st, "exit_code"), ==, 137);
	g_assert_true(json_object_get_boolean_member(st, "oom_killed"));
	g_assert_cmpint(json_object_get_int_member(st, "pid"), ==, 4242);

	g_string_truncate(out, 0);
	control_reply_wait(out, NULL, &s);
	g_assert_cmpstr(out->str, ==,
			"{\"v\":1,\"ok\":true,\"exit_code\":137,\"oom_killed\":true,\"exited_at\":"
			"\"2026-12-03T08:51:00.123456789Z\"}\n");
	g_string_truncate(out, 0);
	control_event_exit(out, &s);
	g_assert_cmpstr(out->str, ==,
			"{\"v\":1,\"event\":\"exit\",\"time\":\"2026-12-03T08:51:00.123456789Z\","
			"\"exit_code\":137,\"oom_killed\":true}\n");
}

static void test_stats(void)
{
	g_autoptr(GString) out = g_string_new(NULL);
	ControlStats st = {
		.stdout_bytes = G_MAXUINT64,
		.stderr_bytes = 12,
		.rotations = 2,
		.attach_clients = 1,
	};

	g_test_summary("stats with and without the cgroup's figures");
	control_reply_stats(out, NULL, &st);
	g_assert_cmpstr(out->str, ==,
			"{\"v\":1,\"ok\":true,\"stats\":{\"logs\":{\"stdout_bytes\":"
			"18446744073709551615,\"stderr_bytes\":12,\"dropped_bytes\":0,"
			"\"rotations\":2},\"attach\":{\"clients\":1},\"cgroup\":null}}\n");
	st.have_cgroup = TRUE;
	st.cgroup = (CgroupStats){ .memory_bytes = 1234567, .cpu_usage_ns = 98765432 };
	st.stdout_bytes = 1;
	g_string_truncate(out, 0);
	control_reply_stats(out, NULL, &st);
	g_autoptr(JsonObject) o = parse_line(out);
	JsonObject *cg =
		json_object_get_object_member(json_object_get_object_member(o, "stats"), "cgroup");
	g_assert_cmpint(json_object_get_int_member(cg, "memory_bytes"), ==, 1234567);
	g_assert_cmpint(json_object_get_int_member(cg, "cpu_usage_ns"), ==, 98765432);
}

static void test_events_and_version(void)
{
	g_autoptr(GString) out = g_string_new(NULL);

	g_test_summary("attach, detach, oom, log-rotated events; the version reply");
	control_event_attach(out, TRUE, 3, &t0);
	g_assert_cmpstr(out->str, ==,
			"{\"v\":1,\"event\":\"attach\",\"time\":\"2026-12-03T08:51:00.123456789Z\","
			"\"clients\":3}\n");
	g_string_truncate(out, 0);
	control_event_attach(out, FALSE, 0, &t0);
	g_autoptr(JsonObject) d = parse_line(out);
	g_assert_cmpstr(json_object_get_string_member(d, "event"), ==, "detach");
	g_string_truncate(out, 0);
	control_event_simple(out, "log-rotated", &t0);
	g_assert_cmpstr(out->str, ==,
			"{\"v\":1,\"event\":\"log-rotated\",\"time\":"
			"\"2026-12-03T08:51:00.123456789Z\"}\n");
	g_string_truncate(out, 0);
	control_reply_version(out, NULL);
	g_autoptr(JsonObject) v = parse_line(out);
	g_assert_cmpstr(json_object_get_string_member(v, "version"), ==, VIGIL_VERSION);
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(v, "ops")), ==,
			 _CONTROL_OP_MAX);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/control-reply/short-replies", test_short_replies);
	g_test_add_func("/control-reply/time", test_time);
	g_test_add_func("/control-reply/state", test_state);
	g_test_add_func("/control-reply/stats", test_stats);
	g_test_add_func("/control-reply/events-and-version", test_events_and_version);
	return g_test_run();
}
