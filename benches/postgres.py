#!/usr/bin/env python3
"""The history on PostgreSQL, timed as a user runs the binary, beside the same
reads done by psql. Public tools only: python3, psql, /usr/bin/time.

    SOCIALTOP_BENCH_DATABASE_URL=postgres://user:pw@host/db python3 benches/postgres.py [--work DIR]

Builds a history of 100 accounts x 10,000 hourly samples (1,000,000 samples,
about 14 months) through `socialtop import history` into a SQLite data dir,
then, in a schema of its own in that database (dropped at the end):
- `migrate --to URL` (SQLite to PostgreSQL) and `migrate --to DIR` (back);
  `export --history` of all three must be byte for byte the same;
- `status --format json` on PostgreSQL beside psql running the reads status
  needs (each account's latest sample, the one 24 hours before, its state).
Median of 5 runs for the reads; the two copies once each (wall clock).
"""
import argparse, hashlib, os, shutil, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "socialtop")
ACCOUNTS, PER = 100, 10_000
SCHEMA = "socialtop_bench"


def run(args, env, out=subprocess.DEVNULL):
    p = subprocess.run(args, env=env, stdout=out, stderr=subprocess.PIPE, text=out is not subprocess.DEVNULL)
    if p.returncode != 0:
        sys.exit(f"{args[:6]}: exit {p.returncode}: {p.stderr[-800:]}")
    return p


def timed(args, env, runs=5):
    walls = []
    for _ in range(runs):
        t0 = time.perf_counter()
        run(args, env)
        walls.append(time.perf_counter() - t0)
    return statistics.median(walls)


def digest(args, env):
    p = subprocess.run(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        sys.exit(f"{args[:6]}: {p.stderr[-500:]}")
    return hashlib.sha256(p.stdout).hexdigest(), len(p.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default=os.path.join(ROOT, "target", "pgbench"))
    a = ap.parse_args()
    admin = os.environ.get("SOCIALTOP_BENCH_DATABASE_URL")
    if not admin:
        sys.exit("SOCIALTOP_BENCH_DATABASE_URL: a PostgreSQL database this may use")
    if not os.path.exists(BIN):
        sys.exit("build first: cargo build --release")
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    cfg = os.path.join(a.work, "c.toml")
    with open(cfg, "w") as f:
        for i in range(ACCOUNTS):
            f.write(f'[[accounts]]\nplatform = "manual"\nhandle = "acct{i:03d}"\n\n')
    env = dict(os.environ, SOCIALTOP_CONFIG=cfg, TZ="UTC")
    env.pop("SOCIALTOP_DATABASE_URL", None)
    now = int(time.time()) // 3600 * 3600
    csv = os.path.join(a.work, "h.csv")
    with open(csv, "w") as f:
        f.write("id,platform,handle,at,followers,following,posts,source\n")
        for i in range(ACCOUNTS):
            for k in range(PER):
                at = now - (PER - k) * 3600
                ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))
                f.write(f"manual:acct{i:03d},manual,acct{i:03d},{ts},{1000 + i * 7 + k // 3},,,imported\n")
    d1, d2 = os.path.join(a.work, "d1"), os.path.join(a.work, "d2")
    print(f"importing {ACCOUNTS * PER:,} samples ...", file=sys.stderr)
    run([BIN, "--data-dir", d1, "import", "history", csv], env)
    sep = "&" if "?" in admin else "?"
    url = f"{admin}{sep}options=-csearch_path%3D{SCHEMA}"
    run(["psql", "-q", admin, "-c", f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE", "-c", f"CREATE SCHEMA {SCHEMA}"], env)
    try:
        t0 = time.perf_counter()
        run([BIN, "--data-dir", d1, "migrate", "--to", url], env)
        to_pg = time.perf_counter() - t0
        pg_env = dict(env, SOCIALTOP_DATABASE_URL=url)
        t0 = time.perf_counter()
        run([BIN, "--data-dir", os.path.join(a.work, "unused"), "migrate", "--to", d2], pg_env)
        back = time.perf_counter() - t0
        export = ["export", "--history", "--format", "csv", "--out", "-"]
        lite = digest([BIN, "--data-dir", d1] + export, env)
        pg = digest([BIN, "--data-dir", os.path.join(a.work, "unused")] + export, pg_env)
        again = digest([BIN, "--data-dir", d2] + export, env)
        same = lite == pg == again
        status = timed([BIN, "--data-dir", os.path.join(a.work, "unused"), "status", "--format", "json"], pg_env)
        sql = f"""SET search_path = {SCHEMA};
SELECT a.key, l.at, l.followers, d.followers, s.checked_at, s.error
FROM accounts a
LEFT JOIN LATERAL (SELECT at, followers FROM samples WHERE account = a.id AND at <= {(now + 300) * 1000}
                   ORDER BY at DESC LIMIT 1) l ON true
LEFT JOIN LATERAL (SELECT followers FROM samples WHERE account = a.id AND at <= {(now - 86400) * 1000}
                   ORDER BY at DESC LIMIT 1) d ON true
LEFT JOIN account_state s ON s.account = a.id ORDER BY a.key;"""
        psql = timed(["psql", "-q", "-X", admin, "-c", sql], env)
    finally:
        run(["psql", "-q", admin, "-c", f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"], env)
    print(f"| migrate SQLite -> PostgreSQL, {ACCOUNTS * PER:,} samples | {to_pg:.1f} s | target < 60 s |")
    print(f"| migrate PostgreSQL -> SQLite, same | {back:.1f} s | target < 60 s |")
    print(f"| export --history identical (SQLite, PostgreSQL, back) | {'yes' if same else 'NO'} ({lite[1]:,} bytes) | |")
    print(f"| status, 100 accounts x 14 months, PostgreSQL | {status * 1000:.0f} ms | psql {psql * 1000:.0f} ms ({status / psql:.2f}x; target <= 2x) |")
    if not same:
        sys.exit("exports differ")


if __name__ == "__main__":
    main()
