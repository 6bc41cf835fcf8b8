/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <time.h>

#include <glib.h>

#include "options.h"

/* The small interface every log driver implements; one driver per file in monitor/logs/. */
typedef struct _LogDriver LogDriver;

typedef struct {
	const char *name;
	/* One chunk of container output; now is the chunk's arrival time (one per chunk). */
	void (*write)(LogDriver *driver, int stream, const char *buf, gsize len,
		      const struct timespec *now);
	/* Reopen or rotate on request; NULL if the driver has nothing to reopen. */
	void (*reopen)(LogDriver *driver);
	/* Container gone: emit pending partial lines; fsync if sync. */
	void (*flush)(LogDriver *driver, gboolean sync);
	void (*free)(LogDriver *driver);
} LogDriverOps;

struct _LogDriver {
	const LogDriverOps *ops;
};

LogDriver *k8s_file_driver_new(const MonitorConfig *cfg, const char *path, GError **error);
