/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <math.h>
#include <stdio.h>

#include "bench.h"

/* The result table: one row per figure, notes (errors, sizes, checks) under it. */

typedef struct {
	char *figure;
	char *unit;
	GArray *samples[BENCH_N_MONITORS];
	BenchTarget target;
} BenchRow;

struct _BenchTable {
	GPtrArray *rows;
	GPtrArray *notes;
	gboolean failed;
};

static void bench_row_free(gpointer p)
{
	BenchRow *r = p;

	g_free(r->figure);
	g_free(r->unit);
	for (int i = 0; i < BENCH_N_MONITORS; i++) {
		if (r->samples[i] != NULL)
			g_array_unref(r->samples[i]);
	}
	g_free(r);
}

BenchTable *bench_table_new(void)
{
	BenchTable *t = g_new0(BenchTable, 1);

	t->rows = g_ptr_array_new_with_free_func(bench_row_free);
	t->notes = g_ptr_array_new_with_free_func(g_free);
	return t;
}

void bench_table_free(BenchTable *t)
{
	if (t == NULL)
		return;
	g_ptr_array_unref(t->rows);
	g_ptr_array_unref(t->notes);
	g_free(t);
}

void bench_table_add(BenchTable *t, const char *figure, const char *unit, GArray **samples,
		     BenchTarget target)
{
	BenchRow *r = g_new0(BenchRow, 1);

	r->figure = g_strdup(figure);
	r->unit = g_strdup(unit);
	for (int i = 0; i < BENCH_N_MONITORS; i++)
		r->samples[i] = g_steal_pointer(&samples[i]);
	r->target = target;
	g_ptr_array_add(t->rows, r);
}

static G_GNUC_PRINTF(3, 0) void add_note(BenchTable *t, const char *prefix, const char *fmt,
					 va_list ap)
{
	g_autofree char *s = g_strdup_vprintf(fmt, ap);

	/* Also now, so a long run shows progress and problems as they happen. */
	fprintf(stderr, "# %s%s\n", prefix, s);
	g_ptr_array_add(t->notes, g_strconcat(prefix, s, NULL));
}

void bench_table_note(BenchTable *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_note(t, "", fmt, ap);
	va_end(ap);
}

void bench_table_error(BenchTable *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_note(t, "ERROR: ", fmt, ap);
	va_end(ap);
	t->failed = TRUE;
}

gboolean bench_table_failed(BenchTable *t)
{
	return t->failed;
}

static int cmp_double(gconstpointer a, gconstpointer b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(GArray *a)
{
	if (a == NULL || a->len == 0)
		return NAN;
	g_autoptr(GArray) s = g_array_copy(a);
	g_array_sort(s, cmp_double);
	guint n = s->len;
	double *v = (double *)(void *)s->data;
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double extreme(GArray *a, gboolean max)
{
	double e = g_array_index(a, double, 0);

	for (guint i = 1; i < a->len; i++) {
		double v = g_array_index(a, double, i);
		if (max ? v > e : v < e)
			e = v;
	}
	return e;
}

/* Enough digits for the size of the number, and no more. */
static char *fmt_num(double v)
{
	double m = fabs(v);

	if (m >= 1000 || v == floor(v))
		return g_strdup_printf("%.0f", v);
	if (m >= 100)
		return g_strdup_printf("%.1f", v);
	if (m >= 1)
		return g_strdup_printf("%.2f", v);
	return g_strdup_printf("%.3f", v);
}

static char *fmt_samples(GArray *a)
{
	if (a == NULL || a->len == 0)
		return g_strdup("-");
	g_autofree char *med = fmt_num(bench_median(a));
	if (a->len == 1)
		return g_steal_pointer(&med);
	g_autofree char *lo = fmt_num(extreme(a, FALSE));
	g_autofree char *hi = fmt_num(extreme(a, TRUE));
	return g_strdup_printf("%s [%s..%s]", med, lo, hi);
}

static char *fmt_target(BenchTarget t)
{
	switch (t.kind) {
	case BENCH_TARGET_RATIO_MAX:
		return g_strdup_printf("<= %.1fx", t.value);
	case BENCH_TARGET_RATIO_MIN:
		return g_strdup_printf(">= %.1fx", t.value);
	case BENCH_TARGET_VALUE_BELOW:
		return g_strdup_printf("< %g", t.value);
	case BENCH_TARGET_VALUE_MAX:
		return g_strdup_printf("<= %g", t.value);
	case BENCH_TARGET_NONE:
		break;
	}
	return g_strdup("");
}

/* "met", "MISSED", or "" when there is no target or no data to judge. */
static const char *judge(BenchTarget t, double conmon, double vigil, double ratio)
{
	if (t.kind == BENCH_TARGET_NONE || isnan(vigil))
		return "";
	switch (t.kind) {
	case BENCH_TARGET_RATIO_MAX:
		return isnan(ratio) ? "" : ratio <= t.value ? "met" : "MISSED";
	case BENCH_TARGET_RATIO_MIN:
		return isnan(ratio) ? "" : ratio >= t.value ? "met" : "MISSED";
	case BENCH_TARGET_VALUE_BELOW:
		return vigil < t.value ? "met" : "MISSED";
	case BENCH_TARGET_VALUE_MAX:
		return vigil <= t.value ? "met" : "MISSED";
	case BENCH_TARGET_NONE:
		break;
	}
	(void)conmon;
	return "";
}

void bench_table_print(BenchTable *t, FILE *out)
{
#define ROW "%-42s %-6s %-26s %-26s %-8s %-9s %s\n"
	fprintf(out, ROW, "figure", "unit", "conmon median [min..max]",
		"vigilmon median [min..max]", "vig/con", "target", "");
	for (guint i = 0; i < t->rows->len; i++) {
		BenchRow *r = g_ptr_array_index(t->rows, i);
		double c = bench_median(r->samples[BENCH_CONMON]);
		double v = bench_median(r->samples[BENCH_VIGILMON]);
		double ratio = (c == 0 && v == 0) ? 1.0 : v / c;
		g_autofree char *cs = fmt_samples(r->samples[BENCH_CONMON]);
		g_autofree char *vs = fmt_samples(r->samples[BENCH_VIGILMON]);
		g_autofree char *rs = isnan(ratio)   ? g_strdup("-")
				      : isinf(ratio) ? g_strdup("inf")
						     : g_strdup_printf("%.2f", ratio);
		g_autofree char *ts = fmt_target(r->target);

		fprintf(out, ROW, r->figure, r->unit, cs, vs, rs, ts,
			judge(r->target, c, v, ratio));
	}
#undef ROW
	if (t->notes->len > 0)
		fprintf(out, "\nnotes:\n");
	for (guint i = 0; i < t->notes->len; i++)
		fprintf(out, "  %s\n", (const char *)g_ptr_array_index(t->notes, i));
}
