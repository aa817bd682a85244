#!/usr/bin/env python3
"""Turns the raw results of tests/bench/run.sh into the benchmark report.

Reads the results directory (wrk text, cgw-loadgen / cgw-idle-conns /
cgw-bench-activations JSON, machine.txt), computes each figure per run and
its median, min and max over the runs, compares medians with the targets of
docs/benchmarks.md, and writes a markdown table (stdout and --md-out) and
JSON (--json-out). With --check (the CI smoke run) it exits 1 unless every
part produced numbers and no request failed where none should; it never
checks a performance threshold. A run with --postgres adds the PostgreSQL
figures: reserve saturation and the activation day on 1 and 2 gateway
instances, each as a ratio against the SQLite single instance of the same run.
"""
import argparse
import glob
import json
import os
import re
import statistics
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def parse_wrk(path):
    text = open(path).read()
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    errors = int(non2xx.group(1)) if non2xx else 0
    if sock:
        errors += sum(int(x) for x in sock.groups())
    return {"rps": float(rps.group(1)) if rps else 0.0, "errors": errors}


def runs_of(res, pattern):
    """Run numbers for which res/<pattern % r> exists, in order."""
    out = []
    for path in glob.glob(os.path.join(res, pattern.replace("{r}", "*"))):
        m = re.search(r"-r(\d+)\.", os.path.basename(path))
        if m:
            out.append(int(m.group(1)))
    return sorted(out)


# (key, label, unit, target, direction): direction "min" means at least the
# target, "max" at most. Targets hold at full scale only (SCALE).
FIGURES = [
    ("baseline_rps", "Baseline (bare Beast) saturation", "req/s", None, None),
    ("baseline_half_p99_us", "Baseline p99 at half load", "µs", None, None),
    ("search_suffix_ratio", "Search suffix: throughput ÷ baseline", "×", 0.6, "min"),
    ("search_suffix_rps", "Search suffix: saturation", "req/s", None, None),
    ("search_suffix_half_p50_us", "Search suffix: p50 at half load", "µs", None, None),
    ("search_suffix_half_p99_us", "Search suffix: p99 at half load", "µs", 2000, "max"),
    ("search_contains_ratio", "Search contains: throughput ÷ baseline", "×", 0.6, "min"),
    ("search_contains_rps", "Search contains: saturation", "req/s", None, None),
    ("search_contains_half_p50_us", "Search contains: p50 at half load", "µs", None, None),
    ("search_contains_half_p99_us", "Search contains: p99 at half load", "µs", 2000, "max"),
    ("search_tags_ratio", "Search tags: throughput ÷ baseline", "×", 0.6, "min"),
    ("search_tags_rps", "Search tags: saturation", "req/s", None, None),
    ("search_tags_half_p50_us", "Search tags: p50 at half load", "µs", None, None),
    ("search_tags_half_p99_us", "Search tags: p99 at half load", "µs", 2000, "max"),
    ("pt_ratio", "Pass-through reserve: gateway ÷ direct throughput", "×", 0.4, "min"),
    ("pt_gw_rps", "Reserve via gateway: saturation", "req/s", None, None),
    ("pt_direct_rps", "Reserve direct to simulator: saturation", "req/s", None, None),
    ("pt_gw_cpu_us", "Reserve via gateway: gateway CPU per reservation", "µs", None, None),
    ("pt_added_p50_us", "Pass-through added p50 (same fixed rate)", "µs", 500, "max"),
    ("pt_added_p99_us", "Pass-through added p99 (same fixed rate)", "µs", None, None),
    ("pt_gw_half_p99_us", "Reserve via gateway: p99 at half load", "µs", 5000, "max"),
    ("sync_s", "Sync: seconds for the pool", "s", 5.0, "max"),
    ("sync_rows_per_s", "Sync: rows per second", "rows/s", None, None),
    ("act_total_s", "Activation day: total seconds", "s", 180.0, "max"),
    ("act_projected_s", "Activation day: 280,000 at the measured rate (projected)", "s", 180.0,
     "max"),
    ("act_per_s", "Activation day: activations per second", "/s", None, None),
    ("act_gw_cpu_ms", "Activation day: gateway CPU per activation", "ms", 0.6, "max"),
    ("idle_held", "Idle keep-alive connections held", "conns", None, None),
    ("idle_rss_mb", "Gateway RSS while they are held", "MB", 200.0, "max"),
    ("idle_rss_added_mb", "Gateway RSS added by the idle connections", "MB", None, None),
    ("idle_p99_without_us", "Search p99 at fixed rate, no idle connections", "µs", None, None),
    ("idle_p99_with_us", "Search p99 at fixed rate, idle connections held", "µs", None, None),
]

# The PostgreSQL column (run.sh --postgres): "÷ SQLite" is against the SQLite
# single instance of the same run (reserve: the same run number).
PG_FIGURES = [
    ("pg_reserve_i1_ratio", "PostgreSQL, 1 instance: reserve ÷ SQLite", "×", None, None),
    ("pg_reserve_i1_rps", "PostgreSQL, 1 instance: reserve saturation", "req/s", None, None),
    ("pg_reserve_i2_ratio", "PostgreSQL, 2 instances: reserve ÷ SQLite", "×", None, None),
    ("pg_reserve_i2_rps", "PostgreSQL, 2 instances: reserve saturation", "req/s", None, None),
    ("pg_act_i1_ratio", "PostgreSQL, 1 instance: activation day ÷ SQLite", "×", None, None),
    ("pg_act_i1_per_s", "PostgreSQL, 1 instance: activations per second", "/s", None, None),
    ("pg_act_i1_gw_cpu_ms", "PostgreSQL, 1 instance: gateway CPU per activation", "ms", None,
     None),
    ("pg_act_i2_ratio", "PostgreSQL, 2 instances: activation day ÷ SQLite", "×", None, None),
    ("pg_act_i2_per_s", "PostgreSQL, 2 instances: activations per second", "/s", None, None),
    ("pg_act_i2_gw_cpu_ms", "PostgreSQL, 2 instances: gateway CPU per activation (both)", "ms",
     None, None),
]

# The compact column table: (label, SQLite key, PostgreSQL 1 instance, 2 instances).
PG_COLUMN = [
    ("Reserve saturation (req/s)", "pt_gw_rps", "pg_reserve_i1_rps", "pg_reserve_i2_rps"),
    ("Reserve ÷ SQLite", None, "pg_reserve_i1_ratio", "pg_reserve_i2_ratio"),
    ("Activation day: activations per second", "act_per_s", "pg_act_i1_per_s", "pg_act_i2_per_s"),
    ("Activation day ÷ SQLite", None, "pg_act_i1_ratio", "pg_act_i2_ratio"),
    ("Gateway CPU per activation (ms, all instances)", "act_gw_cpu_ms", "pg_act_i1_gw_cpu_ms",
     "pg_act_i2_gw_cpu_ms"),
]


# Which setting a figure's target is for: (setting in machine.txt, value).
SCALE = {"search": ("pool", 1000000), "sync": ("pool", 1000000),
         "act_total": ("activations", 280000), "idle": ("idle", 10000)}


def scale_of(key):
    for prefix, req in SCALE.items():
        if key.startswith(prefix):
            return req
    return None


def collect(res, postgres=False):
    per_run = {}  # figure -> [values]
    notes = {}  # figure -> failed requests behind it
    problems = []

    def add(key, value):
        per_run.setdefault(key, []).append(value)

    def lg(name, *keys):
        """A cgw-loadgen result; None without successful requests. Failed
        requests are noted against the figures `keys` drawn from it."""
        path = os.path.join(res, name + ".json")
        if not os.path.exists(path):
            problems.append(f"{name}: no result")
            return None
        d = load(path)
        if d["errors"] or d["unsent"]:
            problems.append(f"{name}: {d['errors']} errors {d['errors_by_status']}, "
                            f"{d['unsent']} unsent")
            for k in keys:
                notes[k] = notes.get(k, 0) + d["errors"] + d["unsent"]
        if d["ok"] == 0:
            problems.append(f"{name}: no successful request")
            return None
        return d

    def wrk(name):
        path = os.path.join(res, name + ".wrk.txt")
        if not os.path.exists(path):
            problems.append(f"{name}: no result")
            return None
        w = parse_wrk(path)
        if w["rps"] <= 0:
            problems.append(f"{name}: no throughput")
        if w["errors"]:
            problems.append(f"{name}: {w['errors']} failed requests")
        return w

    for r in runs_of(res, "baseline-sat-r{r}.wrk.txt"):
        base = wrk(f"baseline-sat-r{r}")
        if not base:
            continue
        add("baseline_rps", base["rps"])
        if (h := lg(f"baseline-half-r{r}", "baseline_half_p99_us")):
            add("baseline_half_p99_us", h["latency_us"]["p99"])
        for kind in ("suffix", "contains", "tags"):
            s = wrk(f"search-{kind}-sat-r{r}")
            if s:
                add(f"search_{kind}_rps", s["rps"])
                add(f"search_{kind}_ratio", s["rps"] / base["rps"] if base["rps"] else 0)
            if (h := lg(f"search-{kind}-half-r{r}", f"search_{kind}_half_p50_us",
                        f"search_{kind}_half_p99_us")):
                add(f"search_{kind}_half_p50_us", h["latency_us"]["p50"])
                add(f"search_{kind}_half_p99_us", h["latency_us"]["p99"])
        gs, ds = lg(f"pt-gw-sat-r{r}", "pt_ratio"), lg(f"pt-direct-sat-r{r}", "pt_ratio")
        if gs and ds:
            add("pt_gw_rps", gs["achieved_rps"])
            add("pt_direct_rps", ds["achieved_rps"])
            add("pt_ratio", gs["achieved_rps"] / ds["achieved_rps"] if ds["achieved_rps"] else 0)
        cpu = os.path.join(res, f"pt-gw-cpu-r{r}.json")
        if os.path.exists(cpu) and gs and gs["ok"]:
            add("pt_gw_cpu_us", load(cpu)["cpu_ms"] * 1000 / gs["ok"])
        gh, dh = (lg(f"pt-gw-half-r{r}", "pt_added_p50_us", "pt_added_p99_us"),
                  lg(f"pt-direct-half-r{r}", "pt_added_p50_us", "pt_added_p99_us"))
        if gh and dh:
            add("pt_added_p50_us", gh["latency_us"]["p50"] - dh["latency_us"]["p50"])
            add("pt_added_p99_us", gh["latency_us"]["p99"] - dh["latency_us"]["p99"])
            add("pt_gw_half_p99_us", gh["latency_us"]["p99"])
        ic = os.path.join(res, f"idle-conns-r{r}.json")
        if os.path.exists(ic):
            c = load(ic)
            add("idle_held", c["held_min"])
            if c["held_min"] < c["requested"]:
                problems.append(f"idle run {r}: held {c['held_min']} of {c['requested']}")
        else:
            problems.append(f"idle run {r}: no result")
        rss = os.path.join(res, f"idle-rss-r{r}.json")
        if os.path.exists(rss):
            m = load(rss)
            add("idle_rss_mb", max(m["rss_held_kb"], m["rss_held_loaded_kb"]) / 1024)
            add("idle_rss_added_mb", (m["rss_held_kb"] - m["rss_before_kb"]) / 1024)
        for which in ("without", "with"):
            if (h := lg(f"idle-{which}-r{r}", f"idle_p99_{which}_us")):
                add(f"idle_p99_{which}_us", h["latency_us"]["p99"])

    for r in runs_of(res, "sync-r{r}.json"):
        s = load(os.path.join(res, f"sync-r{r}.json"))
        add("sync_s", s["seconds"])
        add("sync_rows_per_s", s["rows_per_s"])
        if s["numbers"] != s["pool"] or s["numbers"] == 0:
            problems.append(f"sync run {r}: {s['numbers']} of {s['pool']} numbers")

    def day(name, r):
        """An activation day's result, its problems noted."""
        a = load(os.path.join(res, f"{name}-r{r}.json"))
        if a["activated"] != a["count"] or a["failed"] or a["errors"]:
            problems.append(f"{name} run {r}: {a['activated']} of {a['count']} activated, "
                            f"{a['failed']} failed, errors {a['errors']}")
        if a["sample_activated"] != a["sample_checked"]:
            problems.append(f"{name} run {r}: API sample {a['sample_activated']} of "
                            f"{a['sample_checked']} activated")
        return a

    sqlite_day = {}
    for r in runs_of(res, "activations-r{r}.json"):
        a = sqlite_day[r] = day("activations", r)
        add("act_total_s", a["total_s"])
        add("act_per_s", a["activations_per_s"])
        add("act_gw_cpu_ms", a["gateway_cpu_ms_per_activation"])
        if a["count"] < 280000 and a["activations_per_s"] > 0:
            add("act_projected_s", 280000 / a["activations_per_s"])
    if not sqlite_day:
        problems.append("activations: no result")
    if postgres:
        collect_postgres(res, add, lg, day, sqlite_day, problems)
    return per_run, notes, problems


def collect_postgres(res, add, lg, day, sqlite_day, problems):
    """The PostgreSQL figures, each against the SQLite single instance."""
    def ratio(a, b):
        return a / b if b else 0.0

    for r in runs_of(res, "pt-gw-sat-r{r}.json"):
        base = load(os.path.join(res, f"pt-gw-sat-r{r}.json"))["achieved_rps"]
        one = lg(f"pg-sat-i1-r{r}", "pg_reserve_i1_ratio")
        if one:
            add("pg_reserve_i1_rps", one["achieved_rps"])
            add("pg_reserve_i1_ratio", ratio(one["achieved_rps"], base))
        # Two load tools side by side, one per instance: their rates add up.
        two = [lg(f"pg-sat-i2{x}-r{r}", "pg_reserve_i2_ratio") for x in "ab"]
        if all(two):
            rps = sum(t["achieved_rps"] for t in two)
            add("pg_reserve_i2_rps", rps)
            add("pg_reserve_i2_ratio", ratio(rps, base))
    for i in (1, 2):
        name = f"pg-act-i{i}"
        if not os.path.exists(os.path.join(res, f"{name}-r1.json")):
            problems.append(f"{name}: no result")
            continue
        a = day(name, 1)
        add(f"pg_act_i{i}_per_s", a["activations_per_s"])
        add(f"pg_act_i{i}_gw_cpu_ms", a["gateway_cpu_ms_per_activation"])
        if 1 in sqlite_day:
            add(f"pg_act_i{i}_ratio", ratio(a["activations_per_s"],
                                            sqlite_day[1]["activations_per_s"]))


def fmt(v, unit):
    if v is None:
        return "—"
    if unit == "×":
        return f"{v:.2f}×" if v >= 0.1 else f"{v:.4f}×"
    if unit in ("s", "MB", "ms"):
        return f"{v:.3g}" if abs(v) < 10 else f"{v:.1f}"
    return f"{v:,.0f}"


def verdict(median, target, direction):
    if target is None:
        return ""
    ok = median >= target if direction == "min" else median <= target
    if ok:
        return "met"
    if direction == "min":
        return f"missed: {median / target:.0%} of target"
    return f"missed: {median / target:.1f}× the limit" if target else "missed"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--mode", default="full")
    ap.add_argument("--json-out")
    ap.add_argument("--md-out")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()

    machine = {}
    for line in open(os.path.join(args.results, "machine.txt")):
        k, _, v = line.rstrip("\n").partition("=")
        machine[k] = v
    settings = dict(kv.split("=", 1) for kv in machine.get("mode", "").split()[1:] if "=" in kv)
    postgres = settings.get("postgres") == "1"
    per_run, notes, problems = collect(args.results, postgres)
    elapsed = open(os.path.join(args.results, "elapsed_s.txt")).read().strip()

    figures, rows = {}, []
    for key, label, unit, target, direction in FIGURES + (PG_FIGURES if postgres else []):
        vals = per_run.get(key)
        if not vals:
            rows.append(f"| {label} | — | — | — | {unit} | | no result |")
            continue
        med = statistics.median(vals)
        figures[key] = {"median": med, "min": min(vals), "max": max(vals), "runs": vals,
                        "unit": unit, "target": target, "target_is": direction}
        tgt = "" if target is None else ("≥ " if direction == "min" else "≤ ") + fmt(target, unit)
        v = verdict(med, target, direction)
        if target is not None and (req := scale_of(key)) and settings.get(req[0]) != str(req[1]):
            v = f"target is for {req[0]} {req[1]:,}"
        if key == "act_projected_s":
            v = "projected: " + v
        if notes.get(key):
            v = (v + "; " if v else "") + f"{notes[key]} failed requests not in the figure"
        figures[key]["verdict"] = v
        rows.append(f"| {label} | {fmt(med, unit)} | {fmt(min(vals), unit)} | "
                    f"{fmt(max(vals), unit)} | {unit} | {tgt} | {v} |")

    md = [f"### cgw benchmark ({args.mode} run, {machine.get('date', '')})", "",
          f"Machine: {machine.get('cpu')}, {machine.get('cores')} cores, "
          f"{machine.get('mem_gib')} GiB RAM, {machine.get('os')}, kernel {machine.get('kernel')}, "
          f"{machine.get('compiler')}, {machine.get('wrk')}; commit {machine.get('commit')}.",
          f"Settings: {machine.get('mode')}. Suite time {elapsed} s.", "",
          "| figure | median | min | max | unit | target | verdict |",
          "|---|---:|---:|---:|---|---|---|", *rows]
    if postgres:
        md += ["", f"PostgreSQL column (medians; {machine.get('postgres', 'PostgreSQL')}):", "",
               "| figure | SQLite, 1 instance | PostgreSQL, 1 instance | PostgreSQL, 2 instances |",
               "|---|---:|---:|---:|"]
        for label, *keys in PG_COLUMN:
            cells = [fmt(figures[k]["median"], figures[k]["unit"]) if k in figures else
                     ("1×" if k is None and "÷" in label else "—") for k in keys]
            md.append(f"| {label} | " + " | ".join(cells) + " |")
    prof_path = os.path.join(args.results, "profile.json")
    profile = load(prof_path) if os.path.exists(prof_path) else None
    if profile:
        md += ["", "Profile of the gateway under the closed-loop reserve load (`--profile`, "
               "perf record at 199 Hz, DWARF call graphs):", "",
               f"- flame graph: `{profile['svg']}`",
               f"- top of `perf report --no-children --sort dso,symbol`: `{profile['report']}`"]
        top = [l for l in open(profile["report"]) if not l.startswith("#")][:20]
        md += ["", "```", *[l.rstrip("\n") for l in top], "```"]
    if problems:
        md += ["", "Problems:", *[f"- {p}" for p in problems]]
    text = "\n".join(md) + "\n"
    sys.stdout.write(text)
    if args.md_out:
        open(args.md_out, "w").write(text)
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"mode": args.mode, "machine": machine, "suite_seconds": float(elapsed),
                       "figures": figures, "problems": problems, "profile": profile}, f, indent=1)
    if args.check and problems:
        print("bench smoke: FAILED", file=sys.stderr)
        return 1
    if args.check:
        print("bench smoke: every part produced numbers", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
