/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "seccomp_notify.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib-unix.h>

#include "error_util.h"
#include "fdutil.h"
#include "listener.h"
#include "paths.h"
#include "seccomp_plugins.h"
#include "seccomplib.h"
#include "source.h"

/* What runc and crun send with the fd: a state JSON we do not need (runc: one message). */
#define CONN_BUF    4096
#define CONN_MAXFDS 8

typedef struct {
	SeccompNotify *owner;
	int fd;
	GSource *source;
} Peer; /* a runtime's connection, or a seccomp listener fd */

struct _SeccompNotify {
	GMainContext *ctx;
	SeccompLib *lib;
	SeccompPlugins *plugins;
	struct seccomp_notif_sizes sizes;
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	int dir_fd; /* O_PATH of the socket's directory */
	char *socket_name;
	int listen_fd;
	Listener *listener;
	GList *conns;     /* Peer */
	GList *listeners; /* Peer */
	gboolean warned_refused;
};

static void peer_free(Peer *p)
{
	source_drop(&p->source);
	vigil_clear_fd(&p->fd);
	g_free(p);
}

static Peer *peer_new(SeccompNotify *n, int fd, GSourceFunc cb, const char *name)
{
	Peer *p = g_new0(Peer, 1);

	p->owner = n;
	p->fd = fd;
	p->source = g_unix_fd_source_new(fd, G_IO_IN);
	g_source_set_callback(p->source, cb, p, NULL);
	g_source_set_static_name(p->source, name);
	g_source_attach(p->source, n->ctx);
	return p;
}

static gboolean on_listener(int fd, GIOCondition cond, gpointer data)
{
	Peer *p = data;
	SeccompNotify *n = p->owner;

	if (!(cond & G_IO_IN)) {
		/* HUP: no task uses the filter any more. */
		g_debug("seccomp listener %d closed", fd);
		n->listeners = g_list_remove(n->listeners, p);
		peer_free(p);
		return G_SOURCE_REMOVE;
	}
	memset(n->req, 0, n->sizes.seccomp_notif);
	/* A notification whose task was killed meanwhile is gone: nothing to answer. */
	if (n->lib->notify_receive(fd, n->req) < 0)
		return G_SOURCE_CONTINUE;
	memset(n->resp, 0, n->sizes.seccomp_notif_resp);
	n->resp->id = n->req->id;
	if (!seccomp_plugins_answer(n->plugins, &n->sizes, n->req, n->resp, fd))
		return G_SOURCE_CONTINUE;
	if (n->lib->notify_respond(fd, n->resp) < 0) {
		/*
		 * Either the task is gone (nothing to answer), or the kernel refused a plugin's
		 * answer (CONTINUE with an error or value set, unknown flags, CONTINUE on a kernel
		 * without it). A refused answer leaves the notification pending, and the task
		 * waits in its syscall until the listener closes: answer with the default instead.
		 * libseccomp reports both cases as one error code, so just try; for a gone task
		 * this fails the same way, harmlessly.
		 */
		gboolean refused = n->resp->error != -ENOSYS || n->resp->flags != 0;
		memset(n->resp, 0, n->sizes.seccomp_notif_resp);
		n->resp->id = n->req->id;
		n->resp->error = -ENOSYS;
		if (!refused || n->lib->notify_respond(fd, n->resp) < 0) {
			g_debug("seccomp: answer to pid %u came too late", n->req->pid);
		} else if (!n->warned_refused) {
			/* Once: the container decides how often the syscall comes. */
			n->warned_refused = TRUE;
			g_warning("seccomp notify: the kernel refused the plugins' answer to "
				  "syscall %d, answering ENOSYS instead",
				  n->req->data.nr);
		}
	}
	g_debug("seccomp: syscall %d of pid %u answered error=%d flags=%u", n->req->data.nr,
		n->req->pid, n->resp->error, n->resp->flags);
	return G_SOURCE_CONTINUE;
}

/* Anything else would never answer SECCOMP_IOCTL_NOTIF_RECV yet poll readable forever. */
static gboolean is_seccomp_listener(int fd)
{
	g_autofree char *link = g_strdup_printf("/proc/self/fd/%d", fd);
	g_autofree char *target = g_file_read_link(link, NULL);

	return target != NULL && g_str_equal(target, "anon_inode:seccomp notify");
}

static void take_fds(SeccompNotify *n, struct msghdr *msg)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		gsize nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (gsize i = 0; i < nfds; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
			if (!is_seccomp_listener(fd)) {
				g_warning("seccomp notify socket: received an fd that is not a "
					  "seccomp listener, ignoring");
				close(fd);
				continue;
			}
			g_debug("seccomp: received listener fd %d", fd);
			n->listeners = g_list_prepend(
				n->listeners,
				peer_new(n, fd, G_SOURCE_FUNC(on_listener), "vigil-seccomp"));
		}
	}
}

static gboolean on_conn(int fd, GIOCondition cond, gpointer data)
{
	Peer *p = data;
	SeccompNotify *n = p->owner;
	char buf[CONN_BUF];
	union {
		char buf[CMSG_SPACE(sizeof(int) * CONN_MAXFDS)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = u.buf,
		.msg_controllen = sizeof u.buf,
	};

	ssize_t r = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return G_SOURCE_CONTINUE;
	if (r < 0)
		g_warning("seccomp notify socket: %s, ignoring", g_strerror(errno));
	else if (msg.msg_controllen > 0)
		take_fds(n, &msg);
	else if (r > 0)
		return G_SOURCE_CONTINUE; /* more of the state JSON; the fd came with its start */
	else
		g_debug("seccomp notify socket: a connection closed without sending an fd");
	/* The fd arrived (or never will): runc keeps its end open while `runc run` lives, so
	 * never wait for EOF. */
	n->conns = g_list_remove(n->conns, p);
	peer_free(p);
	return G_SOURCE_REMOVE;
}

static void on_accept(int fd, gpointer data)
{
	SeccompNotify *n = data;

	n->conns = g_list_prepend(n->conns,
				  peer_new(n, fd, G_SOURCE_FUNC(on_conn), "vigil-seccomp-conn"));
}

static gboolean listen_socket(SeccompNotify *n, const char *path, GError **error)
{
	g_autofree char *dir = g_path_get_dirname(path);
	struct sockaddr_un addr;
	socklen_t addr_len = 0;

	n->socket_name = g_path_get_basename(path);
	if (*path == '\0' || g_str_has_suffix(path, "/") || g_str_equal(n->socket_name, ".") ||
	    g_str_equal(n->socket_name, ".."))
		return vigil_throw(error, EINVAL, "Invalid seccomp notify socket path '%s'", path);
	n->dir_fd = paths_open_dir(dir, error);
	if (n->dir_fd < 0) {
		g_prefix_error(error, "seccomp notify socket: ");
		return FALSE;
	}
	if (unlinkat(n->dir_fd, n->socket_name, 0) < 0 && errno != ENOENT)
		return vigil_throw_errno(error, "remove old seccomp notify socket %s", path);
	/* Through the directory fd, so a long path still fits sun_path. */
	if (!paths_sockaddr_at(n->dir_fd, n->socket_name, &addr, &addr_len, error)) {
		g_prefix_error(error, "seccomp notify socket: ");
		return FALSE;
	}
	n->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (n->listen_fd < 0)
		return vigil_throw_errno(error, "seccomp notify socket");
	if (bind(n->listen_fd, (struct sockaddr *)&addr, addr_len) < 0)
		return vigil_throw_errno(error, "bind seccomp notify socket %s", path);
	if (listen(n->listen_fd, 16) < 0)
		return vigil_throw_errno(error, "listen on seccomp notify socket %s", path);
	n->listener = listener_new(n->ctx, n->listen_fd, "vigil-seccomp-listen",
				   "seccomp notify socket", on_accept, n);
	return TRUE;
}

SeccompNotify *seccomp_notify_new(GMainContext *ctx, const SeccompConfig *cfg, GError **error)
{
	g_autoptr(SeccompNotify) n = g_new0(SeccompNotify, 1);

	n->ctx = ctx;
	n->dir_fd = -1;
	n->listen_fd = -1;
#if !HAVE_SECCOMP
	return vigil_throw(error, ENOTSUP, "seccomp support not present"), NULL;
#endif
	n->lib = seccomplib_load(error);
	if (n->lib == NULL)
		return NULL;
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &n->sizes) < 0)
		return vigil_throw_errno(error, "seccomp(SECCOMP_GET_NOTIF_SIZES)"), NULL;
	if (n->lib->notify_alloc(&n->req, &n->resp) < 0)
		return vigil_throw(error, ENOMEM, "seccomp_notify_alloc failed"), NULL;
	n->plugins = seccomp_plugins_load(cfg, error);
	if (n->plugins == NULL || !listen_socket(n, cfg->seccomp_notify_socket, error))
		return NULL;
	return g_steal_pointer(&n);
}

void seccomp_notify_free(SeccompNotify *notify)
{
	if (notify == NULL)
		return;
	g_list_free_full(notify->conns, (GDestroyNotify)peer_free);
	g_list_free_full(notify->listeners, (GDestroyNotify)peer_free);
	g_clear_pointer(&notify->listener, listener_free);
	if (notify->listen_fd >= 0)
		(void)unlinkat(notify->dir_fd, notify->socket_name, 0);
	vigil_clear_fd(&notify->listen_fd);
	vigil_clear_fd(&notify->dir_fd);
	seccomp_plugins_free(notify->plugins);
	if (notify->lib != NULL) {
		if (notify->req != NULL)
			notify->lib->notify_free(notify->req, notify->resp);
		seccomplib_free(notify->lib);
	}
	g_free(notify->socket_name);
	g_free(notify);
}
