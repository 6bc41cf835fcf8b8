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

typedef enum {
	OUTPUT_LIST_TABLE,
	OUTPUT_LIST_JSON,
	OUTPUT_LIST_IDS, /* one id a line (list -q) */
} OutputListFormat;

/* list: a table (ID, NAME, STATUS, PID, EXIT, CREATED, BUNDLE), a JSON array of
 * output_container_json() objects, or the ids alone. */
void output_list(GPtrArray *containers, OutputListFormat format);

/* An RFC 3339 UTC time for Unix µs (0 = NULL). */
char *output_time(gint64 usec);
