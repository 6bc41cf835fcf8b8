/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

/*
 * Encode-only JSON for the monitor, which must not link json-glib (docs/architecture.md, "Memory").
 * Output is checked against json-glib's parser by tests/unit/test-json-writer.c and the
 * json-writer fuzz target.
 */

/*
 * Append s (len bytes, or up to NUL if len < 0) as a quoted JSON string. Escapes: \\ \" \/
 * \n \r \t \b \f, other bytes < 0x20 and 0x7f as \u00xx (conmon's newest escaping). Bytes
 * >= 0x80 that form valid UTF-8 are copied; invalid UTF-8 bytes become U+FFFD so the
 * output is always valid JSON for any input.
 */
void json_append_string(GString *out, const char *s, gssize len);
