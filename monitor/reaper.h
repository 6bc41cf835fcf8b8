/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <glib.h>

/*
 * Children and signals through one signalfd. Not GChildWatch: the monitor is a subreaper
 * and must reap orphans it never spawned (docs/architecture.md, "The main loop").
 */
typedef struct _Reaper Reaper;

typedef void (*ReaperChildFunc)(pid_t pid, int wstatus, gpointer user_data);
typedef void (*ReaperSignalFunc)(int signo, gpointer user_data);

/*
 * Block SIGCHLD, SIGUSR1 and the forwarded signals (TERM, INT, QUIT) so they queue for the
 * signalfd. Call before forking anything; children unblock in runtime_spawn().
 */
gboolean reaper_block_signals(GError **error);

Reaper *reaper_new(GMainContext *ctx, ReaperChildFunc on_child, ReaperSignalFunc on_signal,
		   gpointer user_data, GError **error);

/* waitpid(-1, WNOHANG) until nothing is left to reap, reporting each child. */
void reaper_reap(Reaper *reaper);

void reaper_free(Reaper *reaper);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Reaper, reaper_free)

/* Exit status as conmon reports it: the code, 128+signal, or -1. */
int reaper_exit_status(int wstatus);
