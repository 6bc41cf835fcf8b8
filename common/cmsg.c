/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "cmsg.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "error_util.h"

/* runc's console protocol sends the pty name; 4096 covers any path (docs/conmon-contract.md,
 * "Wire constants"). */
#define CMSG_NAME_MAX 4096

int cmsg_recv_fd(int sock, char **out_name, GError **error)
{
	g_autofree char *name = g_malloc0(CMSG_NAME_MAX + 1);
	struct iovec iov = { .iov_base = name, .iov_len = CMSG_NAME_MAX };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = u.buf,
		.msg_controllen = sizeof u.buf,
	};
	ssize_t n;

	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		vigil_throw_errno(error, "receive fd");
		return -1;
	}

	int fd = -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		int nfds = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (int i = 0; i < nfds; i++) {
			int got;
			memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (fd < 0)
				fd = got;
			else
				close(got); /* exactly one is expected; never leak extras */
		}
	}
	if (fd < 0) {
		vigil_throw(error, EBADMSG, "receive fd: message carried no file descriptor%s",
			    (msg.msg_flags & MSG_CTRUNC) ? " (control data truncated)" : "");
		return -1;
	}
	if (out_name != NULL)
		*out_name = g_steal_pointer(&name);
	return fd;
}
