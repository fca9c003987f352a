#!/usr/bin/env python3
"""Medians, ratios against the best peer, the issue's targets, and a chart.

usage: report.py RESULTS.jsonl [--md OUT.md] [--chart-dir DIR] [--no-chart]

Reads what bench/run.py wrote (types meta, calib, run, section, end), appends
one "median" line per configuration to RESULTS.jsonl (replacing earlier
ones), prints the markdown report and writes it to OUT.md (default: next to
RESULTS.jsonl, results.md).  With gnuplot installed it also draws
chart.png (ratio to the best peer per row, targets marked) and
chart-throughput.png into DIR (default: the folder of RESULTS.jsonl).

Peers are nanomsg, nng-compat, nng and zmq; the nanoport rows are nanoport
(the nanomsg C API program, unchanged) and nanoport-cpp (the C++ API).
Standard library only.
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
from collections import OrderedDict

PEERS = ["nanomsg", "nng-compat", "nng", "zmq"]
OURS = ["nanoport", "nanoport-cpp"]
NOISY = 1.5  # a cell whose runs differ by more than this factor is marked "~"

THR_TARGET = {16: 3.0, 256: 3.0, 4096: 2.0, 65536: 1.5, 1048576: 1.5}
LAT_P50_TARGET = 0.7  # nanoport p50 <= 0.7 x best peer's p50
LAT_P99_TARGET = 1.0  # nanoport p99 <= best peer's p99
FANOUT_TARGET = 3.0
INPROC_TARGET = 2.0   # vs nanomsg: 2x the throughput, half the latency
SCALE_TARGET = 0.6    # aggregate(N) >= 0.6 N aggregate(1)


def load(path):
    out = []
    with open(path) as f:
        for n, raw in enumerate(f, 1):
            raw = raw.strip()
            if raw:
                try:
                    out.append(json.loads(raw))
                except ValueError as e:
                    sys.stderr.write("report: %s:%d: bad JSON (%s)\n" % (path, n, e))
    return out


def cfg_key(r):
    return (r["test"], r["transport"], r.get("pattern", ""), r.get("mode", "buf"), int(r["size"]),
            int(r.get("streams", 0)), r["lib"])


MAIN = {"thr": "msgs_per_s", "scale": "msgs_per_s", "fanout": "msgs_per_s", "lat": "p50_rtt_us"}
METRICS = {
    "thr": ["msgs_per_s", "mb_per_s", "elapsed_s", "count"],
    "scale": ["msgs_per_s", "mb_per_s", "elapsed_s", "count"],
    "lat": ["p50_rtt_us", "p99_rtt_us", "avg_rtt_us", "avg_oneway_us", "min_rtt_us", "max_rtt_us"],
    "fanout": ["msgs_per_s", "min_sub_msgs_per_s", "pub_send_msgs_per_s", "delivered_total", "sent_total",
               "count"],
}


def medians(lines):
    groups = OrderedDict()
    for r in lines:
        if r.get("type") == "run":
            groups.setdefault(cfg_key(r), []).append(r)
    med = OrderedDict()
    for k, runs in groups.items():
        test, transport, pattern, mode, size, streams, lib = k
        ok = [r for r in runs if r.get("status", "ok") != "fail"]
        m = OrderedDict(type="median", lib=lib, test=test, transport=transport, pattern=pattern, mode=mode,
                        size=size)
        if streams:
            m["streams"] = streams
        m["reps"], m["ok"] = len(runs), len(ok)
        for name in METRICS.get(test, []):
            vals = [r[name] for r in ok if isinstance(r.get(name), (int, float))]
            if vals:
                v = statistics.median(vals)
                m[name] = round(v, 3) if isinstance(v, float) else v
        m["samples"] = [r.get(MAIN[test]) for r in ok]
        if test == "fanout":
            acc = [r.get("accounted") for r in ok]
            m["accounted"] = None if all(a is None for a in acc) else sum(1 for a in acc if a)
            m["drops"] = [r.get("drops") for r in ok]
        if len(ok) < len(runs):
            m["errors"] = [r.get("error", "")[:200] for r in runs if r.get("status") == "fail"]
        med[k] = m
    return med


def fmt_size(s):
    if s >= 1 << 20 and s % (1 << 20) == 0:
        return "%d MiB" % (s >> 20)
    if s >= 1024 and s % 1024 == 0:
        return "%d KiB" % (s >> 10)
    return "%d B" % s


def fmt_num(v):
    if v is None:
        return "-"
    if v >= 999.5:
        return "{:,}".format(int(round(v)))
    if v >= 99.95:
        return "%.0f" % v
    return "%.1f" % v


def fmt_ratio(x):
    return "-" if x is None else ("%.2fx" % x if x < 10 else "%.1fx" % x)


def noisy(m):
    s = [x for x in m.get("samples", []) if x]
    return len(s) > 1 and max(s) > NOISY * min(s)


def cell(m, name, mark=True):
    if m is None:
        return ""
    if m["ok"] == 0:
        return "FAIL"
    c = fmt_num(m.get(name))
    if mark and noisy(m):
        c += " ~"
    if m["ok"] < m["reps"]:
        c += " (%d/%d)" % (m["ok"], m["reps"])
    return c


class Report:
    def __init__(self, lines):
        self.lines = lines
        self.meta = next((r for r in lines if r.get("type") == "meta"), {})
        self.sections = [r for r in lines if r.get("type") == "section"]
        self.end = next((r for r in lines if r.get("type") == "end"), {})
        self.med = medians(lines)
        libs = [l["lib"] for l in self.meta.get("libs", [])]
        for k in self.med:
            if k[-1] not in libs:
                libs.append(k[-1])
        order = PEERS + OURS
        self.cols = [l for l in order if l in libs] + [l for l in libs if l not in order]
        self.peers = [l for l in self.cols if l in PEERS]
        self.ours = [l for l in self.cols if l in OURS]
        self.verdicts = []  # (row label, lib, value, target, met) for the summary and the chart

    def rows(self, test, transport_filter):
        rows = OrderedDict()
        for k, m in self.med.items():
            t, transport, pattern, mode, size, streams, lib = k
            if t != test or not transport_filter(transport):
                continue
            rows.setdefault((pattern, mode, size, transport, streams), {})[lib] = m
        return rows

    @staticmethod
    def ok(m):
        return m is not None and m["ok"] > 0

    def best(self, row, name, higher):
        cands = [(m[name], lib) for lib, m in row.items() if lib in self.peers and self.ok(m) and name in m]
        if not cands:
            return None, None
        return (max if higher else min)(cands)

    def verdict(self, label, lib, ratio, target, higher, chart_value, chart_target):
        if ratio is None:
            met = None
        else:
            met = ratio >= target if higher else ratio <= target
        self.verdicts.append(dict(label=label, lib=lib, ratio=ratio, target=target, higher=higher, met=met,
                                  chart_value=chart_value, chart_target=chart_target))
        return met

    @staticmethod
    def met_text(met, ratio, target, higher):
        if met is None:
            return "n/a"
        if met:
            return "**met**"
        need = target / ratio if higher else ratio / target
        return "missed (needs %s)" % ("%.2fx" % need if need < 10 else "%.0fx" % need)

    # -- tables -------------------------------------------------------------------

    def table_thr(self, transports, title, vs_peers=True):
        rows = self.rows("thr", lambda t: t in transports)
        if not rows:
            return []
        cols = self.cols if vs_peers else [l for l in self.cols if l in ("nanomsg", "nng-compat") or l in OURS]
        hdr = ["size / transport"] + cols
        out = ["### " + title, "", "Messages/s (MB/s below the line for 64 KiB and up); median of the runs.", ""]
        out += ["| " + " | ".join(hdr) + " |", "|---|" + "---:|" * len(cols)]
        keys = sorted(rows, key=lambda k: (k[0], k[1], k[2], transports.index(k[3])))
        for k in keys:
            pattern, mode, size, transport, _ = k
            row = rows[k]
            name = "mb_per_s" if size >= 65536 else "msgs_per_s"
            label = "%s / %s%s" % (fmt_size(size), transport, "" if pattern == "pushpull" else " / " + pattern)
            if name == "mb_per_s":
                label += " (MB/s)"
            out.append("| " + " | ".join([label] + [cell(row.get(l), name) for l in cols]) + " |")
        out.append("")
        return out

    def targets_thr(self):
        out = []
        rows = self.rows("thr", lambda t: t in ("tcp", "ipc"))
        for k in sorted(rows, key=lambda k: (k[2], k[3] != "tcp")):
            pattern, mode, size, transport, _ = k
            if pattern != "pushpull" or mode != "buf":
                continue
            row = rows[k]
            target = THR_TARGET.get(size, 1.5)
            name = "mb_per_s" if size >= 65536 else "msgs_per_s"
            unit = "MB/s" if size >= 65536 else "msg/s"
            bv, bl = self.best(row, name, True)
            label = "PUSH/PULL %s %s" % (fmt_size(size), transport)
            cells = [label, "%s %s (%s)" % (fmt_num(bv), unit, bl) if bl else "-"]
            for lib in self.ours:
                m = row.get(lib)
                v = m.get(name) if self.ok(m) else None
                r = v / bv if (v is not None and bv) else None
                met = self.verdict(label, lib, r, target, True, r, target)
                cells.append("%s (%s) %s" % (fmt_num(v), fmt_ratio(r), self.met_text(met, r, target, True)))
            cells.append(">= %gx" % target)
            out.append("| " + " | ".join(cells) + " |")
        return out

    def targets_lat(self):
        out = []
        rows = self.rows("lat", lambda t: t in ("tcp", "ipc"))
        for k in sorted(rows, key=lambda k: (k[0] != "reqrep", k[0], k[2], k[3] != "tcp")):
            pattern, mode, size, transport, _ = k
            row = rows[k]
            pname = {"reqrep": "REQ/REP", "pair": "PAIR"}.get(pattern, pattern)
            for metric, target in (("p50_rtt_us", LAT_P50_TARGET), ("p99_rtt_us", LAT_P99_TARGET)):
                bv, bl = self.best(row, metric, False)
                label = "%s %s %s %s" % (pname, fmt_size(size), transport, metric[:3])
                cells = [label + " rtt", "%s us (%s)" % (fmt_num(bv), bl) if bl else "-"]
                for lib in self.ours:
                    m = row.get(lib)
                    v = m.get(metric) if self.ok(m) else None
                    r = v / bv if (v is not None and bv) else None
                    met = self.verdict(label, lib, r, target, False, (1 / r) if r else None, 1 / target)
                    cells.append("%s us (%s) %s" % (fmt_num(v), fmt_ratio(r), self.met_text(met, r, target, False)))
                cells.append("<= %gx" % target)
                out.append("| " + " | ".join(cells) + " |")
        return out

    def targets_fanout(self):
        out = []
        rows = self.rows("fanout", lambda t: True)
        for k in sorted(rows, key=lambda k: (k[2], k[3] != "tcp")):
            pattern, mode, size, transport, _ = k
            row = rows[k]
            bv, bl = self.best(row, "msgs_per_s", True)
            label = "PUB/SUB fan-out %s %s" % (fmt_size(size), transport)
            cells = [label + " (per SUB)", "%s msg/s (%s)" % (fmt_num(bv), bl) if bl else "-"]
            for lib in self.ours:
                m = row.get(lib)
                v = m.get("msgs_per_s") if self.ok(m) else None
                r = v / bv if (v is not None and bv) else None
                met = self.verdict(label, lib, r, FANOUT_TARGET, True, r, FANOUT_TARGET)
                acc = ""
                if self.ok(m) and m.get("accounted") is not None:
                    acc = "; sent = delivered + drops in %d/%d runs" % (m["accounted"], m["ok"])
                cells.append("%s (%s) %s%s" % (fmt_num(v), fmt_ratio(r),
                                               self.met_text(met, r, FANOUT_TARGET, True), acc))
            cells.append(">= %gx, exact drops" % FANOUT_TARGET)
            out.append("| " + " | ".join(cells) + " |")
        return out

    def targets_inproc(self):
        out = []
        for test, metric, higher in (("thr", "msgs_per_s", True), ("lat", "p50_rtt_us", False)):
            rows = self.rows(test, lambda t: t == "inproc")
            for k in sorted(rows, key=lambda k: k[2]):
                pattern, mode, size, transport, _ = k
                row = rows[k]
                base = row.get("nanomsg")
                bv = base.get(metric) if self.ok(base) else None
                label = "inproc %s %s %s" % ("PUSH/PULL" if test == "thr" else
                                             {"reqrep": "REQ/REP", "pair": "PAIR"}.get(pattern, pattern),
                                             fmt_size(size), "msg/s" if test == "thr" else "p50 rtt")
                unit = "msg/s" if test == "thr" else "us"
                cells = [label, "%s %s (nanomsg)" % (fmt_num(bv), unit) if bv else "-"]
                target = INPROC_TARGET if higher else 1 / INPROC_TARGET
                for lib in self.ours:
                    m = row.get(lib)
                    v = m.get(metric) if self.ok(m) else None
                    r = v / bv if (v is not None and bv) else None
                    chart = r if higher else ((1 / r) if r else None)
                    met = self.verdict(label, lib, r, target, higher, chart, INPROC_TARGET)
                    cells.append("%s %s (%s) %s" % (fmt_num(v), unit, fmt_ratio(r),
                                                    self.met_text(met, r, target, higher)))
                cells.append((">= %gx" if higher else "<= %gx") % target)
                out.append("| " + " | ".join(cells) + " |")
        return out

    def table_lat(self, transports, title, cols=None):
        rows = self.rows("lat", lambda t: t in transports)
        if not rows:
            return []
        cols = cols or self.cols
        out = ["### " + title, "", "Round trip p50 / p99 in microseconds; median of the runs.", "",
               "| size / transport / pattern | " + " | ".join(cols) + " |", "|---|" + "---:|" * len(cols)]
        for k in sorted(rows, key=lambda k: (k[0] != "reqrep", k[0], k[2], transports.index(k[3]))):
            pattern, mode, size, transport, _ = k
            row = rows[k]
            cells = []
            for l in cols:
                m = row.get(l)
                if m is None:
                    cells.append("")
                elif m["ok"] == 0:
                    cells.append("FAIL")
                else:
                    cells.append("%s / %s%s" % (fmt_num(m.get("p50_rtt_us")), fmt_num(m.get("p99_rtt_us")),
                                                " ~" if noisy(m) else ""))
            out.append("| %s / %s / %s | %s |" % (fmt_size(size), transport, pattern, " | ".join(cells)))
        out.append("")
        return out

    def table_fanout(self):
        rows = self.rows("fanout", lambda t: True)
        if not rows:
            return []
        out = ["### PUB/SUB fan-out: 1 PUB process, %s SUB processes" % self.meta_subs(), "",
               "Per subscriber: delivered messages / time from its first to its last delivered message, "
               "the clock read at every 64th "
               "(mean of the subscribers, median of the runs). Delivered: share of the messages sent to all "
               "subscribers that arrived. Drops: what the publisher counted (only nanoport's C++ API exposes "
               "a per-pipe drop counter; nanomsg, NNG and ZeroMQ count none).", "",
               "| size / transport | library | per-SUB msg/s | slowest SUB msg/s | PUB send msg/s | delivered | "
               "drops counted | sent = delivered + drops |", "|---|---|---:|---:|---:|---:|---:|---|"]
        for k in sorted(rows, key=lambda k: (k[2], k[3] != "tcp")):
            pattern, mode, size, transport, _ = k
            for lib in self.cols:
                m = rows[k].get(lib)
                if m is None:
                    continue
                if m["ok"] == 0:
                    out.append("| %s / %s | %s | FAIL | | | | | |" % (fmt_size(size), transport, lib))
                    continue
                share = (100.0 * m["delivered_total"] / m["sent_total"]) if m.get("sent_total") else 0
                drops = [d for d in m.get("drops", []) if d is not None]
                acc = "n/a" if m.get("accounted") is None else "%d/%d runs exact" % (m["accounted"], m["ok"])
                out.append("| %s / %s | %s | %s | %s | %s | %.1f %% | %s | %s |" % (
                    fmt_size(size), transport, lib, cell(m, "msgs_per_s"), fmt_num(m.get("min_sub_msgs_per_s")),
                    fmt_num(m.get("pub_send_msgs_per_s")), share,
                    fmt_num(statistics.median(drops)) if drops else "-", acc))
        out.append("")
        return out

    def meta_subs(self):
        for r in self.lines:
            if r.get("type") == "run" and r.get("test") == "fanout" and r.get("subs"):
                return r["subs"]
        return 4

    def table_scaling(self):
        rows = self.rows("scale", lambda t: True)
        if not rows:
            return []
        nproc = self.meta.get("nproc") or 0
        out = ["### Scaling: N independent PUSH/PULL pairs in one process pair, NANOPORT_WORKERS=N", "",
               "Aggregate messages/s of all N streams (median of the runs); efficiency = aggregate(N) / "
               "(N x aggregate(1)); target >= %.1f up to N = 8. This machine has %s cores: each process "
               "runs N worker threads plus N application threads, so past N = %d the streams share cores "
               "and the fair check there is only that the aggregate does not fall below one pair's." % (
                   SCALE_TARGET, nproc, max(nproc // 2, 1)), "",
               "| library / size / transport | N | aggregate msg/s | per stream | efficiency | target "
               "0.6 N x one pair | no regression vs N=1 |", "|---|---:|---:|---:|---:|---|---|"]
        groups = OrderedDict()
        for k, row in rows.items():
            pattern, mode, size, transport, streams = k
            for lib, m in row.items():
                groups.setdefault((lib, size, transport), {})[streams] = m
        for (lib, size, transport), by_n in groups.items():
            one = by_n.get(1)
            base = one.get("msgs_per_s") if self.ok(one) else None
            for n in sorted(by_n):
                m = by_n[n]
                v = m.get("msgs_per_s") if self.ok(m) else None
                eff = v / (n * base) if (v and base) else None
                met = None if eff is None else eff >= SCALE_TARGET
                if n > 1:
                    self.verdicts.append(dict(label="scaling %s %s N=%d" % (fmt_size(size), transport, n), lib=lib,
                                              ratio=eff, target=SCALE_TARGET, higher=True, met=met,
                                              chart_value=None, chart_target=None))
                out.append("| %s / %s / %s | %d | %s | %s | %s | %s | %s |" % (
                    lib, fmt_size(size), transport, n, cell(m, "msgs_per_s"),
                    fmt_num(v / n) if v else "-", "%.2f" % eff if eff is not None else "-",
                    "-" if n == 1 else self.met_text(met, eff, SCALE_TARGET, True),
                    "-" if (n == 1 or not v or not base) else ("yes" if v >= base else "no (%.2fx)" % (v / base))))
        out.append("")
        return out

    # -- the whole report ---------------------------------------------------------

    def header(self):
        m = self.meta
        md = ["# nanoport vs nanomsg, NNG and ZeroMQ", ""]
        md.append("- date: %s; host `%s`; %s cores; %s; kernel %s; CPU %s" % (
            m.get("date"), m.get("host"), m.get("nproc"), m.get("os"), m.get("kernel"), m.get("cpu")))
        if m.get("command"):
            md.append("- command: `%s`" % m["command"])
        md.append("- libraries: " + ", ".join("%s %s" % (l["lib"], l.get("version") or "")
                                              for l in m.get("libs", [])))
        md.append("- method: two processes per run (receiver or echo side binds, the other connects) over "
                  "127.0.0.1 or an ipc path, a fresh port or path each run; inproc runs both ends as threads of "
                  "one process; every cell is the median of %s runs, repeated interleaved across libraries "
                  "(run 1 of every library, then run 2, ...); throughput runs are calibrated to last ~%s s, "
                  "latency runs are %s timed round trips after up to 1000 untimed ones" % (
                      m.get("reps"), m.get("thr_target_s"), m.get("lat_roundtrips")))
        busy = []
        for s in self.sections:
            busy.append("%s %.0f s, CPU %.0f%% busy (benchmark %.0f%%, rest %.0f%%), load %s" % (
                s["section"], s.get("wall_s", 0), s.get("cpu_busy_pct", 0), s.get("cpu_ours_pct", 0),
                s.get("cpu_others_pct", 0), "/".join(s.get("loadavg", []))))
        md.append("- machine load: load average %s at the start%s; per section: %s" % (
            "/".join(m.get("loadavg", [])),
            ("; waited %s s for a quiet machine (CPU %s%% busy then)" % (m.get("quiet_waited_s"),
                                                                       m.get("cpu_busy_before_pct"))
             if "quiet_waited_s" in m else ""), "; ".join(busy) or "-"))
        if self.end:
            md.append("- whole run: %.0f s" % self.end.get("wall_s", 0))
        md.append("- `~`: the runs of that cell differ by more than %.1fx; `(k/n)`: only k of n runs "
                  "succeeded" % NOISY)
        md.append("")
        return md

    def build(self):
        md = self.header()
        target_rows = self.targets_thr() + self.targets_lat() + self.targets_fanout() + self.targets_inproc()
        scaling = self.table_scaling()
        if target_rows:
            md += ["## Targets of issue #6", "",
                   "Ratio = nanoport / best peer of the same row in this run (for latency: lower is better). "
                   "The best peer is the fastest of %s for that row; inproc rows compare with nanomsg's inproc." %
                   ", ".join(self.peers), "",
                   "| row | best peer | " + " | ".join(self.ours) + " | target |",
                   "|---|---:|" + "---|" * len(self.ours) + "---|"]
            md += target_rows
            md.append("")
            counted = [v for v in self.verdicts if v["met"] is not None]
            for lib in self.ours:
                mine = [v for v in counted if v["lib"] == lib]
                md.append("- %s: %d of %d targets met" % (lib, sum(1 for v in mine if v["met"]), len(mine)))
            md.append("")
        md += self.table_thr(["tcp", "ipc"], "Throughput, PUSH/PULL")
        md += self.table_lat(["tcp", "ipc"], "Latency, round trip")
        md += self.table_fanout()
        inproc_cols = [l for l in self.cols if any(k[1] == "inproc" and k[-1] == l for k in self.med)]
        md += self.table_thr(["inproc"], "inproc throughput (one process)", vs_peers=False)
        md += self.table_lat(["inproc"], "inproc latency (one process)", cols=inproc_cols)
        md += scaling
        fails = [m for m in self.med.values() if m["ok"] < m["reps"]]
        if fails:
            md += ["### Failed runs", ""]
            for m in fails:
                md.append("- %s %s %s %s %s: %d of %d failed: %s" % (
                    m["lib"], m["test"], m["transport"], m["pattern"], fmt_size(m["size"]), m["reps"] - m["ok"],
                    m["reps"], "; ".join(m.get("errors", []))[:300]))
            md.append("")
        return "\n".join(md)

    # -- chart --------------------------------------------------------------------

    def chart(self, out_dir):
        if not shutil.which("gnuplot"):
            sys.stderr.write("report: gnuplot not installed, no chart\n")
            return []
        labels = []
        for v in self.verdicts:
            if v["chart_target"] is not None and v["label"] not in labels:
                labels.append(v["label"])
        made = []
        if labels:
            dat = os.path.join(out_dir, "chart-ratios.dat")
            with open(dat, "w") as f:
                f.write("# row  " + "  ".join(self.ours) + "  target   (x better than the best peer)\n")
                for lab in labels:
                    vals = []
                    tgt = None
                    for lib in self.ours:
                        v = next((x for x in self.verdicts if x["label"] == lab and x["lib"] == lib), None)
                        vals.append("%.4f" % v["chart_value"] if v and v["chart_value"] else "?")
                        if v:
                            tgt = v["chart_target"]
                    f.write('"%s" %s %.4f\n' % (lab, " ".join(vals), tgt or 1))
            vals = [v["chart_value"] for v in self.verdicts if v["chart_value"]]
            vals += [v["chart_target"] for v in self.verdicts if v["chart_target"]]
            lo = min([0.5] + [x / 1.5 for x in vals])
            hi = max([4.0] + [x * 1.5 for x in vals])
            plots = []
            for i, lib in enumerate(self.ours):
                plots.append("'%s' using %d:xtic(1) title '%s'" % (os.path.basename(dat), i + 2, lib))
            plots.append("'' using ($0):%d with points pt 7 ps 1.2 lc rgb 'black' title 'target'"
                         % (len(self.ours) + 2))
            plots.append("1 with lines lc rgb 'gray' dt 2 notitle")
            script = "\n".join([
                "set terminal pngcairo size %d,700 font 'sans,9'" % max(900, 28 * len(labels) + 200),
                "set output 'chart.png'",
                "set title 'nanoport vs the best peer of each row (%s); above 1 = better, dot = the target'"
                % self.meta.get("date", ""),
                "set datafile missing '?'",
                "set style data histograms", "set style histogram clustered gap 1",
                "set style fill solid 0.8 border -1", "set boxwidth 0.9",
                "set logscale y 2", "set yrange [%g:%g]" % (lo, hi), "set ylabel 'x the best peer (log scale)'",
                "set xtics rotate by -50 scale 0", "set grid ytics", "set key top left",
                "set bmargin 12", "set rmargin 10",
                "plot " + ", ".join(plots), ""])
            made += self.gnuplot(script, out_dir, "chart.png")
        # absolute throughput per library
        rows = self.rows("thr", lambda t: t in ("tcp", "ipc", "inproc"))
        keys = [k for k in sorted(rows, key=lambda k: (k[3] == "inproc", k[2], k[3] != "tcp"))
                if k[0] == "pushpull"]
        if keys:
            dat = os.path.join(out_dir, "chart-throughput.dat")
            with open(dat, "w") as f:
                f.write("# row " + " ".join(self.cols) + "  (MB/s)\n")
                for k in keys:
                    vals = []
                    for l in self.cols:
                        m = rows[k].get(l)
                        vals.append("%.3f" % m["mb_per_s"] if self.ok(m) and m.get("mb_per_s") else "?")
                    f.write('"%s %s" %s\n' % (fmt_size(k[2]), k[3], " ".join(vals)))
            plots = ["'%s' using %d:xtic(1) title '%s'" % (os.path.basename(dat), i + 2, l)
                     for i, l in enumerate(self.cols)]
            script = "\n".join([
                "set terminal pngcairo size 1100,600 font 'sans,9'",
                "set output 'chart-throughput.png'",
                "set title 'PUSH/PULL throughput, MB/s (log scale), median of the runs'",
                "set datafile missing '?'", "set style data histograms", "set style histogram clustered gap 1",
                "set style fill solid 0.8 border -1", "set logscale y 10", "set grid ytics",
                "set xtics rotate by -40 scale 0", "set key top left", "set bmargin 6",
                "plot " + ", ".join(plots), ""])
            made += self.gnuplot(script, out_dir, "chart-throughput.png")
        return made

    @staticmethod
    def gnuplot(script, out_dir, name):
        gp = os.path.join(out_dir, name.replace(".png", ".gp"))
        with open(gp, "w") as f:
            f.write(script)
        r = subprocess.run(["gnuplot", os.path.basename(gp)], capture_output=True, text=True, cwd=out_dir)
        if r.returncode != 0:
            sys.stderr.write("report: gnuplot failed for %s: %s\n" % (name, r.stderr[-500:]))
            return []
        return [name]


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    path = argv[1]
    out_dir = os.path.dirname(os.path.abspath(path))
    md_path = os.path.join(out_dir, "results.md")
    if "--md" in argv:
        md_path = argv[argv.index("--md") + 1]
    if "--chart-dir" in argv:
        out_dir = argv[argv.index("--chart-dir") + 1]
    lines = [r for r in load(path) if r.get("type") != "median"]
    rep = Report(lines)
    text = rep.build()
    charts = [] if "--no-chart" in argv else rep.chart(out_dir)
    if charts:
        text += "\n" + "\n".join("![%s](%s)" % (c, c) for c in charts) + "\n"
    print(text)
    with open(md_path, "w") as f:
        f.write(text + "\n")
    with open(path, "w") as f:
        for r in lines:
            f.write(json.dumps(r, separators=(",", ":")) + "\n")
        for m in rep.med.values():
            f.write(json.dumps(m, separators=(",", ":")) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
