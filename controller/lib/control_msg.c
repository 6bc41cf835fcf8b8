/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "control_msg.h"

#include <errno.h>

#include "error_util.h"
#include "json_util.h"

/* An integer member in [min, max], or EPROTO naming what is wrong. */
static gboolean need_int(JsonObject *o, const char *what, const char *key, gint64 min, gint64 max,
			 gint64 *out, GError **error)
{
	gint64 v;

	if (!json_util_int(o, key, &v))
		return vigil_throw(error, EPROTO, "the monitor's %s has no integer \"%s\"", what,
				   key);
	if (v < min || v > max)
		return vigil_throw(error, EPROTO,
				   "the monitor's %s has \"%s\" %" G_GINT64_FORMAT
				   " (out of range)",
				   what, key, v);
	*out = v;
	return TRUE;
}

static JsonObject *need_object(JsonObject *o, const char *what, const char *key, GError **error)
{
	JsonObject *member = json_util_object(o, key);

	if (member == NULL)
		vigil_throw(error, EPROTO, "the monitor's %s has no object \"%s\"", what, key);
	return member;
}

gint64 control_msg_time(const char *s)
{
	g_autoptr(GDateTime) t = s != NULL ? g_date_time_new_from_iso8601(s, NULL) : NULL;

	if (t == NULL)
		return 0;
	return g_date_time_to_unix(t) * G_USEC_PER_SEC + g_date_time_get_microsecond(t);
}

gboolean control_msg_state(JsonObject *reply, ControlState *out, GError **error)
{
	JsonObject *st = need_object(reply, "state reply", "state", error);
	ControlState s = { 0 };
	const char *status;
	gint64 v = 0;

	if (st == NULL)
		return FALSE;
	status = json_util_string(st, "status");
	if (g_strcmp0(status, "starting") == 0)
		s.status = CONTROL_STATUS_STARTING;
	else if (g_strcmp0(status, "running") == 0)
		s.status = CONTROL_STATUS_RUNNING;
	else if (g_strcmp0(status, "exited") == 0)
		s.status = CONTROL_STATUS_EXITED;
	else
		return vigil_throw(error, EPROTO, "the monitor's state has status '%s'",
				   status != NULL ? status : "(none)");
	if (json_util_int(st, "pid", &v) && v > 0 && v <= G_MAXINT)
		s.pid = (int)v;
	if (s.status == CONTROL_STATUS_EXITED) {
		if (!need_int(st, "state", "exit_code", G_MININT, G_MAXINT, &v, error))
			return FALSE;
		s.has_exit_code = TRUE;
		s.exit_code = (int)v;
		s.oom_killed = json_util_bool(st, "oom_killed");
		s.exited_at = control_msg_time(json_util_string(st, "exited_at"));
	}
	*out = s;
	return TRUE;
}

gboolean control_msg_exit(JsonObject *o, int *out_code, gboolean *out_oom_killed,
			  gint64 *out_exited_at, GError **error)
{
	gint64 code;

	if (!need_int(o, "exit", "exit_code", G_MININT, G_MAXINT, &code, error))
		return FALSE;
	*out_code = (int)code;
	if (out_oom_killed != NULL)
		*out_oom_killed = json_util_bool(o, "oom_killed");
	if (out_exited_at != NULL)
		*out_exited_at = control_msg_time(json_util_string(o, "exited_at"));
	return TRUE;
}

gboolean control_msg_stats(JsonObject *reply, VigilStats *out, GError **error)
{
	JsonObject *st = need_object(reply, "stats reply", "stats", error);
	JsonObject *logs = st != NULL ? need_object(st, "stats", "logs", error) : NULL;
	JsonObject *attach = logs != NULL ? need_object(st, "stats", "attach", error) : NULL;
	JsonObject *cgroup;
	VigilStats s = { 0 };
	gint64 v[4];

	if (attach == NULL)
		return FALSE;
	if (!need_int(logs, "stats", "stdout_bytes", 0, G_MAXINT64, &v[0], error) ||
	    !need_int(logs, "stats", "stderr_bytes", 0, G_MAXINT64, &v[1], error) ||
	    !need_int(logs, "stats", "dropped_bytes", 0, G_MAXINT64, &v[2], error) ||
	    !need_int(logs, "stats", "rotations", 0, G_MAXINT64, &v[3], error))
		return FALSE;
	s.stdout_bytes = (guint64)v[0];
	s.stderr_bytes = (guint64)v[1];
	s.dropped_bytes = (guint64)v[2];
	s.log_rotations = (guint64)v[3];
	if (!need_int(attach, "stats", "clients", 0, G_MAXUINT, &v[0], error))
		return FALSE;
	s.attach_clients = (guint)v[0];
	/* null (or absent) when the monitor could not read the cgroup. */
	cgroup = json_util_object(st, "cgroup");
	if (cgroup != NULL) {
		if (!need_int(cgroup, "stats", "memory_bytes", 0, G_MAXINT64, &v[0], error) ||
		    !need_int(cgroup, "stats", "cpu_usage_ns", 0, G_MAXINT64, &v[1], error))
			return FALSE;
		s.has_cgroup = TRUE;
		s.memory_bytes = (guint64)v[0];
		s.cpu_usage_ns = (guint64)v[1];
	}
	*out = s;
	return TRUE;
}

static const struct {
	const char *name;
	VigilEventType type;
} event_types[] = {
	{ "exit", VIGIL_EVENT_EXIT },
	{ "oom", VIGIL_EVENT_OOM },
	{ "log-rotated", VIGIL_EVENT_LOG_ROTATED },
	{ "attach", VIGIL_EVENT_ATTACH },
	{ "detach", VIGIL_EVENT_DETACH },
};

VigilEvent *control_msg_event(JsonObject *line, GError **error)
{
	const char *name = json_util_string(line, "event");
	g_autoptr(VigilEvent) ev = NULL;
	gint64 clients;

	if (name == NULL)
		return vigil_throw(error, EPROTO, "the monitor's event has no name"), NULL;
	ev = g_new0(VigilEvent, 1);
	ev->name = g_strdup(name);
	ev->type = VIGIL_EVENT_OTHER;
	for (gsize i = 0; i < G_N_ELEMENTS(event_types); i++) {
		if (g_str_equal(name, event_types[i].name))
			ev->type = event_types[i].type;
	}
	ev->time = control_msg_time(json_util_string(line, "time"));
	if (ev->type == VIGIL_EVENT_EXIT &&
	    !control_msg_exit(line, &ev->exit_code, &ev->oom_killed, NULL, error))
		return NULL;
	if (ev->type == VIGIL_EVENT_ATTACH || ev->type == VIGIL_EVENT_DETACH) {
		if (!need_int(line, name, "clients", 0, G_MAXUINT, &clients, error))
			return NULL;
		ev->clients = (guint)clients;
	}
	return g_steal_pointer(&ev);
}

void vigil_event_free(VigilEvent *event)
{
	if (event == NULL)
		return;
	g_free(event->name);
	g_free(event);
}

void vigil_stats_free(VigilStats *stats)
{
	g_free(stats);
}
