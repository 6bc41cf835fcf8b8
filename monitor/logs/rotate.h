/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

/*
 * File operations behind --log-size-max, --log-rotate, --log-max-files and ctl "2" reopen
 * (docs/conmon-contract.md, "Log size and rotation"), all relative to the log directory's fd so a
 * renamed or replaced path component cannot redirect them. Each returns a new fd open for
 * appending (O_CLOEXEC), or -1 with error set and the old file untouched.
 */

/* <base> for appending, created 0640 if missing; nofollow refuses a symlink. -1 and errno on
 * failure. */
int rotate_open_append(int dirfd, const char *base, gboolean nofollow);

/*
 * Truncate mode: a new empty <base> replaces the old one through <base>.tmp and rename(2).
 * CRI-O's ReopenContainerLog waits for exactly this "file created" event after kubelet
 * renamed the old file away, so the file is recreated, never truncated in place.
 */
int rotate_recreate(int dirfd, const char *base, GError **error);

/*
 * Rotate mode: <base> becomes <base>.1, <base>.i becomes <base>.i+1, backups beyond keep are
 * deleted, and a new empty <base> takes the old name. <base> exists at every moment (a
 * hard link to .1 is made first, then the new file is renamed over it), so a reader that
 * opens by name (podman logs) never finds it missing. keep >= 1.
 */
int rotate_shift(int dirfd, const char *base, int keep, GError **error);

/* dir (an existing directory) is inside one of allowlist's directories, symlinks resolved. */
gboolean rotate_check_allowlist(const char *dir, char *const *allowlist, GError **error);
