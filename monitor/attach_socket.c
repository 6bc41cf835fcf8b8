/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "attach_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error_util.h"
#include "fdutil.h"
#include "paths.h"

/* The file name is fixed: podman and CRI-O connect to <bundle>/attach (docs/conmon-contract.md,
 * "Attach socket paths"). */
#define ATTACH_SOCKET_NAME "attach"
/* conmon's listen backlog. */
#define ATTACH_SOCKET_BACKLOG 10
/* Only the engine (root, or the rootless user) may connect. */
#define ATTACH_SOCKET_MODE 0700

static char *absolute_bundle(const AttachSocketConfig *cfg)
{
	if (g_path_is_absolute(cfg->bundle))
		return g_strdup(cfg->bundle);
	/* A relative symlink target would resolve against the socket dir, not our cwd. */
	g_autofree char *cwd = cfg->cwd != NULL ? g_strdup(cfg->cwd) : g_get_current_dir();
	return g_build_filename(cwd, cfg->bundle, NULL);
}

/*
 * <socket-dir>/<cuuid> -> <bundle>; CRI-O connects to <socket-dir>/<id>/attach. conmon dies
 * when it cannot make the link (with the text "Failed to create symlink for notify socket";
 * docs/vigilmon.md, "Where vigilmon differs from conmon, on purpose"), so a missing /var/run/crio
 * stops a container that nobody will attach to that way. The link is only a shorter name for
 * <bundle>/attach: we say why it is missing and go on.
 */
static void make_symlink(AttachSocket *sock, const AttachSocketConfig *cfg)
{
	g_autoptr(GError) error = NULL;

	sock->symlink_name = paths_attach_symlink_name(cfg->socket_dir_path, cfg->cuuid, &error);
	if (sock->symlink_name != NULL) {
		sock->symlink_target = absolute_bundle(cfg);
		sock->socket_dir_fd = paths_open_dir(cfg->socket_dir_path, &error);
	}
	if (sock->socket_dir_fd >= 0 &&
	    paths_replace_symlink(sock->socket_dir_fd, sock->symlink_name, sock->symlink_target,
				  &error))
		return;
	g_warning("Failed to create symlink for the attach socket in %s: %s, ignoring",
		  cfg->socket_dir_path, error->message);
	g_clear_pointer(&sock->symlink_name, g_free);
	g_clear_pointer(&sock->symlink_target, g_free);
	vigil_clear_fd(&sock->socket_dir_fd);
}

static gboolean bind_socket(AttachSocket *sock, GError **error)
{
	struct sockaddr_un addr;
	socklen_t len = 0;

	sock->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (sock->listen_fd < 0)
		return vigil_throw_errno(error, "Failed to create attach socket");
	/* A socket of an earlier run of this container (a restart) is stale: replace it. */
	if (unlinkat(sock->bundle_fd, ATTACH_SOCKET_NAME, 0) < 0 && errno != ENOENT)
		return vigil_throw_errno(error, "Failed to remove existing socket %s", sock->path);
	if (!paths_sockaddr_at(sock->bundle_fd, ATTACH_SOCKET_NAME, &addr, &len, error))
		return FALSE;
	if (bind(sock->listen_fd, (struct sockaddr *)&addr, len) < 0)
		return vigil_throw_errno(error, "Failed to bind attach socket %s", sock->path);
	sock->bound = TRUE;
	if (fchmodat(sock->bundle_fd, ATTACH_SOCKET_NAME, ATTACH_SOCKET_MODE, 0) < 0)
		return vigil_throw_errno(error, "Failed to change attach socket permissions %s",
					 sock->path);
	if (listen(sock->listen_fd, ATTACH_SOCKET_BACKLOG) < 0)
		return vigil_throw_errno(error, "Failed to listen on attach socket %s", sock->path);
	return TRUE;
}

gboolean attach_socket_open(AttachSocket *sock, const AttachSocketConfig *cfg, GError **error)
{
	*sock = (AttachSocket)ATTACH_SOCKET_INIT;
	sock->path = g_build_filename(cfg->bundle, ATTACH_SOCKET_NAME, NULL);
	sock->bundle_fd = paths_open_dir(cfg->bundle, error);
	if (sock->bundle_fd < 0) {
		g_prefix_error(error, "attach socket: ");
		attach_socket_clear(sock);
		return FALSE;
	}
	/* No cuuid (a legacy exec given a bundle): nothing to name the short path after. */
	if (!cfg->full_attach && cfg->cuuid != NULL)
		make_symlink(sock, cfg);
	if (!bind_socket(sock, error)) {
		attach_socket_clear(sock);
		return FALSE;
	}
	return TRUE;
}

void attach_socket_close_listener(AttachSocket *sock)
{
	vigil_clear_fd(&sock->listen_fd);
}

void attach_socket_clear(AttachSocket *sock)
{
	vigil_clear_fd(&sock->listen_fd);
	if (sock->bound && unlinkat(sock->bundle_fd, ATTACH_SOCKET_NAME, 0) < 0 && errno != ENOENT)
		g_warning("Failed to remove attach socket %s: %s, ignoring", sock->path,
			  g_strerror(errno));
	sock->bound = FALSE;
	if (sock->symlink_name != NULL)
		(void)paths_remove_symlink_if(sock->socket_dir_fd, sock->symlink_name,
					      sock->symlink_target);
	vigil_clear_fd(&sock->bundle_fd);
	vigil_clear_fd(&sock->socket_dir_fd);
	g_clear_pointer(&sock->symlink_name, g_free);
	g_clear_pointer(&sock->symlink_target, g_free);
	g_clear_pointer(&sock->path, g_free);
}
