/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <glib.h>

/*
 * The state root: one directory per container, named by its id.
 *
 *   <root>/<id>/lock          flock'd for the duration of every operation on the container
 *   <root>/<id>/state.json    the record (state_record.c), replaced atomically
 *   <root>/<id>/config.json   the bundle's config, rootfs made absolute: the monitor's and
 *                             the runtime's bundle is this directory, so the attach socket,
 *                             ctl/winsz FIFOs and oom file live here too
 *   <root>/<id>/pidfile       the container's pid (written by the runtime)
 *   <root>/<id>/monitor.pid   the monitor's pid (written by its launcher)
 *   <root>/<id>/exits/<id>    the exit file; <root>/<id>/exit its persist-dir copy
 *   <root>/<id>/ctr.log       the default k8s-file log
 *   <root>/<id>/runtime.log   the runtime's JSON log (its own error messages)
 *   <root>/<id>/exec/<sid>/   one directory per exec session (exec_session.c)
 *
 * Names starting with '.' are never container ids; <root>/.runtime holds the runtime's own
 * state when vigil picks its --root, and <root>/.deleted-<id>.<random> is a container being
 * deleted (state_dir_retire()).
 */
#define STATE_TOMBSTONE_PREFIX ".deleted-"
#define STATE_LOCK             "lock"
#define STATE_RECORD           "state.json"
#define STATE_CONFIG           "config.json"
#define STATE_PIDFILE          "pidfile"
#define STATE_MONITOR_PID      "monitor.pid"
#define STATE_EXITS            "exits"
#define STATE_LOG              "ctr.log"
#define STATE_RUNTIME_LOG      "runtime.log"
#define STATE_EXEC             "exec"
#define STATE_ATTACH           "attach"
#define STATE_CTL              "ctl"
#define STATE_OOM              "oom"

/*
 * TRUE if id may name a container or exec session: 1-128 bytes of [A-Za-z0-9_.+-], not
 * starting with '.' or '-' (what runc accepts, minus names that are not plain files). EINVAL
 * "<what> 'id' is not valid: ..." otherwise.
 */
gboolean state_id_validate(const char *id, const char *what, GError **error);

/* <root>/<id>; id must be valid. */
char *state_dir_path(const char *root, const char *id);

/*
 * Create <root>/<id> (0700; root too, with parents) already locked: it is made under a
 * temporary name, locked, then renamed into place, so no other caller ever sees it unlocked
 * and empty. Returns the lock fd, or -1: EEXIST if the container exists.
 */
int state_dir_create_locked(const char *root, const char *id, GError **error);

/*
 * Whether dir is a container's directory: one that has its lock file. A container's
 * directory is renamed into place with the lock in it, so anything else under the root (a
 * stray directory, a wrong --root) is never taken for, or written into as, a container.
 */
gboolean state_dir_is_container(const char *dir);

/*
 * Take the exclusive lock of the container directory dir, waiting for other holders. Returns
 * the locked fd (closing it unlocks), or -1: ENOENT "no such container" when the directory
 * does not exist, is not a container's (no lock file: it is never created here), or was
 * deleted by the holder we waited for.
 */
int state_dir_lock(const char *dir, const char *id, GError **error);

/* Remove dir and everything below it, without following symlinks. ENOENT is success. */
gboolean state_dir_remove(const char *dir, GError **error);

/*
 * Move <root>/<id> out of the way in one rename, to a tombstone name (STATE_TOMBSTONE_PREFIX)
 * that no command takes for a container: a delete killed while removing the files then
 * leaves no half-deleted directory under the id (which neither state nor create could
 * use), only a tombstone the next command removes. Returns the tombstone's path.
 */
char *state_dir_retire(const char *root, const char *id, GError **error);

/* Remove the tombstones under root that deletes killed half-way left behind. Only files are
 * left in one (the container, its monitor and its runtime state went first), so this is
 * safe beside a delete still removing it. */
void state_dir_sweep_tombstones(const char *root);
