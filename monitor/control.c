/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "control.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attach_proto.h"
#include "cgroup_stats.h"
#include "control_peer.h"
#include "control_reply.h"
#include "control_req.h"
#include "error_util.h"
#include "fdutil.h"
#include "listener.h"
#include "paths.h"

/* Beside "attach" in the bundle (docs/control.md, "Where it is"). */
#define CONTROL_SOCKET_NAME "control"
/* The monitor's user only; SO_PEERCRED says the same again on accept. */
#define CONTROL_SOCKET_MODE 0600
/* Many clients connect at once when an engine waits on many things at the exit. */
#define CONTROL_BACKLOG 128
/* At most this many connections waiting in the backlog are taken in at the exit. */
#define CONTROL_LAST_ACCEPTS 256

/* What the server keeps per connection. */
typedef struct {
	GArray *waits; /* ControlId: wait requests answered at the exit; NULL while none */
	gboolean subscribed;
} Client;

struct _Control {
	GMainContext *ctx;
	char *id;
	gboolean exec;
	char *path; /* for messages */
	Streams *streams;
	LogSinks *logs;
	AttachServer *attach;
	uid_t uid;

	int bundle_fd;
	int listen_fd;
	gboolean bound;
	Listener *listener; /* NULL once freeing */
	GPtrArray *peers;   /* ControlPeer*, one reference each */

	ControlStatus status;
	pid_t pid;
	struct timespec started_at;
	struct timespec exited_at;
	int exit_code;
	gboolean oom_killed;
};

static void client_free(gpointer data)
{
	Client *cl = data;

	g_clear_pointer(&cl->waits, g_array_unref);
	g_free(cl);
}

static void now(struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
}

static void add_log(const char *driver, const char *path, gpointer data)
{
	ControlLog log = { driver, path };

	g_array_append_val((GArray *)data, log);
}

static void send_state(Control *c, ControlPeer *p, const ControlId *id)
{
	g_autoptr(GArray) logs = g_array_new(FALSE, FALSE, sizeof(ControlLog));
	g_autoptr(GString) out = g_string_new(NULL);

	log_sinks_foreach(c->logs, add_log, logs);
	ControlState state = {
		.id = c->id,
		.exec = c->exec,
		.status = c->status,
		.pid = c->pid,
		.started_at = c->started_at,
		.oom_killed = c->oom_killed,
		.exit_code = c->exit_code,
		.exited_at = c->exited_at,
		.logs = (const ControlLog *)(gpointer)logs->data,
		.n_logs = logs->len,
		.attach_clients = attach_server_client_count(c->attach),
	};
	control_reply_state(out, id, &state);
	control_peer_send(p, out->str, out->len);
}

/* The state the wait reply and the exit event are made of. */
static ControlState exit_state(Control *c)
{
	return (ControlState){
		.status = c->status,
		.exit_code = c->exit_code,
		.oom_killed = c->oom_killed,
		.exited_at = c->exited_at,
	};
}

static void send_stats(Control *c, ControlPeer *p, const ControlId *id)
{
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(GError) error = NULL;
	LogStats logs;
	ControlStats st = {
		.stdout_bytes = streams_bytes_read(c->streams, VIGIL_STREAM_STDOUT),
		.stderr_bytes = streams_bytes_read(c->streams, VIGIL_STREAM_STDERR),
		.attach_clients = attach_server_client_count(c->attach),
	};

	log_sinks_stats(c->logs, &logs);
	st.dropped_bytes = logs.dropped_bytes;
	st.rotations = logs.rotations;
	/* Only a running container has a cgroup to ask; an exited one's pid may be anyone's. */
	if (c->status == CONTROL_STATUS_RUNNING) {
		st.have_cgroup = cgroup_stats_read(c->pid, &st.cgroup, &error);
		if (!st.have_cgroup)
			g_debug("stats of container %d: %s", (int)c->pid, error->message);
	}
	control_reply_stats(out, id, &st);
	control_peer_send(p, out->str, out->len);
}

static void send_error(ControlPeer *p, const ControlId *id, const char *code, const char *message)
{
	g_autoptr(GString) out = g_string_new(NULL);

	control_reply_error(out, id, code, message);
	control_peer_send(p, out->str, out->len);
}

static void send_ok(ControlPeer *p, const ControlId *id)
{
	g_autoptr(GString) out = g_string_new(NULL);

	control_reply_ok(out, id);
	control_peer_send(p, out->str, out->len);
}

static void send_wait(Control *c, ControlPeer *p, const ControlId *id)
{
	g_autoptr(GString) out = g_string_new(NULL);
	ControlState state = exit_state(c);

	control_reply_wait(out, id, &state);
	control_peer_send(p, out->str, out->len);
}

static void send_exit_event(Control *c, ControlPeer *p)
{
	g_autoptr(GString) out = g_string_new(NULL);
	ControlState state = exit_state(c);

	control_event_exit(out, &state);
	control_peer_send(p, out->str, out->len);
}

static void do_resize(Control *c, ControlPeer *p, const ControlReq *req)
{
	g_autoptr(GError) error = NULL;

	/* As ctl "1 h w": a size asked for before the terminal exists is applied when it does. */
	if (streams_resize(c->streams, req->rows, req->cols, &error))
		send_ok(p, &req->id);
	else if (g_error_matches(error, VIGIL_ERROR, ENOTTY))
		send_error(p, &req->id, "not-supported", "the container has no terminal");
	else
		send_error(p, &req->id, "failed", error->message);
}

static guint count_file_logs(Control *c)
{
	g_autoptr(GArray) logs = g_array_new(FALSE, FALSE, sizeof(ControlLog));
	guint n = 0;

	log_sinks_foreach(c->logs, add_log, logs);
	for (guint i = 0; i < logs->len; i++)
		n += g_array_index(logs, ControlLog, i).path != NULL;
	return n;
}

static void do_reopen_log(Control *c, ControlPeer *p, const ControlReq *req)
{
	LogStats before, after;

	/* The logs are complete and synced at the exit; reopening would truncate one. */
	if (c->status == CONTROL_STATUS_EXITED) {
		send_error(p, &req->id, "not-supported", "the container has exited");
		return;
	}
	/* As ctl "2": held output is written to the old files first; synchronous, so the new
	 * files exist when the reply goes. A file that cannot be reopened says why on the
	 * monitor's log and keeps being written. */
	log_sinks_stats(c->logs, &before);
	log_sinks_reopen(c->logs);
	log_sinks_stats(c->logs, &after);
	if (after.rotations - before.rotations < count_file_logs(c))
		send_error(p, &req->id, "failed",
			   "a log file could not be reopened (the monitor's log says why)");
	else
		send_ok(p, &req->id);
}

static void do_wait(Control *c, ControlPeer *p, Client *cl, const ControlReq *req)
{
	ControlId id;

	if (c->status == CONTROL_STATUS_EXITED) {
		send_wait(c, p, &req->id);
		return;
	}
	if (cl->waits == NULL) {
		cl->waits = g_array_new(FALSE, FALSE, sizeof(ControlId));
		g_array_set_clear_func(cl->waits, (GDestroyNotify)control_id_clear);
	}
	control_id_copy(&id, &req->id);
	g_array_append_val(cl->waits, id);
	control_peer_set_held(p, TRUE);
}

static void do_subscribe(Control *c, ControlPeer *p, Client *cl, const ControlReq *req)
{
	cl->subscribed = TRUE;
	send_ok(p, &req->id);
	/* exit is every subscriber's last event, even one that came after it. */
	if (c->status == CONTROL_STATUS_EXITED)
		send_exit_event(c, p);
	else
		control_peer_set_held(p, TRUE);
}

static void handle(Control *c, ControlPeer *p, const ControlReq *req)
{
	g_autoptr(GString) out = g_string_new(NULL);
	Client *cl = control_peer_get_data(p);

	switch (req->op) {
	case CONTROL_OP_VERSION:
		control_reply_version(out, &req->id);
		control_peer_send(p, out->str, out->len);
		break;
	case CONTROL_OP_STATE:
		send_state(c, p, &req->id);
		break;
	case CONTROL_OP_WAIT:
		do_wait(c, p, cl, req);
		break;
	case CONTROL_OP_RESIZE:
		do_resize(c, p, req);
		break;
	case CONTROL_OP_REOPEN_LOG:
		do_reopen_log(c, p, req);
		break;
	case CONTROL_OP_STATS:
		send_stats(c, p, &req->id);
		break;
	case CONTROL_OP_SUBSCRIBE:
		do_subscribe(c, p, cl, req);
		break;
	case _CONTROL_OP_MAX:
		g_assert_not_reached();
	}
}

static void on_line(ControlPeer *p, const char *line, gsize len, gpointer data)
{
	g_auto(ControlReq) req = { 0 };
	g_autoptr(GError) error = NULL;

	if (control_req_parse(line, len, &req, &error))
		handle(data, p, &req);
	else
		send_error(p, &req.id, control_req_error_code(error), error->message);
}

static void on_too_long(ControlPeer *p, gpointer data)
{
	g_autofree char *message = g_strdup_printf(
		"a request line passed %d bytes without a newline", CONTROL_REQ_LINE_MAX);

	send_error(p, NULL, "too-long", message);
	control_peer_finish(p);
}

static void on_closed(ControlPeer *p, gpointer data)
{
	Control *c = data;

	g_debug("control client %d closed", control_peer_fd(p));
	/* Drops our reference: p lives on until whoever is calling into it returns. */
	g_ptr_array_remove(c->peers, p);
	/* A listener resting for want of fds can take the connection waiting now. */
	listener_resume(c->listener);
}

static const ControlPeerOps peer_ops = {
	.line = on_line,
	.too_long = on_too_long,
	.closed = on_closed,
};

/* A peer of another uid gets one error line, written straight into its fresh (empty)
 * socket buffer, and nothing else. */
static void refuse(Control *c, int fd, uid_t uid)
{
	g_autoptr(GString) out = g_string_new(NULL);
	g_autofree char *message = g_strdup_printf("uid %u may not use this socket", (unsigned)uid);

	g_warning("%s: refused a client of uid %u", c->path, (unsigned)uid);
	control_reply_error(out, NULL, "permission-denied", message);
	(void)send(fd, out->str, out->len, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static void add_peer(Control *c, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof cred;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		g_warning("%s: SO_PEERCRED: %s, closing the connection", c->path,
			  g_strerror(errno));
		vigil_clear_fd(&fd);
		return;
	}
	if (cred.uid != c->uid) {
		refuse(c, fd, cred.uid);
		vigil_clear_fd(&fd);
		return;
	}
	ControlPeer *p = control_peer_new(c->ctx, fd, &peer_ops, c);
	control_peer_set_data(p, g_new0(Client, 1), client_free);
	g_ptr_array_add(c->peers, p);
}

static void on_accept(int fd, gpointer data)
{
	add_peer(data, fd);
}

/* Every subscriber, newest first (a peer dropped on the way leaves the rest in place). */
static void broadcast(Control *c, const GString *line)
{
	for (guint i = c->peers->len; i > 0; i--) {
		ControlPeer *p = g_ptr_array_index(c->peers, i - 1);
		Client *cl = control_peer_get_data(p);
		if (cl->subscribed)
			control_peer_send(p, line->str, line->len);
	}
}

static void on_attach_clients(gboolean attached, guint clients, gpointer data)
{
	g_autoptr(GString) out = g_string_new(NULL);
	struct timespec ts;

	now(&ts);
	control_event_attach(out, attached, clients, &ts);
	broadcast(data, out);
}

static void on_log_rotated(gpointer data)
{
	g_autoptr(GString) out = g_string_new(NULL);
	struct timespec ts;

	now(&ts);
	control_event_simple(out, "log-rotated", &ts);
	broadcast(data, out);
}

static gboolean bind_socket(Control *c, GError **error)
{
	struct sockaddr_un addr;
	socklen_t len = 0;

	c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->listen_fd < 0)
		return vigil_throw_errno(error, "Failed to create control socket");
	/* The file takes the socket's mode at bind(): never a moment with a wider one. */
	if (fchmod(c->listen_fd, CONTROL_SOCKET_MODE) < 0)
		return vigil_throw_errno(error, "Failed to set control socket mode");
	/* A socket of an earlier run of this container (a restart) is stale: replace it. */
	if (unlinkat(c->bundle_fd, CONTROL_SOCKET_NAME, 0) < 0 && errno != ENOENT)
		return vigil_throw_errno(error, "Failed to remove existing socket %s", c->path);
	if (!paths_sockaddr_at(c->bundle_fd, CONTROL_SOCKET_NAME, &addr, &len, error))
		return FALSE;
	if (bind(c->listen_fd, (struct sockaddr *)&addr, len) < 0)
		return vigil_throw_errno(error, "Failed to bind control socket %s", c->path);
	c->bound = TRUE;
	if (listen(c->listen_fd, CONTROL_BACKLOG) < 0)
		return vigil_throw_errno(error, "Failed to listen on control socket %s", c->path);
	return TRUE;
}

Control *control_new(GMainContext *ctx, const ControlConfig *cfg, Streams *streams, LogSinks *logs,
		     AttachServer *attach, GError **error)
{
	g_autoptr(Control) c = g_new0(Control, 1);

	c->ctx = ctx;
	c->id = g_strdup(cfg->id);
	c->exec = cfg->exec;
	c->path = g_build_filename(cfg->bundle, CONTROL_SOCKET_NAME, NULL);
	c->streams = streams;
	c->logs = logs;
	c->attach = attach;
	c->uid = geteuid();
	c->listen_fd = -1;
	c->peers = g_ptr_array_new_with_free_func(control_peer_release);
	c->status = CONTROL_STATUS_STARTING;
	c->bundle_fd = paths_open_dir(cfg->bundle, error);
	if (c->bundle_fd < 0) {
		g_prefix_error(error, "control socket: ");
		return NULL;
	}
	if (!bind_socket(c, error))
		return NULL;
	c->listener = listener_new(ctx, c->listen_fd, "vigil-control-listen", "control socket",
				   on_accept, c);
	attach_server_set_clients_func(attach, on_attach_clients, c);
	log_sinks_set_rotated_func(logs, on_log_rotated, c);
	return g_steal_pointer(&c);
}

void control_running(Control *control, pid_t pid)
{
	if (control == NULL)
		return;
	control->status = CONTROL_STATUS_RUNNING;
	control->pid = pid;
	now(&control->started_at);
}

void control_oom(Control *control)
{
	g_autoptr(GString) out = g_string_new(NULL);
	struct timespec ts;

	if (control == NULL || control->oom_killed)
		return;
	control->oom_killed = TRUE;
	now(&ts);
	control_event_simple(out, "oom", &ts);
	broadcast(control, out);
}

/* Answer the waits and send the exit event; nothing is owed to the peer after. */
static void release(Control *c, ControlPeer *p)
{
	Client *cl = control_peer_get_data(p);

	for (guint i = 0; cl->waits != NULL && i < cl->waits->len; i++)
		send_wait(c, p, &g_array_index(cl->waits, ControlId, i));
	g_clear_pointer(&cl->waits, g_array_unref);
	if (cl->subscribed)
		send_exit_event(c, p);
	control_peer_set_held(p, FALSE);
}

void control_exited(Control *control, int exit_code, gboolean oom_killed)
{
	Control *c = control;

	if (c == NULL || c->status == CONTROL_STATUS_EXITED)
		return;
	c->status = CONTROL_STATUS_EXITED;
	c->exit_code = exit_code;
	c->oom_killed |= oom_killed;
	now(&c->exited_at);
	/* The monitor may quit at once: whoever connected and asked before now is answered
	 * now, from the backlog and from what the connections already sent. */
	for (int i = 0; i < CONTROL_LAST_ACCEPTS; i++) {
		int fd = listener_accept(c->listener);
		if (fd < 0)
			break;
		add_peer(c, fd);
	}
	for (guint i = c->peers->len; i > 0; i--) {
		if (i <= c->peers->len)
			control_peer_read_pending(g_ptr_array_index(c->peers, i - 1));
	}
	for (guint i = c->peers->len; i > 0; i--) {
		if (i <= c->peers->len)
			release(c, g_ptr_array_index(c->peers, i - 1));
	}
}

void control_free(Control *control)
{
	Control *c = control;

	if (c == NULL)
		return;
	log_sinks_set_rotated_func(c->logs, NULL, NULL);
	attach_server_set_clients_func(c->attach, NULL, NULL);
	g_clear_pointer(&c->listener, listener_free);
	for (guint i = c->peers != NULL ? c->peers->len : 0; i > 0; i--) {
		if (i > c->peers->len)
			continue;
		ControlPeer *p = g_ptr_array_index(c->peers, i - 1);
		Client *cl = control_peer_get_data(p);
		/* Only a monitor that fails before the container ran ends with waiters left. */
		for (guint w = 0; cl->waits != NULL && w < cl->waits->len; w++)
			send_error(p, &g_array_index(cl->waits, ControlId, w), "failed",
				   "the monitor exited without an exit status");
		if (!control_peer_is_closed(p))
			control_peer_flush(p);
	}
	g_clear_pointer(&c->peers, g_ptr_array_unref);
	vigil_clear_fd(&c->listen_fd);
	if (c->bound && unlinkat(c->bundle_fd, CONTROL_SOCKET_NAME, 0) < 0 && errno != ENOENT)
		g_warning("Failed to remove control socket %s: %s, ignoring", c->path,
			  g_strerror(errno));
	vigil_clear_fd(&c->bundle_fd);
	g_free(c->id);
	g_free(c->path);
	g_free(c);
}
