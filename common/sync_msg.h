/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

/*
 * Messages on _OCI_SYNCPIPE / _OCI_ATTACHPIPE (docs/conmon-contract.md,
 * "Sync pipe messages"). One line each:
 *   {"<key>": <int>}\n   or   {"<key>": <int>, "message": "<escaped>"}\n
 * exactly one space after each colon and comma. podman reads a line with
 * bufio.ReadBytes('\n'); CRI-O decodes a JSON stream.
 */

typedef enum {
	SYNC_KEY_DATA,      /* --api-version 1 (podman) */
	SYNC_KEY_PID,       /* legacy create/restore (CRI-O) */
	SYNC_KEY_EXIT_CODE, /* legacy exec (CRI-O ExecSync) */
} SyncKey;

SyncKey sync_key_for(gboolean api_v1, gboolean exec);
const char *sync_key_name(SyncKey key);

/* Build one message line; message may be NULL or empty (then it is omitted). */
char *sync_msg_format(SyncKey key, int value, const char *message, gssize message_len);
