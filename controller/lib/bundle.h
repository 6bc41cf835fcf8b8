/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

/*
 * An OCI bundle's config.json. The controller gives the runtime and the monitor a copy in
 * the container's state directory as their bundle, so the monitor's sockets, FIFOs and exit
 * files never land in the user's bundle, and later calls (exec) see the config the container
 * was created with.
 */
typedef struct {
	char *dir; /* absolute */
	JsonNode *config;
} Bundle;

/* Load <dir>/config.json. ENOENT, EINVAL (not a JSON object with a process). */
Bundle *bundle_load(const char *dir, GError **error);
void bundle_free(Bundle *b);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Bundle, bundle_free)

JsonObject *bundle_process(Bundle *b);
gboolean bundle_terminal(Bundle *b);

/* The org.opencontainers.image.stopSignal annotation as a number; 0 if absent or invalid. */
int bundle_stop_signal(Bundle *b);

/*
 * Write the copy: root.path and relative bind-mount sources made absolute (they were
 * relative to the user's bundle), process.terminal set to terminal.
 */
gboolean bundle_write_copy(Bundle *b, const char *path, gboolean terminal, GError **error);

/* A copy that shares nothing with node (json_node_copy() is shallow). */
JsonNode *bundle_json_deep_copy(JsonNode *node);

/* The container's root filesystem (absolute). */
char *bundle_rootfs(Bundle *b);
