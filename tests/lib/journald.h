/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A journald the tests can log to. The socket file alone proves nothing: /run outlives the
 * journald that made it (a session's processes end, the file stays), and datagrams to a
 * socket nobody has bound are refused, so the entries would be lost and the test would wait
 * for them in vain.
 */

/* Whether something is bound to the journal's native socket. */
int test_journald_alive(void);

/* Start /lib/systemd/systemd-journald (detached, left running for later tests) unless one is
 * alive. NULL when it is alive, otherwise why not (free it). */
char *test_journald_ensure(void);
