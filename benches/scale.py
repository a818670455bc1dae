#!/usr/bin/env python3
"""Speed at scale, as a user runs the binary, beside the same reads done by the
sqlite3 CLI. Public tools only: python3, sqlite3, /usr/bin/time.

    python3 benches/scale.py [--accounts 100] [--years 5] [--work DIR]

Builds (once, cached in DIR) a history of ACCOUNTS accounts x YEARS of 5-minute
samples through `socialtop import history` (so it is filled the way real data
is), a daily time entry per account over the same years (`import timewarrior`), and 1,000 / 5,000 / 20,000-account configs; then
times each command (median of 3 runs, wall clock and peak RSS from
/usr/bin/time) and the raw SQL it needs, and prints the table with ratios.
"""
import argparse, http.server, json, os, shutil, socketserver, statistics, subprocess, sys, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "socialtop")
STEP = 300  # 5 minutes


def sh(args, **kw):
    return subprocess.run(args, check=True, **kw)


def timed(args, env=None, runs=5, stdin=None):
    """Median wall seconds and max peak RSS (KiB) of `args` over `runs` runs,
    each reading the file `stdin` (a path) from its start."""
    walls, rss = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        with open(stdin or os.devnull) as inp:
            p = subprocess.run(["/usr/bin/time", "-f", "%M"] + args, env=env, stdin=inp,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        walls.append(time.perf_counter() - t0)
        if p.returncode not in (0, 1):
            sys.exit(f"{args}: exit {p.returncode}: {p.stderr[-500:]}")
        rss.append(int(p.stderr.strip().splitlines()[-1]))
    return statistics.median(walls), max(rss)


def config(path, n, base=None, platform="manual"):
    with open(path, "w") as f:
        f.write('request_timeout = "10s"\n')
        for i in range(n):
            if base:
                f.write(f'[[accounts]]\nplatform = "github"\nhandle = "user{i}"\nbase_url = "{base}"\n')
            else:
                f.write(f'[[accounts]]\nplatform = "{platform}"\nhandle = "acct{i:05d}"\n')


def build_history(work, accounts, years, now):
    data = os.path.join(work, "data")
    done = os.path.join(work, "complete")
    if os.path.exists(done):
        return data
    shutil.rmtree(data, ignore_errors=True)
    env = env_for(work, os.path.join(work, "big.toml"))
    start = now - years * 365 * 86400
    per = (now - start) // STEP
    print(f"building {accounts} x {per:,} samples through `import history` ...", file=sys.stderr)
    t0 = time.perf_counter()
    p = subprocess.Popen([BIN, "import", "history", "-"], env=env, stdin=subprocess.PIPE, text=True,
                         stdout=subprocess.DEVNULL)
    w = p.stdin
    w.write("id,platform,handle,at,followers,following,posts\n")
    for a in range(accounts):
        rows = []
        for i in range(per):
            t = start + i * STEP
            iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
            rows.append(f"manual:acct{a:05d},manual,acct{a:05d},{iso},{1000 + a * 10 + i // 50},100,{i // 1000}\n")
            if len(rows) >= 20000:
                w.write("".join(rows)); rows = []
        w.write("".join(rows))
    w.close()
    if p.wait() != 0:
        sys.exit("import history failed")
    took = time.perf_counter() - t0
    # time spent: a 10-60 minute session every day of the history, per account,
    # through `import timewarrior` (one transaction)
    intervals = []
    for acct in range(accounts):
        for d in range(1, years * 365):
            begin = now - d * 86400 + 18 * 3600
            length = 600 + (acct * 37 + d * 13) % 3000
            fmt = lambda t: time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(t))
            intervals.append({"id": acct * 10000 + d, "start": fmt(begin), "end": fmt(begin + length),
                              "tags": [f"manual:acct{acct:05d}"]})
    # in parts: an import reads at most 8 MiB and 20,000 entries of a file
    part = 20_000
    for k in range(0, len(intervals), part):
        timew = os.path.join(work, f"timew-{k // part}.json")
        json.dump(intervals[k:k + part], open(timew, "w"))
        sh([BIN, "import", "timewarrior", timew], env=env, stdout=subprocess.DEVNULL)
    open(done, "w").write(f"{took:.1f}")
    return data


def env_for(work, cfg):
    e = dict(os.environ)
    e["SOCIALTOP_CONFIG"] = cfg
    e["SOCIALTOP_DATA_DIR"] = os.path.join(work, "data")
    e["TZ"] = "UTC"
    return e


def sql_time(db, script, name):
    path = f"{db}.{name}.sql"
    open(path, "w").write(script)
    return timed(["sqlite3", "-bail", db], stdin=path)


class Counts(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real APIs answer
    disable_nagle_algorithm = True

    def do_GET(self):
        body = json.dumps({"login": "u", "followers": 1234, "following": 5}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=100)
    ap.add_argument("--years", type=int, default=5)
    ap.add_argument("--work", default=os.path.join(ROOT, "target", "scale"))
    a = ap.parse_args()
    sh(["cargo", "build", "--release", "--quiet"], cwd=ROOT)
    os.makedirs(a.work, exist_ok=True)
    now = int(time.time()) // 86400 * 86400
    config(os.path.join(a.work, "big.toml"), a.accounts)
    data = build_history(a.work, a.accounts, a.years, now)
    db = os.path.join(data, "socialtop.db")
    env = env_for(a.work, os.path.join(a.work, "big.toml"))
    rows = []

    def row(name, args, sql=None, target=""):
        wall, rss = timed([BIN] + args, env=env)
        base = sql_time(db, sql, name.split()[0]) if sql else None
        ratio = f"{wall / base[0]:.1f}x" if base else ""
        rows.append((name, f"{wall * 1000:.0f} ms", f"{rss / 1024:.0f} MB",
                     f"{base[0] * 1000:.0f} ms" if base else "", ratio, target))

    ids = "SELECT id FROM accounts"
    day = 86400 * 1000
    nowms = now * 1000
    status_sql = "".join(
        f"SELECT at, followers FROM samples WHERE account = {i} ORDER BY at DESC LIMIT 1;"
        f"SELECT at, followers FROM samples WHERE account = {i} ORDER BY at LIMIT 1;"
        + "".join(f"SELECT followers FROM samples WHERE account = {i} AND at <= {nowms - w * day} ORDER BY at DESC LIMIT 1;" for w in (1, 7, 30))
        + f"SELECT * FROM account_state WHERE account = {i};"
        for i in range(1, a.accounts + 1))
    row("status --format json", ["status", "--format", "json"], "BEGIN;" + status_sql + "COMMIT;", "<= 2x SQL")
    row("effort --format json", ["effort", "--format", "json"], None, "<= 100 ms")
    # the first run after the past changed: the answers `effort` keeps
    # (fresh_marks, week_marks) emptied before each run, so every entry is read
    # and every week's end sought; beside it, those same reads in sqlite3
    cold = []
    for _ in range(5):
        sh(["sqlite3", db, "DELETE FROM fresh_marks; DELETE FROM week_marks;"])
        cold.append(timed([BIN, "effort", "--format", "json"], env=env, runs=1))
    first = int(subprocess.run(["sqlite3", db, "SELECT min(start) FROM time_entries"],
                               capture_output=True, text=True, check=True).stdout)
    week = 7 * 86400
    monday = (first - 4 * 86400) // week * week + 4 * 86400  # 1970-01-05 was a Monday
    ends = list(range((monday + week) * 1000 - 1000, nowms + 1, week * 1000))
    seek = ("SELECT (SELECT followers * 8 + source FROM samples WHERE account = {a} AND at <= j.value"
            " AND at >= j.value - {age} ORDER BY at DESC LIMIT 1) FROM json_each('{ends}') AS j ORDER BY j.key;")
    cold_sql = "BEGIN;" + "".join(
        f"SELECT start, seconds FROM time_entries WHERE account = {i} ORDER BY start;"
        + seek.format(a=i, age=7 * day, ends=json.dumps(ends))
        for i in range(1, a.accounts + 1)) + "COMMIT;"
    base = sql_time(db, cold_sql, "effort-cold")
    wall = statistics.median(c[0] for c in cold)
    rows.append(("effort, first run after the past changed", f"{wall * 1000:.0f} ms",
                 f"{max(c[1] for c in cold) / 1024:.0f} MB", f"{base[0] * 1000:.0f} ms",
                 f"{wall / base[0]:.1f}x", "<= 2x SQL"))
    for fmt in ("json", "csv", "md"):
        row(f"export --format {fmt}", ["export", "--format", fmt, "--out", "-"], None, "<= 100 ms")
    for since in ("30d", "365d", f"{a.years * 365 + 1}d"):
        row(f"export --format svg --since {since}", ["export", "--format", "svg", "--since", since, "--out", "-"], None, "<= 300 ms")
    since_sql = "".join(f"SELECT * FROM samples WHERE account = {i} AND at >= {nowms - day};" for i in range(1, a.accounts + 1))
    row("export --history --since 1d", ["export", "--format", "csv", "--history", "--since", "1d", "--out", "-"],
        since_sql, "<= 2x SQL")

    # polling 5,000 accounts against a loopback server
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Counts)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    for n in (5000,):
        work = os.path.join(a.work, f"poll{n}")
        shutil.rmtree(work, ignore_errors=True); os.makedirs(work)
        cfg = os.path.join(work, "c.toml")
        config(cfg, n, base=base)
        penv = env_for(work, cfg)
        wall, rss = timed([BIN, "poll", "--once"], env=penv)
        rows.append((f"poll --once, {n} accounts on loopback", f"{wall * 1000:.0f} ms", f"{rss / 1024:.0f} MB", "", "", "<= 1 s"))
    server.shutdown()
    for n in (20000,):
        work = os.path.join(a.work, f"cfg{n}")
        shutil.rmtree(work, ignore_errors=True); os.makedirs(work)
        cfg = os.path.join(work, "c.toml")
        config(cfg, n)
        with open(cfg, "a") as f:  # a mistake at the very end: parse and validate everything, then stop
            f.write('[[accounts]]\nplatform = "manual"\nhandle = "acct00000"\n')
        wall, rss = timed([BIN, "status"], env=env_for(work, cfg))
        rows.append((f"config parse + validation, {n} accounts", f"{wall * 1000:.0f} ms", f"{rss / 1024:.0f} MB", "", "", "<= 100 ms"))

    built = open(os.path.join(a.work, "complete")).read()
    print(f"\n{a.accounts} accounts x {a.years} years of 5-minute samples "
          f"({os.path.getsize(db) / 2**20:,.0f} MiB; built by `import history` in {built} s); "
          f"{os.cpu_count()} cores\n")
    print("| command | socialtop | peak RSS | raw SQL (sqlite3) | ratio | target |")
    print("| --- | --: | --: | --: | --: | --- |")
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
