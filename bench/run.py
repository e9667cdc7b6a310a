#!/usr/bin/env python3
"""Load benchmark of callpurpose-gateway; BENCHMARKS.md explains it.

    python3 bench/run.py                      # everything: S, M, L on PostgreSQL and SQLite
    python3 bench/run.py --sizes M --dbs postgres --queries Q3 --concurrency 8

Builds the release binary, seeds each database through `seed`, starts the
server, checks every query answers without errors, then drives it with wrk
and records throughput, latency, SQL statements and server CPU per request,
peak memory and cold start. For PostgreSQL it also replays the statements Q3
issues with pgbench at the same concurrency: the ceiling the database allows.
Results go to bench/results/<date>.json and a Markdown table on stdout.
"""

import argparse
import base64
import datetime
import json
import os
import pathlib
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
BINARY = ROOT / "target" / "release" / "callpurpose-gateway"
SECRET = "benchmark-secret-that-is-long-enough-32"
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", "5432", "postgres"
SIZES = {
    "S": (100, 100, 10_000),
    "M": (1_000, 1_000, 100_000),
    "L": (10_000, 10_000, 1_000_000),
}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

PURPOSE = "id databaseId name order createdAt updatedAt"
CREATOR = "creator { id name }"
CALLS = "calls(first: 10) { totalCount edges { node { id direction outcome dialedAt user { id name } } } }"


def page(first, *parts):
    return "{ callPurposes(first: %d) { edges { cursor node { %s } } pageInfo { hasNextPage endCursor } } }" % (
        first,
        " ".join((PURPOSE,) + parts),
    )


QUERIES = {
    "Q1": page(50),
    "Q2": page(50, CREATOR),
    "Q3": page(50, CREATOR, CALLS),
    "Q4-10": page(10, CREATOR, CALLS),
    "Q4-50": page(50, CREATOR, CALLS),
    "Q4-200": page(200, CREATOR, CALLS),
    "Q4-1000": page(1000, CREATOR, CALLS),
    # The busiest purpose (id 1 takes most calls in the seed's skew).
    "Q5": '{ callPurpose(id: "Q2FsbFB1cnBvc2U6MQ") { %s %s %s } }' % (PURPOSE, CREATOR, CALLS),
}
WRITE_MIX = "W"


def log(message):
    print(message, file=sys.stderr, flush=True)


def run(*args, env=None, capture=False):
    merged = dict(os.environ, **(env or {}))
    result = subprocess.run(args, env=merged, check=True, text=True, capture_output=capture)
    return result.stdout if capture else None


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def psql(database, sql):
    run("psql", "-q", "-h", PG_HOST, "-p", PG_PORT, "-U", PG_USER, "-d", database, "-c", sql)


def fresh_database(db, size, workdir):
    """A new, migrated, seeded database; returns its URL."""
    if db == "postgres":
        name = "bench_%s" % size.lower()
        psql("test", "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
        psql("test", "CREATE DATABASE %s" % name)
        url = "postgres://%s@%s:%s/%s" % (PG_USER, PG_HOST, PG_PORT, name)
    else:
        url = "sqlite://%s/bench_%s.db?mode=rwc" % (workdir, size.lower())
    users, purposes, calls = SIZES[size]
    env = {"DATABASE_URL": url, "RUST_LOG": "warn"}
    run(str(BINARY), "migrate", "up", env=env)
    started = time.perf_counter()
    run(str(BINARY), "seed", "--users", str(users), "--purposes", str(purposes), "--calls", str(calls), env=env)
    log("  seeded %s/%s in %.1f s" % (db, size, time.perf_counter() - started))
    return url


def token():
    return run(str(BINARY), "token", "--user", "1", "--scopes", "callPurposes.all", "--ttl", "2h",
               env={"JWT_SECRET": SECRET}, capture=True).strip()


def post(port, query, bearer, variables=None):
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(
        "http://127.0.0.1:%d/graphql" % port,
        data=body,
        headers={"Content-Type": "application/json", "Authorization": "Bearer " + bearer},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


class Server:
    """The release binary serving one database; measures its own cold start."""

    def __init__(self, url, bearer, extra_env=None):
        self.port = free_port()
        env = dict(os.environ, DATABASE_URL=url, PORT=str(self.port), JWT_SECRET=SECRET,
                   NO_DEMO_DATA="true", RUST_LOG="warn", LOG_FORMAT="json")
        env.update(extra_env or {})
        started = time.perf_counter()
        self.process = subprocess.Popen([str(BINARY), "serve"], env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        while True:
            try:
                if "errors" not in post(self.port, QUERIES["Q1"], bearer):
                    break
            except (urllib.error.URLError, ConnectionError):
                pass
            if time.perf_counter() - started > 30:
                raise RuntimeError("the server did not answer within 30 s")
            time.sleep(0.001)
        self.cold_start_ms = (time.perf_counter() - started) * 1000

    def cpu_seconds(self):
        fields = pathlib.Path("/proc/%d/stat" % self.process.pid).read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def reset_peak_memory(self):
        """Starts a new peak: Linux resets VmHWM when 5 is written here."""
        pathlib.Path("/proc/%d/clear_refs" % self.process.pid).write_text("5")

    def peak_memory_mb(self):
        for line in pathlib.Path("/proc/%d/status" % self.process.pid).read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def statements(self):
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % self.port) as response:
            text = response.read().decode()
        return int(re.search(r"callpurpose_sql_statements_total (\d+)", text).group(1))

    def stop(self):
        self.process.terminate()
        try:
            return self.process.communicate(timeout=30)[1]
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.communicate()[1]


LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(token)s"
local bodies = %(bodies)s
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, "/graphql", nil, bodies[(counter %% #bodies) + 1])
end
%(check)s
done = function(summary, latency, requests)
  local e = summary.errors
  io.stderr:write(string.format(
    '{"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, "socket_errors": %%d, "status_errors": %%d, "graphql_errors": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status, graphql_errors or 0))
end
"""

# Counts responses carrying GraphQL errors; slows wrk, so only the checking
# pass uses it.
CHECK = """
graphql_errors = 0
response = function(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then graphql_errors = graphql_errors + 1 end
end
"""


def lua_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_bodies(purposes):
    """Moves and renames of random purposes: the write mix W."""
    rng = random.Random(7)
    bodies = []
    mutation = "mutation($i: UpdateCallPurposeInput!) { updateCallPurpose(input: $i) { callPurpose { id order updatedAt } userErrors { code } } }"
    for n in range(200):
        target = rng.randint(1, purposes)
        gid = base64.urlsafe_b64encode(("CallPurpose:%d" % target).encode()).decode().rstrip("=")
        change = {"order": rng.randint(1, purposes)} if n % 2 == 0 else {"name": "Renamed %d" % n}
        bodies.append(json.dumps({"query": mutation, "variables": {"i": dict(id=gid, **change)}}))
    return bodies


def wrk(port, bodies, bearer, concurrency, seconds, check):
    script = LUA % {
        "token": bearer,
        "bodies": "{" + ", ".join(lua_string(b) for b in bodies) + "}",
        "check": CHECK if check else "",
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        threads = str(min(concurrency, 2))
        result = subprocess.run(
            ["wrk", "-t", threads, "-c", str(concurrency), "-d", "%ds" % seconds, "--timeout", "30s",
             "-s", handle.name, "http://127.0.0.1:%d/graphql" % port],
            check=True, capture_output=True, text=True)
    finally:
        os.unlink(handle.name)
    return json.loads(result.stderr.strip().splitlines()[-1])


def statements_of_one(server, bearer, body):
    """The statements one request costs, counted alone: under load, requests
    still in flight when a run ends have run statements but are not counted."""
    request = json.loads(body)
    before = server.statements()
    post(server.port, request["query"], bearer, request.get("variables"))
    return server.statements() - before


def capture_statements(url, bearer, query):
    """The SQL statements `query` issues, as the server logs them."""
    server = Server(url, bearer, {"RUST_LOG": "warn,callpurpose_gateway::sql=trace"})
    before = server.statements()
    post(server.port, query, bearer)
    count = server.statements() - before
    logs = server.stop()
    statements = []
    for line in logs.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("target") == "callpurpose_gateway::sql" and "statement" in event:
            statements.append(event["statement"])
    # The server ran Q1 to see it was up: keep the last request's statements.
    return statements[-count:]


def pgbench(database, statements, concurrency, seconds):
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as handle:
        for statement in statements:
            handle.write(" ".join(statement.split()) + ";\n")
    try:
        output = run("pgbench", "-n", "-h", PG_HOST, "-p", PG_PORT, "-U", PG_USER, "-c", str(concurrency),
                     "-j", str(min(concurrency, 2)), "-T", str(seconds), "-f", handle.name, database,
                     capture=True)
    finally:
        os.unlink(handle.name)
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", output)
    return float(match.group(1)) if match else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["S", "M", "L"], choices=SIZES)
    parser.add_argument("--dbs", nargs="+", default=["postgres", "sqlite"], choices=["postgres", "sqlite"])
    parser.add_argument("--queries", nargs="+", default=list(QUERIES) + [WRITE_MIX])
    parser.add_argument("--concurrency", nargs="+", type=int, default=[1, 8, 32])
    parser.add_argument("--seconds", type=int, default=5, help="length of each measured run")
    parser.add_argument("--no-build", action="store_true", help="use the existing release binary")
    args = parser.parse_args()

    for tool in ["wrk", "pgbench", "psql"]:
        if shutil.which(tool) is None:
            sys.exit("%s is missing: apt-get install wrk postgresql-client" % tool)
    if not args.no_build:
        run("cargo", "build", "--release", "--bin", "callpurpose-gateway")

    results = {"machine": machine(), "date": datetime.datetime.now(datetime.timezone.utc).isoformat(), "runs": []}
    bearer = token()
    with tempfile.TemporaryDirectory() as workdir:
        for db in args.dbs:
            for size in args.sizes:
                url = fresh_database(db, size, workdir)
                server = Server(url, bearer)
                cold_start = server.cold_start_ms
                server.stop()
                server = Server(url, bearer)
                log("  %s/%s cold start %.1f ms" % (db, size, cold_start))
                ceiling = {}
                if db == "postgres" and "Q3" in args.queries:
                    statements = capture_statements(url, bearer, QUERIES["Q3"])
                    for concurrency in args.concurrency:
                        ceiling[concurrency] = pgbench("bench_%s" % size.lower(), statements, concurrency, args.seconds)
                    results.setdefault("ceiling_statements", statements)
                for name in args.queries:
                    bodies = write_bodies(SIZES[size][1]) if name == WRITE_MIX else [json.dumps({"query": QUERIES[name]})]
                    exact = statements_of_one(server, bearer, bodies[0])
                    for concurrency in args.concurrency:
                        checked = wrk(server.port, bodies, bearer, concurrency, 2, check=True)
                        if checked["graphql_errors"] or checked["status_errors"]:
                            sys.exit("%s %s/%s c=%d answered with errors: %s" % (name, db, size, concurrency, checked))
                        server.reset_peak_memory()
                        cpu, statements = server.cpu_seconds(), server.statements()
                        measured = wrk(server.port, bodies, bearer, concurrency, args.seconds, check=False)
                        cpu, statements = server.cpu_seconds() - cpu, server.statements() - statements
                        requests = max(measured["requests"], 1)
                        row = {
                            "db": db, "size": size, "query": name, "concurrency": concurrency,
                            "rps": requests / (measured["duration_us"] / 1e6),
                            "p50_ms": measured["p50_us"] / 1000, "p99_ms": measured["p99_us"] / 1000,
                            "statements_per_request": exact,
                            "statements_per_request_under_load": statements / requests,
                            "cpu_ms_per_request": cpu * 1000 / requests,
                            "errors": measured["socket_errors"] + measured["status_errors"],
                            "cold_start_ms": cold_start,
                            "peak_memory_mb": server.peak_memory_mb(),
                        }
                        if name == "Q3" and concurrency in ceiling:
                            row["pgbench_tps"] = ceiling[concurrency]
                            row["share_of_ceiling"] = row["rps"] / ceiling[concurrency]
                        results["runs"].append(row)
                        log("  %-8s %-8s %s c=%-2d %8.0f req/s p50 %6.2f ms p99 %6.2f ms %5.1f stmt %6.2f cpu-ms %5.1f MB%s" % (
                            name, db, size, concurrency, row["rps"], row["p50_ms"], row["p99_ms"],
                            row["statements_per_request"], row["cpu_ms_per_request"], row["peak_memory_mb"],
                            " ceiling %.0f tps (%.0f%%)" % (row["pgbench_tps"], 100 * row["share_of_ceiling"])
                            if "pgbench_tps" in row else ""))
                server.stop()

    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    path = out / (datetime.datetime.now().strftime("%Y-%m-%dT%H%M%S") + ".json")
    path.write_text(json.dumps(results, indent=2))
    print(table(results["runs"]))
    log("results: %s" % path.relative_to(ROOT))


def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown")
    memory = pathlib.Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(int(memory) / 1024 / 1024, 1)}


def table(runs):
    lines = ["| db | size | query | c | req/s | p50 ms | p99 ms | stmt/req | cpu ms/req | peak MB | cold start ms | pgbench tps | share | errors |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in runs:
        lines.append("| %s | %s | %s | %d | %.0f | %.2f | %.2f | %.2f | %.2f | %.1f | %.1f | %s | %s | %d |" % (
            r["db"], r["size"], r["query"], r["concurrency"], r["rps"], r["p50_ms"], r["p99_ms"],
            r["statements_per_request"], r["cpu_ms_per_request"], r.get("peak_memory_mb", float("nan")),
            r["cold_start_ms"], "%.0f" % r["pgbench_tps"] if "pgbench_tps" in r else "",
            "%.0f%%" % (100 * r["share_of_ceiling"]) if "share_of_ceiling" in r else "", r["errors"]))
    return "\n".join(lines)


if __name__ == "__main__":
    main()
