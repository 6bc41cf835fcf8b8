/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "sd_notify.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib-unix.h>

#include "error_util.h"
#include "fdutil.h"
#include "paths.h"
#include "source.h"

/* conmon's CONN_SOCK_BUF_SIZE: the largest datagram taken from the container. */
#define NOTIFY_BUF_SIZE 32768
/* Datagrams handled per wakeup, so a chatty container cannot starve the loop. */
#define NOTIFY_BATCH 32

/* Relative to the bundle: podman mounts <bundle>/notify at /run/notify in the container. */
#define NOTIFY_REL_PATH "notify/notify.sock"

struct _SdNotify {
	int bundle_fd; /* O_PATH, so the socket can be removed through it at the end */
	int listen_fd;
	int host_fd;
	struct sockaddr_un host_addr;
	socklen_t host_addr_len;
	GSource *source;
	pid_t main_pid;
	char *buf;
};

static gboolean line_is_forwarded(const char *line, gsize len)
{
	static const char *const exact[] = { "READY=1", "RELOADING=1", "STOPPING=1", "WATCHDOG=1",
					     "WATCHDOG=trigger" };
	static const char *const prefixes[] = { "STATUS=", "ERRNO=", "BUSERROR=",
						"MONOTONIC_USEC=" };

	for (gsize i = 0; i < G_N_ELEMENTS(exact); i++) {
		if (len == strlen(exact[i]) && memcmp(line, exact[i], len) == 0)
			return TRUE;
	}
	for (gsize i = 0; i < G_N_ELEMENTS(prefixes); i++) {
		gsize plen = strlen(prefixes[i]);
		if (len >= plen && memcmp(line, prefixes[i], plen) == 0)
			return TRUE;
	}
	return FALSE;
}

char *sd_notify_filter(const char *buf, gsize len, pid_t main_pid)
{
	g_autoptr(GString) out = g_string_new(NULL);
	const char *end = buf + len;

	for (const char *line = buf; line < end;) {
		const char *nl = line;
		while (nl < end && *nl != '\n' && *nl != '\r')
			nl++;
		gsize n = (gsize)(nl - line);
		/* A line with a NUL in it is not a KEY=VALUE line systemd would take either. */
		gboolean usable = n > 0 && memchr(line, '\0', n) == NULL;
		if (usable && line_is_forwarded(line, n)) {
			if (out->len > 0)
				g_string_append_c(out, '\n');
			g_string_append_len(out, line, (gssize)n);
		} else if (usable && n > strlen("MAINPID=") && g_str_has_prefix(line, "MAINPID=") &&
			   main_pid > 0) {
			g_string_append_printf(out, "%sMAINPID=%d", out->len > 0 ? "\n" : "",
					       (int)main_pid);
		}
		if (nl == end)
			break;
		line = nl + 1;
	}
	if (out->len == 0)
		return NULL;
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static void relay(SdNotify *n, const char *buf, gsize len)
{
	g_autofree char *msg = sd_notify_filter(buf, len, n->main_pid);

	if (msg == NULL) {
		g_debug("notification from container %d has nothing to relay", (int)n->main_pid);
		return;
	}
	/* Never block the loop on systemd: a full socket drops the message, as conmon does. */
	if (sendto(n->host_fd, msg, strlen(msg), MSG_DONTWAIT | MSG_NOSIGNAL,
		   (struct sockaddr *)&n->host_addr, n->host_addr_len) < 0)
		g_warning("Failed to send notification to the host's notify socket: %s, ignoring",
			  g_strerror(errno));
}

static gboolean on_datagram(int fd, GIOCondition cond, gpointer data)
{
	SdNotify *n = data;

	for (int i = 0; i < NOTIFY_BATCH; i++) {
		ssize_t len = recv(fd, n->buf, NOTIFY_BUF_SIZE, MSG_DONTWAIT);
		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0) {
			if (errno != EAGAIN)
				g_warning("Failed to read from the notify socket: %s, ignoring",
					  g_strerror(errno));
			break;
		}
		relay(n, n->buf, (gsize)len);
	}
	return G_SOURCE_CONTINUE;
}

static gboolean host_address(SdNotify *n, const char *host_socket, GError **error)
{
	gsize len = strlen(host_socket);

	n->host_addr.sun_family = AF_UNIX;
	if (len == 0 || len >= sizeof n->host_addr.sun_path)
		return vigil_throw(error, ENAMETOOLONG, "Invalid sd-notify socket path '%s'",
				   host_socket);
	memcpy(n->host_addr.sun_path, host_socket, len);
	/* "@name" is an abstract socket, as in sd_notify(3)'s NOTIFY_SOCKET. */
	if (host_socket[0] == '@')
		n->host_addr.sun_path[0] = '\0';
	n->host_addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	return TRUE;
}

static gboolean bind_container_socket(SdNotify *n, const char *bundle, GError **error)
{
	struct sockaddr_un addr;
	socklen_t addr_len = 0;

	n->bundle_fd = paths_open_dir(bundle, error);
	if (n->bundle_fd < 0) {
		g_prefix_error(error, "notify socket: ");
		return FALSE;
	}
	/* A stale socket from an earlier run of this container. */
	if (unlinkat(n->bundle_fd, NOTIFY_REL_PATH, 0) < 0 && errno != ENOENT)
		return vigil_throw_errno(error, "remove old notify socket %s/%s", bundle,
					 NOTIFY_REL_PATH);
	/* Through the directory fd: a bundle path may exceed sun_path's 108 bytes. */
	if (!paths_sockaddr_at(n->bundle_fd, NOTIFY_REL_PATH, &addr, &addr_len, error))
		return FALSE;
	n->listen_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (n->listen_fd < 0)
		return vigil_throw_errno(error, "notify socket");
	if (bind(n->listen_fd, (struct sockaddr *)&addr, addr_len) < 0)
		return vigil_throw_errno(error, "Failed to bind notify socket %s/%s", bundle,
					 NOTIFY_REL_PATH);
	/* Any container user may notify (conmon: 0777). */
	if (fchmodat(n->bundle_fd, NOTIFY_REL_PATH, 0777, 0) < 0)
		return vigil_throw_errno(error, "chmod notify socket %s/%s", bundle,
					 NOTIFY_REL_PATH);
	return TRUE;
}

SdNotify *sd_notify_new(GMainContext *ctx, const char *bundle, const char *host_socket,
			GError **error)
{
	g_autoptr(SdNotify) n = g_new0(SdNotify, 1);

	n->bundle_fd = -1;
	n->listen_fd = -1;
	n->host_fd = -1;
	if (!host_address(n, host_socket, error) || !bind_container_socket(n, bundle, error))
		return NULL;
	n->host_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (n->host_fd < 0)
		return vigil_throw_errno(error, "host notify socket"), NULL;
	n->buf = g_malloc(NOTIFY_BUF_SIZE);
	n->source = g_unix_fd_source_new(n->listen_fd, G_IO_IN);
	g_source_set_callback(n->source, G_SOURCE_FUNC(on_datagram), n, NULL);
	g_source_set_static_name(n->source, "vigil-sd-notify");
	g_source_attach(n->source, ctx);
	return g_steal_pointer(&n);
}

void sd_notify_set_main_pid(SdNotify *notify, pid_t pid)
{
	notify->main_pid = pid;
}

void sd_notify_free(SdNotify *notify)
{
	if (notify == NULL)
		return;
	source_drop(&notify->source);
	/* Unlike conmon, leave no socket behind: nobody can reach us through it any more. */
	if (notify->listen_fd >= 0 && notify->bundle_fd >= 0)
		(void)unlinkat(notify->bundle_fd, NOTIFY_REL_PATH, 0);
	vigil_clear_fd(&notify->listen_fd);
	vigil_clear_fd(&notify->host_fd);
	vigil_clear_fd(&notify->bundle_fd);
	g_free(notify->buf);
	g_free(notify);
}
