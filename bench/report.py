#!/usr/bin/env python3
"""make bench's report: reads the measured figures (JSON lines from bench/run.sh), prints a
Markdown table with each kplane figure, its ratio to the anchors measured in the same run,
the target and a verdict, and writes the whole result as JSON.
    report.py RESULTS.jsonl OUT.json QUICK"""
import datetime
import json
import os
import platform
import sys


def load(path):
    figs = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                r = json.loads(line)
                figs[r["name"]] = r["data"]
    return figs


def rate(v):
    return f"{v:,.0f}/s"


def main():
    figs = load(sys.argv[1])
    quick = sys.argv[3] == "1"
    rows = []  # (figure, kplane, anchors/ratios, target, verdict)

    def g(name, key, default=None):
        return figs.get(name, {}).get(key, default)

    def verdict(ok):
        if ok is None:
            return "-"
        return "met" if ok else "**missed**"

    for c in (1, 8, 64):
        k, pg, et = g(f"create@{c}", "rate"), g(f"pg_insert@{c}", "rate"), g(f"etcd_put@{c}", "rate")
        if k is None:
            continue
        rp = k / pg if pg else None
        re_ = k / et if et else None
        anchors = []
        if rp is not None:
            anchors.append(f"{rp:.2f}x pgbench ({rate(pg)})")
        if re_ is not None:
            anchors.append(f"{re_:.2f}x etcd ({rate(et)})")
        target, ok = "-", None
        if c == 8:
            target = ">= 1.0x pgbench, >= 3x etcd"
            ok = rp is not None and re_ is not None and rp >= 1.0 and re_ >= 3.0
        elif c == 64:
            target = ">= 1.5x pgbench"
            ok = rp is not None and rp >= 1.5
        errs = g(f"create@{c}", "errors", 0)
        kp = f"{rate(k)}, p99 {g(f'create@{c}', 'p99_ms'):.1f} ms" + (f", {errs} errors" if errs else "")
        rows.append((f"create ConfigMap @{c}", kp, "; ".join(anchors), target, verdict(ok)))

    if "get@8" in figs:
        p50, p99, r = g("get@8", "p50_ms"), g("get@8", "p99_ms"), g("get@8", "rate")
        anchors = []
        if g("pg_select@8", "lat_ms"):
            anchors.append(f"p50 {p50 / g('pg_select@8', 'lat_ms'):.1f}x pgbench select "
                           f"({g('pg_select@8', 'lat_ms'):.2f} ms avg)")
        if g("etcd_get@8", "p50_ms"):
            anchors.append(f"p50 {p50 / g('etcd_get@8', 'p50_ms'):.1f}x etcd range "
                           f"({g('etcd_get@8', 'p50_ms'):.2f} ms), rate {r / g('etcd_get@8', 'rate'):.2f}x")
        rows.append(("GET @8", f"p50 {p50:.2f} ms, p99 {p99:.2f} ms, {rate(r)}", "; ".join(anchors),
                     "p99 <= 2 ms", verdict(p99 <= 2.0)))

    if "update@8" in figs:
        u = figs["update@8"]
        pg = g("pg_insert@8", "rate")
        tot = u["ops"] + u["conflicts"]
        rows.append(("update, 8 clients on 4 objects",
                     f"{rate(u['rate'])} ok, {100.0 * u['conflicts'] / tot if tot else 0:.0f}% conflicts (409)",
                     f"{u['rate'] / pg:.2f}x pgbench inserts @8" if pg else "", "-", "-"))

    if "list" in figs:
        l = figs["list"]
        pgl = g("pg_list", "lat_ms")
        growth = l["rss_growth_kib"] * 1024
        ratio = growth / l["bytes"] if l["bytes"] else 0
        rows.append((f"LIST 10,000 ConfigMaps (JSON, {l['bytes'] / 1e6:.1f} MB)",
                     f"{l['ms']:.0f} ms, peak RSS growth {growth / 1e6:.1f} MB = {ratio:.2f}x response",
                     f"{l['ms'] / pgl:.2f}x PostgreSQL's select ({pgl:.0f} ms)" if pgl else "",
                     "<= 150 ms, growth <= 3x", verdict(l["ms"] <= 150 and ratio <= 3.0)))

    if "watch" in figs:
        w = figs["watch"]
        ok = w["missed"] == 0 and w["connected"] >= w["watchers"] and w["p99_ms"] <= 100
        rows.append((f"watch fan-out, {w['watchers']} watchers",
                     f"p50 {w['p50_ms']:.1f} ms, p99 {w['p99_ms']:.1f} ms ({w['writes']} writes, {w['missed']} missed)",
                     f"p99 {w['p99_ms'] / g('get@8', 'p50_ms'):.0f}x a GET's p50" if g("get@8", "p50_ms") else "",
                     "p99 <= 100 ms", verdict(ok)))

    if "ws_create" in figs:
        w = figs["ws_create"]
        pg = g("pg_insert@8", "rate")
        ok = w["rate"] >= 500 and w["errors"] == 0 and w["not_ready"] == 0
        rows.append(("workspace create to Ready @16",
                     f"{rate(w['rate'])}, p50 {w['p50_ms']:.1f} ms, p99 {w['p99_ms']:.1f} ms",
                     f"{w['rate'] / pg:.2f}x pgbench inserts @8" if pg else "", ">= 500/s", verdict(ok)))
    if "ws_idle" in figs:
        w = figs["ws_idle"]
        rows.append((f"resident memory per idle workspace ({w['workspaces']:,})",
                     f"{w['kib_per_ws']:.1f} KiB", f"{w['kib_per_ws'] / (8 * 1024):.4f}x kcp's published ~8 MiB",
                     "< 50 KiB", verdict(w["kib_per_ws"] < 50)))
    if "ws_delete" in figs:
        w = figs["ws_delete"]
        pgd = g("pg_delete", "seconds")
        rows.append((f"delete a workspace of {w['objects']:,} objects", f"{w['seconds'] * 1000:.0f} ms",
                     f"{w['seconds'] / pgd:.1f}x PostgreSQL's DELETE of 10,000 rows ({pgd * 1000:.0f} ms)" if pgd else "",
                     "< 5 s", verdict(w["seconds"] < 5)))
    if "mem" in figs:
        m = figs["mem"]
        rss = m["rss_kib"] * 1024
        ratio = rss / m["json_bytes"]
        # the target is for 100,000 objects: with fewer, the bounded watch window and the
        # process's base weigh more than the objects do
        full = m["objects"] >= 100000
        rows.append((f"resident memory, {m['objects']:,} stored ConfigMaps ({m['json_bytes'] / 1e6:.0f} MB JSON)",
                     f"kplane {rss / 1e6:.0f} MB = {ratio:.2f}x the JSON",
                     f"PostgreSQL holding them: {m['pg_pss_kib'] * 1024 / 1e6:.0f} MB PSS",
                     "<= 1.5x at 100,000" if full else "(at 100,000 only)",
                     verdict(ratio <= 1.5) if full else "-"))

    # rows the bench parts (bench/parts/*.sh) made themselves, in the order they ran
    for name, data in figs.items():
        r = data.get("row") if isinstance(data, dict) else None
        if r:
            rows.append((r.get("figure", name), r.get("kplane", ""), r.get("anchors", ""),
                         r.get("target", "-"), verdict(r.get("ok"))))

    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores"
    print(f"\n## kplane bench — {when}, {machine}{' (BENCH_QUICK)' if quick else ''}\n")
    print("| figure | kplane | against the anchors (same run) | target | verdict |")
    print("| --- | --- | --- | --- | --- |")
    for r in rows:
        print("| " + " | ".join(str(x) for x in r) + " |")
    missed = [r[0] for r in rows if "missed" in r[4]]
    print(f"\n{len(rows) - len(missed)} of {len(rows)} figures without a missed target"
          + (f"; missed: {', '.join(missed)}" if missed else ""))
    with open(sys.argv[2], "w") as f:
        json.dump({"date": when, "machine": machine, "quick": quick, "figures": figs,
                   "table": [dict(zip(("figure", "kplane", "anchors", "target", "verdict"), r)) for r in rows]},
                  f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
