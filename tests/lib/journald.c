/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "journald.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib.h>

#define JOURNAL_SOCKET "/run/systemd/journal/socket"
#define JOURNALD       "/lib/systemd/systemd-journald"

int test_journald_alive(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = JOURNAL_SOCKET };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return 0;
	/* connect() on a datagram socket checks the peer is bound: ECONNREFUSED if it is stale */
	int ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

char *test_journald_ensure(void)
{
	g_autoptr(GError) error = NULL;

	if (test_journald_alive())
		return NULL;
	if (!g_file_test(JOURNALD, G_FILE_TEST_IS_EXECUTABLE))
		return g_strdup("no journald is listening and " JOURNALD " is not installed");
	/* g_spawn_async without DO_NOT_REAP_CHILD double-forks: journald is nobody's child here,
	 * so it outlives this test and serves the later ones. It replaces a stale socket file. */
	if (!g_spawn_async(NULL, (char *[]){ (char *)"setsid", (char *)JOURNALD, NULL }, NULL,
			   G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
				   G_SPAWN_STDERR_TO_DEV_NULL,
			   NULL, NULL, NULL, &error))
		return g_strdup_printf("cannot start " JOURNALD ": %s", error->message);
	for (int waited = 0; !test_journald_alive(); waited += 20) {
		if (waited >= 10000)
			return g_strdup(JOURNALD " started but " JOURNAL_SOCKET
						 " is not accepting entries");
		g_usleep(20 * 1000);
	}
	return NULL;
}
