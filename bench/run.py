#!/usr/bin/env python3
"""Run the benchmark matrix with already-built programs; write JSON lines.

usage: run.py --bin DIR --out RESULTS.jsonl [--scaling]

DIR holds bench_<label> programs and versions.txt ("label version" lines),
as bench/build.sh makes them.  Python standard library only: this also runs
on a machine that has the built programs and nothing else of ours.

Every benchmark process runs under `timeout`, talks over 127.0.0.1 or ipc
paths in a private temporary folder (removed at the end), and the other
side of a run is ended as soon as the measuring side has its result.

The matrix is chosen with environment variables (defaults in brackets):

  LIBS              labels to run, in this order [all built]
  SECTIONS          thr lat fanout inproc [all four]; --scaling: scaling
  TRANSPORTS        [tcp ipc]
  THR_SIZES         [16 256 4096 65536 1048576]
  THR_PATTERNS      [pushpull]            THR_MODES, LAT_MODES  [buf]
  LAT_SIZES         [16 4096]             LAT_PATTERNS  [reqrep pair]
  LAT_ROUNDTRIPS    [10000]
  FANOUT_SIZES      [16]                  FANOUT_SUBS   [4]
  INPROC_THR_SIZES  [16 256 4096 65536]   INPROC_LAT_SIZES [16 4096]
  INPROC_LIBS       nanomsg-API programs and nanoport-cpp
  SCALE_N           [1 2 4 8]             SCALE_SIZES [16 4096]
  SCALE_TRANSPORTS  [tcp]                 SCALE_LIBS  [nanoport nanoport-cpp]
  REPS              [3] runs per configuration, interleaved across libraries
  THR_TARGET_S      [1.0] calibrated length of one throughput/fan-out run
  THR_COUNT         fixed message count (no calibration)
  TIMEOUT           [60] seconds, `timeout` of every benchmark process
  QUIET_WAIT        [0] wait up to N s for 5 quiet seconds (CPU busy below
  QUIET_BUSY        [25] percent) before starting
"""
import json
import os
import platform
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

NN_API = {"nanomsg", "nng-compat", "nanoport"}  # programs built from nn_bench.c


def env_list(name, default):
    return os.environ.get(name, default).split()


def env_num(name, default, kind=float):
    v = os.environ.get(name, "")
    return kind(v) if v.strip() else default


def log(msg):
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


class CpuMeter:
    """Busy share of all CPUs from /proc/stat, and how much of it was ours."""

    @staticmethod
    def stat():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
        return sum(v), v[3] + v[4]  # total, idle + iowait

    def __init__(self):
        self.t0, self.i0 = self.stat()
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.c0 = ru.ru_utime + ru.ru_stime

    def result(self):
        t1, i1 = self.stat()
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        c1 = ru.ru_utime + ru.ru_stime
        ticks = max(t1 - self.t0, 1)
        hz = os.sysconf("SC_CLK_TCK")
        busy = 100.0 * (1 - (i1 - self.i0) / ticks)
        ours = 100.0 * (c1 - self.c0) * hz / ticks
        return {"cpu_busy_pct": round(busy, 1), "cpu_ours_pct": round(min(ours, busy), 1),
                "cpu_others_pct": round(max(busy - ours, 0.0), 1)}


def quiet_wait(limit, busy_max):
    quiet, waited, busy = 0, 0, 0.0
    while waited < limit and quiet < 5:
        t0, i0 = CpuMeter.stat()
        time.sleep(1)
        t1, i1 = CpuMeter.stat()
        busy = 100.0 * (1 - (i1 - i0) / max(t1 - t0, 1))
        quiet = quiet + 1 if busy < busy_max else 0
        if waited % 15 == 0 and quiet == 0:
            log("waiting for a quiet machine: CPU %.0f%% busy" % busy)
        waited += 1
    log("CPU %.0f%% busy before the matrix (waited %d s, %d quiet seconds in a row)" % (busy, waited, quiet))
    return {"quiet_waited_s": waited, "quiet_seconds": quiet, "cpu_busy_before_pct": round(busy, 1)}


class Runner:
    def __init__(self, bindir, out, timeout):
        self.bindir = bindir
        self.out = out
        self.timeout = timeout
        self.work = tempfile.mkdtemp(prefix="nanoport-bench.")
        self.port = int(os.environ.get("BASE_PORT", 20000 + random.randrange(10000)))
        self.seq = 0
        self.versions = {}
        vf = os.path.join(bindir, "versions.txt")
        if os.path.exists(vf):
            with open(vf) as f:
                for line in f:
                    parts = line.rstrip("\n").split(" ", 1)
                    if parts and parts[0]:
                        self.versions[parts[0]] = parts[1] if len(parts) > 1 else ""
        self.failures = open(os.path.join(os.path.dirname(out) or ".", "failures.log"), "a")

    def close(self):
        shutil.rmtree(self.work, ignore_errors=True)
        self.failures.close()

    def binary(self, lib):
        return os.path.join(self.bindir, "bench_" + lib)

    def url(self, transport, ports=1):
        self.seq += 1
        if transport == "tcp":
            self.port += ports
            if self.port + ports > 32000:
                self.port = 20000
            return "tcp://127.0.0.1:%d" % self.port
        if transport == "ipc":
            return "ipc://%s/s%d" % (self.work, self.seq)
        if transport == "inproc":
            return "inproc://bench%d" % self.seq
        raise SystemExit("unknown transport %s" % transport)

    def sync_url(self, transport, data_url):
        if transport == "tcp":
            self.port += 1
            return "tcp://127.0.0.1:%d" % self.port
        return data_url + ".sync"

    # -- processes -------------------------------------------------------------

    def spawn(self, lib, args, tag, env=None):
        o = open(os.path.join(self.work, tag + ".out"), "w+")
        e = open(os.path.join(self.work, tag + ".err"), "w+")
        p = subprocess.Popen(["timeout", str(self.timeout), self.binary(lib)] + [str(a) for a in args],
                             stdout=o, stderr=e, env=env, start_new_session=True)
        p.files = (o, e)
        return p

    @staticmethod
    def stop(p):
        """Ends one benchmark process (its own process group: `timeout` and
        the program).  SIGTERM first, so that `timeout` reaps the program and
        its CPU time shows in our children's rusage; SIGKILL after 2 s."""
        for sig, wait_s in ((signal.SIGTERM, 2.0), (signal.SIGKILL, None)):
            if p.poll() is not None:
                break
            try:
                os.killpg(p.pid, sig)
            except ProcessLookupError:
                break
            try:
                p.wait(timeout=wait_s)
            except subprocess.TimeoutExpired:
                continue
        p.wait()

    @staticmethod
    def output(p):
        o, e = p.files
        o.seek(0)
        e.seek(0)
        out, err = o.read(), e.read()
        o.close()
        e.close()
        return out, err

    @staticmethod
    def first_json(text):
        for line in text.splitlines():
            if line.startswith("{"):
                try:
                    return json.loads(line)
                except ValueError:
                    pass
        return None

    def wait_ready(self, p, ready):
        for _ in range(2000):  # ~10 s
            if os.path.exists(ready) or p.poll() is not None:
                break
            time.sleep(0.005)
        return os.path.exists(ready)

    def record_failure(self, what, procs_text):
        self.failures.write("=== %s %s\n" % (time.strftime("%H:%M:%S"), what))
        for tag, (out, err) in procs_text:
            self.failures.write("--- %s stderr\n%s\n--- %s stdout\n%s\n" % (tag, err, tag, out))
        self.failures.flush()

    def run_pair(self, lib, test, transport, size, count, pattern, mode, env_extra=None, ports=1):
        """Two processes; returns (result dict or None, error text)."""
        lrole, rrole = ("local_thr", "remote_thr") if test == "thr" else ("local_lat", "remote_lat")
        err_text = ""
        for attempt in range(3):
            url = self.url(transport, ports)
            ready = os.path.join(self.work, "ready%d" % self.seq)
            env = dict(os.environ, BENCH_READY_FILE=ready, **(env_extra or {}))
            args = [url, size, count, pattern, mode]
            lp = self.spawn(lib, [lrole] + args, "local", env)
            if not self.wait_ready(lp, ready):
                self.stop(lp)
                out, err = self.output(lp)
                err_text = "bind failed on %s: %s" % (url, err.strip()[:300])
                continue  # a port that was taken: try a fresh one
            rp = self.spawn(lib, [rrole] + args, "remote", env)
            mp, op = (lp, rp) if test == "thr" else (rp, lp)
            while True:
                if mp.poll() is not None:
                    self.stop(op)  # the other side may still linger
                    break
                if op.poll() is not None and op.returncode != 0:
                    self.stop(mp)  # the other side failed: do not wait for the timeout
                    break
                time.sleep(0.005)
            rc = mp.returncode
            mo, me = self.output(mp)
            oo, oe = self.output(op)
            res = self.first_json(mo)
            if rc == 0 and res:
                return res, ""
            err_text = ("timeout after %ss; " % self.timeout if rc == 124 else "rc %s; " % rc) + \
                "measuring side: %s other side: %s" % (me.strip()[:300], oe.strip()[:300])
            self.record_failure("%s %s %s %s %s %s %s" % (lib, test, transport, size, count, pattern, mode),
                                [("measuring", (mo, me)), ("other", (oo, oe))])
            return None, err_text
        return None, err_text

    def run_inproc(self, lib, test, size, count, pattern, mode):
        url = self.url("inproc")
        p = self.spawn(lib, ["inproc_" + test, url, size, count, pattern, mode], "inproc")
        p.wait()
        out, err = self.output(p)
        res = self.first_json(out)
        if p.returncode == 0 and res:
            return res, ""
        self.record_failure("%s inproc %s %s %s" % (lib, test, size, count), [("inproc", (out, err))])
        return None, ("timeout; " if p.returncode == 124 else "rc %s; " % p.returncode) + err.strip()[:300]

    def run_fanout(self, lib, transport, size, count, subs):
        last = ""
        for attempt in range(3):
            url = self.url(transport)
            sync = self.sync_url(transport, url)
            ready = os.path.join(self.work, "ready%d" % self.seq)
            env = dict(os.environ, BENCH_READY_FILE=ready, BENCH_SYNC_URL=sync, BENCH_SUBS=str(subs))
            args = [url, size, count, "pubsub", "buf"]
            pub = self.spawn(lib, ["pub"] + args, "pub", env)
            if not self.wait_ready(pub, ready):
                self.stop(pub)
                err = self.output(pub)[1]
                last = "bind failed on %s: %s" % (url, err.strip()[:300])
                continue
            ss = [self.spawn(lib, ["sub"] + args, "sub%d" % i, env) for i in range(subs)]
            while pub.poll() is None:
                if any(s.poll() not in (None, 0) for s in ss):
                    break  # a subscriber failed
                time.sleep(0.005)
            if pub.poll() is None:
                time.sleep(0.2)
                self.stop(pub)
            else:
                for s in ss:  # they printed before answering "done"; give them a moment
                    for _ in range(100):
                        if s.poll() is not None:
                            break
                        time.sleep(0.01)
            for s in ss:
                self.stop(s)
            po, pe = self.output(pub)
            texts = [self.output(s) for s in ss]
            pres = self.first_json(po)
            sres = [self.first_json(t[0]) for t in texts]
            if pub.returncode == 0 and pres and all(sres):
                return self.merge_fanout(pres, sres), ""
            self.record_failure("%s fanout %s %s %s" % (lib, transport, size, count),
                                [("pub", (po, pe))] + [("sub%d" % i, t) for i, t in enumerate(texts)])
            return None, "pub rc %s: %s; subs: %s" % (
                pub.returncode, pe.strip()[:200], " | ".join(t[1].strip()[:100] for t in texts if t[1].strip()))
        return None, last

    @staticmethod
    def merge_fanout(pub, subs):
        rates = [s["msgs_per_s"] for s in subs]
        delivered = [s["delivered"] for s in subs]
        r = {k: pub[k] for k in ("lib", "api", "version", "transport", "pattern", "mode", "size", "count",
                                 "subs") if k in pub}
        r["test"] = "fanout"
        r["sent_total"] = pub["sent_total"]
        r["pub_elapsed_s"] = pub["elapsed_s"]
        r["pub_send_msgs_per_s"] = pub["send_msgs_per_s"]
        r["sub_msgs_per_s"] = rates
        r["delivered"] = delivered
        r["delivered_total"] = sum(delivered)
        r["msgs_per_s"] = round(sum(rates) / len(rates), 1)  # mean per-subscriber rate
        r["min_sub_msgs_per_s"] = min(rates)
        r["drops"] = pub.get("drops")
        if pub.get("drops") is not None:
            r["drops_per_pipe"] = pub.get("drops_per_pipe")
            r["accounted"] = r["sent_total"] == r["delivered_total"] + pub["drops"]
        else:
            r["accounted"] = None
        return r


class Matrix:
    def __init__(self, runner, out, libs):
        self.r = runner
        self.f = open(out, "a")
        self.libs = libs
        self.reps = env_num("REPS", 3, int)
        self.target = env_num("THR_TARGET_S", 1.0)
        self.fixed = env_num("THR_COUNT", 0, int)

    def emit(self, obj):
        self.f.write(json.dumps(obj, separators=(",", ":")) + "\n")
        self.f.flush()

    def record(self, rep, lib, key, res, err, show):
        if res:
            res = dict(res)
            res.update(key)
            line = {"type": "run", "rep": rep}
            line.update(res)
            self.emit(line)
            log("  %-13s %s rep %d: %s" % (lib, self.label(key), rep, show(res)))
        else:
            line = {"type": "run", "rep": rep, "lib": lib, "status": "fail", "error": err[:600]}
            line.update(key)
            self.emit(line)
            log("  %-13s %s rep %d: FAILED %s" % (lib, self.label(key), rep, err[:200]))

    @staticmethod
    def label(k):
        extra = (" N=%s" % k["streams"]) if "streams" in k else ""
        return "%-6s %-8s %-6s %7s B%s" % (k["test"], k.get("pattern", ""), k["transport"], k["size"], extra)

    @staticmethod
    def show_thr(r):
        return "%12.0f msg/s %10.1f MB/s (%.2fs)" % (r["msgs_per_s"], r["mb_per_s"], r["elapsed_s"])

    @staticmethod
    def show_lat(r):
        return "p50 %8.1f us  p99 %8.1f us  avg %8.1f us" % (r["p50_rtt_us"], r["p99_rtt_us"], r["avg_rtt_us"])

    @staticmethod
    def show_fan(r):
        acc = {True: "exact", False: "MISMATCH", None: "n/a"}[r["accounted"]]
        return "%10.0f msg/s per sub (min %.0f), delivered %d of %d, drops %s, accounting %s" % (
            r["msgs_per_s"], r["min_sub_msgs_per_s"], r["delivered_total"], r["sent_total"], r["drops"], acc)

    def calibrate(self, lib, key, run):
        """Pilot runs grow until one lasts 0.05 s; COUNT = rate * target, 2 digits."""
        if self.fixed:
            return self.fixed
        size = key["size"]
        n = min(max(2000000 // max(size, 1), 20), 2000)
        e = 0.0
        for _ in range(6):
            res, err = run(n)
            if not res:
                self.emit(dict({"type": "calib", "lib": lib, "pilot_count": n, "status": "fail",
                                "error": err[:400]}, **key))
                log("  %-13s %s calibration FAILED: %s" % (lib, self.label(key), err[:200]))
                return 0
            e = res.get("pub_elapsed_s", res.get("elapsed_s", 0))
            if e >= 0.05:
                break
            n = int(n * min(max(0.1 / e if e > 0 else 50, 2), 50))
        c = n * self.target / (e if e > 0 else 1e-6)
        c = min(max(c, 20), 50000000)
        p = 1
        while c >= 100:
            c /= 10
            p *= 10
        count = int(c + 0.5) * p
        self.emit(dict({"type": "calib", "lib": lib, "pilot_count": n, "pilot_elapsed_s": e, "count": count},
                       **key))
        return count

    def interleaved(self, libs, key, run, show, counts=None):
        for rep in range(1, self.reps + 1):
            for lib in libs:
                c = counts[lib] if counts else None
                if counts is not None and not c:
                    self.record(rep, lib, key, None, "calibration failed", show)
                    continue
                res, err = run(lib, c)
                self.record(rep, lib, key, res, err, show)

    # -- sections ----------------------------------------------------------------

    def thr(self):
        sizes = [int(s) for s in env_list("THR_SIZES", "16 256 4096 65536 1048576")]
        log("throughput: sizes %s" % sizes)
        for pattern in env_list("THR_PATTERNS", "pushpull"):
            for mode in env_list("THR_MODES", "buf"):
                for size in sizes:
                    for tr in env_list("TRANSPORTS", "tcp ipc"):
                        key = {"test": "thr", "transport": tr, "pattern": pattern, "mode": mode, "size": size}
                        counts = {}
                        for lib in self.libs:
                            counts[lib] = self.calibrate(lib, key, lambda n, lib=lib: self.r.run_pair(
                                lib, "thr", tr, size, n, pattern, mode))
                        self.interleaved(self.libs, key, lambda lib, c: self.r.run_pair(
                            lib, "thr", tr, size, c, pattern, mode), self.show_thr, counts)

    def lat(self):
        n = env_num("LAT_ROUNDTRIPS", 10000, int)
        log("latency: %d round trips" % n)
        for pattern in env_list("LAT_PATTERNS", "reqrep pair"):
            for mode in env_list("LAT_MODES", "buf"):
                for size in [int(s) for s in env_list("LAT_SIZES", "16 4096")]:
                    for tr in env_list("TRANSPORTS", "tcp ipc"):
                        key = {"test": "lat", "transport": tr, "pattern": pattern, "mode": mode, "size": size}
                        self.interleaved(self.libs, key, lambda lib, c: self.r.run_pair(
                            lib, "lat", tr, size, n, pattern, mode), self.show_lat)

    def fanout(self):
        subs = env_num("FANOUT_SUBS", 4, int)
        log("fan-out: 1 PUB, %d SUB processes" % subs)
        for size in [int(s) for s in env_list("FANOUT_SIZES", "16")]:
            for tr in env_list("TRANSPORTS", "tcp ipc"):
                key = {"test": "fanout", "transport": tr, "pattern": "pubsub", "mode": "buf", "size": size}
                counts = {}
                for lib in self.libs:
                    counts[lib] = self.calibrate(lib, key, lambda n, lib=lib: self.r.run_fanout(
                        lib, tr, size, n, subs))
                self.interleaved(self.libs, key, lambda lib, c: self.r.run_fanout(lib, tr, size, c, subs),
                                 self.show_fan, counts)

    def inproc(self):
        libs = [l for l in env_list("INPROC_LIBS", " ".join(
            l for l in self.libs if l in NN_API or l == "nanoport-cpp")) if l in self.libs]
        if not libs:
            return
        log("inproc: %s" % " ".join(libs))
        for size in [int(s) for s in env_list("INPROC_THR_SIZES", "16 256 4096 65536")]:
            key = {"test": "thr", "transport": "inproc", "pattern": "pushpull", "mode": "buf", "size": size}
            counts = {lib: self.calibrate(lib, key, lambda n, lib=lib: self.r.run_inproc(
                lib, "thr", size, n, "pushpull", "buf")) for lib in libs}
            self.interleaved(libs, key, lambda lib, c: self.r.run_inproc(lib, "thr", size, c, "pushpull", "buf"),
                             self.show_thr, counts)
        n = env_num("LAT_ROUNDTRIPS", 10000, int)
        for pattern in env_list("INPROC_LAT_PATTERNS", "reqrep"):
            for size in [int(s) for s in env_list("INPROC_LAT_SIZES", "16 4096")]:
                key = {"test": "lat", "transport": "inproc", "pattern": pattern, "mode": "buf", "size": size}
                self.interleaved(libs, key, lambda lib, c: self.r.run_inproc(lib, "lat", size, n, pattern, "buf"),
                                 self.show_lat)

    def scaling(self):
        libs = [l for l in env_list("SCALE_LIBS", "nanoport nanoport-cpp") if l in self.libs]
        ns = [int(x) for x in env_list("SCALE_N", "1 2 4 8")]
        log("scaling: %s, N = %s" % (" ".join(libs), ns))
        for size in [int(s) for s in env_list("SCALE_SIZES", "16 4096")]:
            for tr in env_list("SCALE_TRANSPORTS", "tcp"):
                base = {"test": "scale", "transport": tr, "pattern": "pushpull", "mode": "buf", "size": size}
                # per-stream COUNT: calibrated with one pair, the same for every N
                counts = {}
                for lib in libs:
                    counts[lib] = self.calibrate(lib, dict(base, streams=1), lambda c, lib=lib: self.r.run_pair(
                        lib, "thr", tr, size, c, "pushpull", "buf",
                        {"BENCH_STREAMS": "1", "NANOPORT_WORKERS": "1"}))
                for rep in range(1, self.reps + 1):
                    for n in ns:
                        for lib in libs:
                            key = dict(base, streams=n, workers=n)
                            if not counts[lib]:
                                self.record(rep, lib, key, None, "calibration failed", self.show_thr)
                                continue
                            res, err = self.r.run_pair(lib, "thr", tr, size, counts[lib], "pushpull", "buf",
                                                       {"BENCH_STREAMS": str(n), "NANOPORT_WORKERS": str(n)},
                                                       ports=max(ns) + 1)
                            self.record(rep, lib, key, res, err, self.show_thr)


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:
        return ""


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--scaling", action="store_true")
    ap.add_argument("--command", default="", help="the command line to record in the meta line")
    args = ap.parse_args(argv[1:])

    r = Runner(os.path.abspath(args.bin), os.path.abspath(args.out), env_num("TIMEOUT", 60, int))
    built = [l for l in ["nanomsg", "nng-compat", "nng", "zmq", "nanoport", "nanoport-cpp"]
             if os.access(r.binary(l), os.X_OK)]
    built += sorted(f[6:] for f in os.listdir(r.bindir)
                    if f.startswith("bench_") and f[6:] not in built and os.access(r.binary(f[6:]), os.X_OK))
    libs = [l for l in env_list("LIBS", " ".join(built)) if l in built]
    if not libs:
        raise SystemExit("run.py: no benchmark programs in %s" % r.bindir)
    sections = ["scaling"] if args.scaling else env_list("SECTIONS", "thr lat fanout inproc")

    quiet = {}
    if env_num("QUIET_WAIT", 0, int) > 0:
        quiet = quiet_wait(env_num("QUIET_WAIT", 0, int), env_num("QUIET_BUSY", 25.0))
    meta = {
        "type": "meta", "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "host": platform.node(), "nproc": os.cpu_count(), "kernel": platform.release(),
        "os": sh(". /etc/os-release 2>/dev/null; echo \"$PRETTY_NAME\""),
        "cpu": sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'"),
        "loadavg": open("/proc/loadavg").read().split()[:3],
        "libs": [{"lib": l, "version": r.versions.get(l, "")} for l in libs],
        "sections": sections, "reps": env_num("REPS", 3, int), "command": args.command,
        "thr_target_s": env_num("THR_TARGET_S", 1.0), "lat_roundtrips": env_num("LAT_ROUNDTRIPS", 10000, int),
        "nanoport_workers": os.environ.get("NANOPORT_WORKERS", ""),
    }
    meta.update(quiet)
    m = Matrix(r, args.out, libs)
    m.emit(meta)
    log("libraries: %s; sections: %s; results: %s" % (" ".join(libs), " ".join(sections), args.out))
    t0 = time.time()
    for s in sections:
        meter = CpuMeter()
        ts = time.time()
        getattr(m, s)()
        cpu = meter.result()
        m.emit(dict({"type": "section", "section": s, "wall_s": round(time.time() - ts, 1),
                     "loadavg": open("/proc/loadavg").read().split()[:3]}, **cpu))
        log("section %s: %.0f s; CPU busy %.0f%% (benchmark %.0f%%, everything else %.0f%%)" % (
            s, time.time() - ts, cpu["cpu_busy_pct"], cpu["cpu_ours_pct"], cpu["cpu_others_pct"]))
    m.emit({"type": "end", "wall_s": round(time.time() - t0, 1),
            "loadavg": open("/proc/loadavg").read().split()[:3]})
    r.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
