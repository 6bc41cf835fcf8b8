/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "testlib.h"

/*
 * Shared by the test-monitor-attach* binaries: a client of the attach socket as podman's
 * attach is one (docs/conmon-contract.md, "Attach socket framing"), and the monitor started with
 * podman's argv.
 */

#define WAIT_MS 30000
/* podman and CRI-O read with this buffer (BufSize + 1): no message may be longer. */
#define CLIENT_BUF 8193

/* One message: its length (0 = EOF), or -1 on timeout. Asserts the framing. */
gssize recv_packet(int fd, char *buf, int timeout_ms);
/* Collect stdout ("out") and stderr ("err") payloads until needle shows up in out+err or EOF.
 * Returns TRUE if found. */
gboolean read_until(int fd, GString *out, GString *err, const char *needle);

/* podman's argv, with or without --full-attach, plus extra. */
TestMonitor *start_monitor(TestBundle *b, gboolean full_attach, const char *const *extra);
char *attach_path(TestBundle *b);
void runc_start(TestBundle *b);
/* The container exited: its status, and the monitor gone. */
int wait_exit(TestBundle *b, TestMonitor *m);
/* podman's attach before the start: a client connected to b's attach socket (asserted), then
 * `runc start`. Returns the client's fd. */
int connect_and_start(TestBundle *b);
/* The client's end: its output to EOF (asserted) into out and err, fd closed; returns the
 * container's exit status, the monitor gone. */
int read_to_exit(TestBundle *b, TestMonitor *m, int fd, GString *out, GString *err);
