/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "control_reply.h"

#include "json_writer.h"

static void append_id(GString *out, const ControlId *id)
{
	if (id == NULL || id->kind == CONTROL_ID_NONE)
		return;
	g_string_append(out, ",\"id\":");
	if (id->kind == CONTROL_ID_INT)
		g_string_append_printf(out, "%" G_GINT64_FORMAT, id->num);
	else
		json_append_string(out, id->str, (gssize)id->str_len);
}

static void begin_reply(GString *out, const ControlId *id, gboolean ok)
{
	g_string_append(out, "{\"v\":1");
	append_id(out, id);
	g_string_append(out, ok ? ",\"ok\":true" : ",\"ok\":false");
}

static void end_line(GString *out)
{
	g_string_append(out, "}\n");
}

void control_append_time(GString *out, const struct timespec *time)
{
	struct tm tm;
	time_t secs = time->tv_sec;

	if (gmtime_r(&secs, &tm) == NULL) {
		g_string_append(out, "null");
		return;
	}
	g_string_append_printf(out, "\"%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ\"", tm.tm_year + 1900,
			       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			       (long)time->tv_nsec);
}

static void append_key(GString *out, const char *key)
{
	g_string_append_printf(out, ",\"%s\":", key);
}

static void append_bool(GString *out, const char *key, gboolean value)
{
	append_key(out, key);
	g_string_append(out, value ? "true" : "false");
}

static void append_u64(GString *out, const char *key, guint64 value)
{
	append_key(out, key);
	g_string_append_printf(out, "%" G_GUINT64_FORMAT, value);
}

void control_reply_error(GString *out, const ControlId *id, const char *code, const char *message)
{
	begin_reply(out, id, FALSE);
	g_string_append(out, ",\"error\":{\"code\":");
	json_append_string(out, code, -1);
	g_string_append(out, ",\"message\":");
	json_append_string(out, message, -1);
	g_string_append_c(out, '}');
	end_line(out);
}

void control_reply_ok(GString *out, const ControlId *id)
{
	begin_reply(out, id, TRUE);
	end_line(out);
}

void control_reply_version(GString *out, const ControlId *id)
{
	begin_reply(out, id, TRUE);
	g_string_append(out, ",\"version\":");
	json_append_string(out, VIGIL_VERSION, -1);
	g_string_append_printf(out, ",\"protocol\":%d,\"ops\":[", CONTROL_REQ_VERSION);
	for (int i = 0; i < _CONTROL_OP_MAX; i++) {
		if (i > 0)
			g_string_append_c(out, ',');
		json_append_string(out, control_op_name((ControlOp)i), -1);
	}
	g_string_append_c(out, ']');
	end_line(out);
}

static const char *status_name(ControlStatus status)
{
	switch (status) {
	case CONTROL_STATUS_STARTING:
		return "starting";
	case CONTROL_STATUS_RUNNING:
		return "running";
	case CONTROL_STATUS_EXITED:
		return "exited";
	}
	g_return_val_if_reached("unknown");
}

/* exit_code, oom_killed, exited_at: what an exited state adds, and all of the wait reply. */
static void append_exit(GString *out, const ControlState *s)
{
	append_key(out, "exit_code");
	g_string_append_printf(out, "%d", s->exit_code);
	append_bool(out, "oom_killed", s->oom_killed);
	append_key(out, "exited_at");
	control_append_time(out, &s->exited_at);
}

void control_reply_state(GString *out, const ControlId *id, const ControlState *s)
{
	begin_reply(out, id, TRUE);
	g_string_append(out, ",\"state\":{\"id\":");
	json_append_string(out, s->id != NULL ? s->id : "", -1);
	append_bool(out, "exec", s->exec);
	append_key(out, "status");
	json_append_string(out, status_name(s->status), -1);
	/* Present while starting too (null), so a client reads every member the same way. */
	append_key(out, "pid");
	if (s->status != CONTROL_STATUS_STARTING)
		g_string_append_printf(out, "%d", (int)s->pid);
	else
		g_string_append(out, "null");
	append_key(out, "started_at");
	if (s->status != CONTROL_STATUS_STARTING)
		control_append_time(out, &s->started_at);
	else
		g_string_append(out, "null");
	if (s->status == CONTROL_STATUS_EXITED)
		append_exit(out, s);
	else
		append_bool(out, "oom_killed", s->oom_killed);
	g_string_append(out, ",\"logs\":[");
	for (guint i = 0; i < s->n_logs; i++) {
		g_string_append(out, i > 0 ? ",{\"driver\":" : "{\"driver\":");
		json_append_string(out, s->logs[i].driver, -1);
		g_string_append(out, ",\"path\":");
		if (s->logs[i].path != NULL)
			json_append_string(out, s->logs[i].path, -1);
		else
			g_string_append(out, "null");
		g_string_append_c(out, '}');
	}
	g_string_append_c(out, ']');
	append_u64(out, "attach_clients", s->attach_clients);
	g_string_append_c(out, '}');
	end_line(out);
}

void control_reply_wait(GString *out, const ControlId *id, const ControlState *s)
{
	begin_reply(out, id, TRUE);
	append_exit(out, s);
	end_line(out);
}

void control_reply_stats(GString *out, const ControlId *id, const ControlStats *st)
{
	begin_reply(out, id, TRUE);
	g_string_append(out, ",\"stats\":{\"logs\":{");
	g_string_append_printf(out, "\"stdout_bytes\":%" G_GUINT64_FORMAT, st->stdout_bytes);
	append_u64(out, "stderr_bytes", st->stderr_bytes);
	append_u64(out, "dropped_bytes", st->dropped_bytes);
	append_u64(out, "rotations", st->rotations);
	g_string_append(out, "},\"attach\":{");
	g_string_append_printf(out, "\"clients\":%u}", st->attach_clients);
	append_key(out, "cgroup");
	if (st->have_cgroup)
		g_string_append_printf(out,
				       "{\"memory_bytes\":%" G_GUINT64_FORMAT
				       ",\"cpu_usage_ns\":%" G_GUINT64_FORMAT "}",
				       st->cgroup.memory_bytes, st->cgroup.cpu_usage_ns);
	else
		g_string_append(out, "null");
	g_string_append_c(out, '}');
	end_line(out);
}

static void begin_event(GString *out, const char *event, const struct timespec *time)
{
	g_string_append(out, "{\"v\":1,\"event\":");
	json_append_string(out, event, -1);
	append_key(out, "time");
	control_append_time(out, time);
}

void control_event_attach(GString *out, gboolean attached, guint clients,
			  const struct timespec *time)
{
	begin_event(out, attached ? "attach" : "detach", time);
	g_string_append_printf(out, ",\"clients\":%u", clients);
	end_line(out);
}

void control_event_simple(GString *out, const char *event, const struct timespec *time)
{
	begin_event(out, event, time);
	end_line(out);
}

void control_event_exit(GString *out, const ControlState *s)
{
	begin_event(out, "exit", &s->exited_at);
	append_key(out, "exit_code");
	g_string_append_printf(out, "%d", s->exit_code);
	append_bool(out, "oom_killed", s->oom_killed);
	end_line(out);
}
