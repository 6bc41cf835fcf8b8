/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "cli.h"

/*
 * Human and --json output. JSON keys are snake_case; times are RFC 3339 UTC strings or
 * null; an unknown exit code is null.
 */

/* A container as a JSON object node. */
JsonNode *output_container_json(const VigilContainer *ctr);

/* Print node as JSON (pretty, with a final newline). */
void output_json(JsonNode *node);

/* state: JSON, or "key  value" lines. */
void output_container(Cli *cli, const VigilContainer *ctr);

/* list: a JSON array, or a table. */
void output_list(Cli *cli, GPtrArray *containers);

/* An RFC 3339 UTC time for Unix µs (0 = NULL). */
char *output_time(gint64 usec);
