"""Benchmark harness: run an operation at two or three sizes on the real stack and report, for each
size, its SQL query count and wall time, and the ratio against a named stock-Odoo baseline that does
the same work in the same process.

A benchmark is a class decorated with `@benchmark`::

    @benchmark("cpq: price a quote", sizes=(20, 200), baseline="stock sale.order.line pricing")
    class PriceQuote:
        def setup(self, env, size):      # builds the data; returns what run/baseline need
            ...
        def run(self, env, data):        # the operation of ours being measured
            ...
        def baseline(self, env, data):   # stock Odoo doing the same work (optional)
            ...
        def check(self, results):        # optional budgets: return a list of broken ones
            ...

Everything happens inside savepoints that are rolled back: setup once per size, then an unmeasured
warm-up run and `repeat` timed runs on the same data, so a benchmark leaves the database as it found
it. Query counts come from the cursor's own counter (`cr.sql_log_count`, as `assertQueryCount`
does) and must be equal across repetitions; times are the best of `repeat` runs, ORM caches
cleared before each, ours and the baseline taking turns.

Where our addons override the stock method a baseline needs, call the stock implementation through
its own class (e.g. `odoo.addons.sale.models.sale_order_line.SaleOrderLine._compute_price_unit`):
`super()` then continues below it, so our overrides are skipped and the baseline stays stock.
"""

import contextlib
import statistics
import time
from dataclasses import dataclass, field

REGISTRY = []


def benchmark(name, sizes, baseline=None, repeat=3):
    """Register a benchmark class under `name`, run at each of `sizes`."""

    def decorate(cls):
        cls.bench_name = name
        cls.bench_sizes = tuple(sizes)
        cls.bench_baseline = baseline
        cls.bench_repeat = repeat
        REGISTRY.append(cls)
        return cls

    return decorate


@dataclass
class Measure:
    queries: int
    seconds: float
    query_counts: list = field(default_factory=list)

    @property
    def stable(self):
        return len(set(self.query_counts)) == 1


@dataclass
class Result:
    name: str
    size: int
    ours: Measure
    baseline_name: str = None
    baseline: Measure = None

    @property
    def ratio(self):
        if not self.baseline or not self.baseline.seconds:
            return None
        return self.ours.seconds / self.baseline.seconds

    @property
    def queries_per_unit(self):
        return self.ours.queries / self.size if self.size else None


def _fresh(env):
    env.flush_all()
    env.invalidate_all()
    env.registry.clear_all_caches()


def _measure(env, funcs, data, repeat):
    """Best time and query count of each of `funcs` over `repeat` runs, after one unmeasured
    warm-up run (the first run fills caches that outlive a rollback, e.g. compiled domains and
    ir.model.fields lookups). The functions take turns (ours, baseline, ours, ...), so a slow
    spell of a shared machine hits both sides of a ratio alike."""
    counts = [[] for _func in funcs]
    times = [[] for _func in funcs]
    for attempt in range(repeat + 1):
        for index, func in enumerate(funcs):
            with contextlib.closing(env.cr.savepoint(flush=False)):
                _fresh(env)
                count0 = env.cr.sql_log_count
                start = time.perf_counter()
                func(env, data)
                env.flush_all()
                if attempt:
                    times[index].append(time.perf_counter() - start)
                    counts[index].append(env.cr.sql_log_count - count0)
            env.invalidate_all()
    return [
        Measure(queries=func_counts[0], seconds=min(func_times), query_counts=func_counts)
        for func_counts, func_times in zip(counts, times, strict=True)
    ]


def run_benchmark(env, bench_cls, sizes=None, repeat=None):
    """Run one benchmark class at each size; returns a list of `Result`. Changes nothing.
    `repeat` overrides the benchmark's own number of timed runs (best of them is kept)."""
    bench = bench_cls()
    results = []
    for size in sizes or bench_cls.bench_sizes:
        with contextlib.closing(env.cr.savepoint(flush=False)):
            data = bench.setup(env, size)
            env.flush_all()
            funcs = [bench.run] + ([bench.baseline] if hasattr(bench, "baseline") else [])
            ours, *base = _measure(env, funcs, data, repeat or bench_cls.bench_repeat)
        env.invalidate_all()
        results.append(
            Result(
                bench_cls.bench_name,
                size,
                ours,
                bench_cls.bench_baseline,
                base[0] if base else None,
            )
        )
    return results


def broken_budgets(bench_cls, results):
    """Budgets a benchmark declares through `check`, plus the harness's own: stable counts."""
    problems = [
        f"{r.name} @ {r.size}: query count varies between runs {r.ours.query_counts}"
        for r in results
        if not r.ours.stable
    ]
    check = getattr(bench_cls, "check", None)
    if check:
        problems += check(bench_cls(), results) or []
    return problems


def format_table(results):
    headers = (
        "benchmark",
        "size",
        "queries",
        "q/unit",
        "time ms",
        "baseline",
        "base q",
        "base ms",
        "ratio",
    )
    rows = []
    for r in results:
        base = r.baseline
        rows.append(
            (
                r.name,
                str(r.size),
                str(r.ours.queries),
                f"{r.queries_per_unit:.2f}" if r.queries_per_unit is not None else "",
                f"{r.ours.seconds * 1000:.1f}",
                r.baseline_name or "",
                str(base.queries) if base else "",
                f"{base.seconds * 1000:.1f}" if base else "",
                f"{r.ratio:.2f}x" if r.ratio is not None else "",
            )
        )
    widths = [
        max(len(h), *(len(row[i]) for row in rows)) if rows else len(h)
        for i, h in enumerate(headers)
    ]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(lines)


def median(values):
    return statistics.median(values) if values else None
