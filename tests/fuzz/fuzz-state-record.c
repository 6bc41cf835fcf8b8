/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "container.h"
#include "fuzz-glib.h"
#include "state_record.h"

/*
 * A container's state.json as the controller finds it on disk: written by us, but possibly
 * cut short by a crash, left over from another version, or edited by hand.
 * state_record_parse() gives a record or EPROTO (never a GLib critical, which this target
 * makes fatal); a record it gives, saved with state_record_to_json() and parsed again, has
 * the same fields, so a load-update-save cycle changes nothing it did not mean to.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ID        "fuzz"
#define STATE_DIR "/run/vigil/" ID

/* Times are stored only when positive (state_record.c's add_time): others read back as 0. */
static gint64 stored_time(gint64 usec)
{
	return usec > 0 ? usec : 0;
}

static void assert_same(const VigilContainer *a, const VigilContainer *b)
{
	g_assert_cmpstr(a->id, ==, b->id);
	g_assert_cmpstr(a->state_dir, ==, b->state_dir);
	g_assert_cmpstr(a->name, ==, b->name);
	g_assert_cmpstr(a->bundle, ==, b->bundle);
	g_assert_cmpstr(a->runtime, ==, b->runtime);
	g_assert_cmpstr(a->runtime_root, ==, b->runtime_root);
	g_assert_cmpstr(a->monitor, ==, b->monitor);
	g_assert_cmpint(a->status, ==, b->status);
	g_assert_cmpint(a->pid, ==, b->pid);
	g_assert_cmpint(a->monitor_pid, ==, b->monitor_pid);
	g_assert_cmpuint(a->monitor_start, ==, b->monitor_start);
	g_assert_cmpint(a->has_exit_code, ==, b->has_exit_code);
	if (a->has_exit_code)
		g_assert_cmpint(a->exit_code, ==, b->exit_code);
	g_assert_cmpint(a->oom_killed, ==, b->oom_killed);
	g_assert_cmpint(a->terminal, ==, b->terminal);
	g_assert_cmpint(a->stdin_, ==, b->stdin_);
	g_assert_cmpint(a->stop_signal, ==, b->stop_signal);
	g_assert_cmpstr(a->exit_dir, ==, b->exit_dir);
	g_assert_cmpstr(a->persist_dir, ==, b->persist_dir);
	g_assert_cmpstr(a->log_driver, ==, b->log_driver);
	g_assert_cmpstr(a->log_path, ==, b->log_path);
	g_assert_cmpint(stored_time(a->created), ==, b->created);
	g_assert_cmpint(stored_time(a->started), ==, b->started);
	g_assert_cmpint(stored_time(a->finished), ==, b->finished);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;

	fuzz_glib_fatal_criticals();
	g_autoptr(VigilContainer) ctr =
		state_record_parse((const char *)data, size, ID, STATE_DIR, &error);
	if (ctr == NULL) {
		g_assert_error(error, VIGIL_ERROR, EPROTO);
		return 0;
	}
	g_assert_no_error(error);
	g_assert_cmpstr(ctr->id, ==, ID);
	g_assert_cmpstr(ctr->state_dir, ==, STATE_DIR);
	g_assert_nonnull(ctr->exit_dir);

	g_autofree char *text = state_record_to_json(ctr);
	g_assert_true(g_utf8_validate(text, -1, NULL));
	g_autoptr(VigilContainer) again =
		state_record_parse(text, strlen(text), ID, STATE_DIR, &error);
	g_assert_no_error(error);
	g_assert_nonnull(again);
	assert_same(ctr, again);

	/* A second cycle is byte-identical: the record has reached its stored form. */
	g_autofree char *text2 = state_record_to_json(again);
	g_assert_cmpstr(text2, ==, text);
	return 0;
}
