#!/usr/bin/env python3
"""Client side of scripts/fault-matrix (issue 13): the clients of each case, the rules each case
is judged by, and the table. Loopback only; every wait has a deadline.

  jobs       N concurrent clients, one connection each, POST /start {"account", "wait": true};
             optionally SIGKILL a process during the run and send one more client after it;
             writes each client's fate, and the servers' /stats, as JSON.
  slowloris  open N connections that send half a request head (or nothing), run
             `rcom jobclient` through the proxy meanwhile, time when the proxy closes each one.
  judge      apply a case's rules to what `jobs`/`slowloris` wrote; append one row of the table.
  table      print the rows as one table.
"""
import argparse, asyncio, collections, hashlib, hmac, json, os, re, subprocess, sys, time, urllib.request

HOST = "127.0.0.1"


# ---------------------------------------------------------------- clients

async def exchange(port, request, t0):
    """Writes one request on a new connection, reads one response (Content-Length framed)."""
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(request)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
        body = await reader.readexactly(int(m.group(1))) if m else await reader.read()
        return {"fate": "answered", "status": status, "body": body.decode(errors="replace"), "wait": time.monotonic() - t0}
    finally:
        writer.close()


async def post_start(port, account, timeout):
    """One client: {"fate": "answered"|"closed"|"timeout", "status", "body", "wait" (s)}."""
    body = json.dumps({"account": account, "wait": True}).encode()
    request = (f"POST /start HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    t0 = time.monotonic()
    try:
        return await asyncio.wait_for(exchange(port, request, t0), timeout)
    except asyncio.TimeoutError:
        return {"fate": "timeout", "wait": time.monotonic() - t0}
    except (OSError, EOFError, asyncio.IncompleteReadError, ValueError, IndexError) as e:
        # EOF or reset before a whole response: the connection closed without an answer.
        return {"fate": "closed", "why": type(e).__name__, "wait": time.monotonic() - t0}


def get_stats(port):
    if not port:
        return None
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/stats", timeout=3) as r:
            return json.loads(r.read())
    except Exception as e:  # the server may be gone (kill -9, SIGTERM): say so, do not fail
        return {"unreachable": str(e)}


async def run_jobs(a):
    accounts = ["one"] if a.accounts == 1 else [f"acct{i}" for i in range(a.accounts)]
    tasks = [asyncio.ensure_future(post_start(a.port, accounts[i % len(accounts)], a.timeout)) for i in range(a.clients)]
    await asyncio.sleep(0.2)  # the requests are written within this on loopback
    if a.ready:
        open(a.ready, "w").close()
    extra, killed_at = None, None
    if a.kill:
        await asyncio.sleep(a.kill_at)
        os.kill(a.kill, 9)
        killed_at = time.monotonic()
        await asyncio.sleep(a.extra_after)
        extra = await post_start(a.port, accounts[0], a.timeout)
    results = await asyncio.gather(*tasks)
    return {"clients": results, "extra": extra,
            "stats": {"jobserver": get_stats(a.jobserver_port), "proxy": get_stats(a.proxy_port)}}


def cmd_jobs(a):
    out = asyncio.run(run_jobs(a))
    json.dump(out, open(a.out, "w"))


async def half_client(port, mode, deadline):
    """One slowloris connection: sends half a head (or nothing), reads until EOF or deadline.
    Returns (seconds from its last byte sent to EOF or None, the bytes received)."""
    try:
        reader, writer = await asyncio.open_connection(HOST, port)
    except OSError as e:
        return {"connect_error": type(e).__name__}
    try:
        if mode == "half":
            writer.write(b"POST /start HTTP/1.1\r\nHost: x\r\n")
            await writer.drain()
        t0 = time.monotonic()
        got = b""
        try:
            while True:
                chunk = await asyncio.wait_for(reader.read(4096), max(0.01, deadline - time.monotonic()))
                if not chunk:
                    return {"closed_after": time.monotonic() - t0, "got": got[:40].decode(errors="replace")}
                got += chunk
        except asyncio.TimeoutError:
            return {"closed_after": None, "got": got[:40].decode(errors="replace")}
        except OSError:
            return {"closed_after": time.monotonic() - t0, "got": got[:40].decode(errors="replace"), "reset": True}
    finally:
        writer.close()


async def run_slowloris(a):
    deadline = time.monotonic() + a.observe
    conns = [asyncio.ensure_future(half_client(a.port, a.mode, deadline)) for _ in range(a.conns)]
    await asyncio.sleep(0.5)  # let them connect (and send their half heads) first
    t0 = time.monotonic()
    proc = await asyncio.create_subprocess_exec(a.rcom, "jobclient", "--url", f"http://{HOST}:{a.jobclient_port or a.port}/start",
                                                "--jobs", str(a.jobs), "--give-up", "20s",
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        text = (await asyncio.wait_for(proc.communicate(), 25))[0].decode(errors="replace")
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()
        text = "jobclient did not finish within 25 s"
    jobclient_s = time.monotonic() - t0
    results = await asyncio.gather(*conns)
    return {"conns": results, "jobclient_passed": "WORK SAMPLE RESULT: PASSED" in text,
            "jobclient_s": jobclient_s, "jobclient_tail": text[-600:], "stats": {"proxy": get_stats(a.port)}}


def cmd_slowloris(a):
    out = asyncio.run(run_slowloris(a))
    json.dump(out, open(a.out, "w"))


# ---------------------------------------------------------------- rules

def proof_ok(body, secret):
    try:
        j = json.loads(body)
        want = hmac.new(secret.encode(), f"{j['id']}|{j['startedAt']}".encode(), hashlib.sha1).hexdigest().upper()
        return j.get("proof") == want, j["id"]
    except Exception:
        return False, None


def error_message(body):
    try:
        return json.loads(body).get("error", body)
    except Exception:
        return body


class Tally:
    """What a list of client results adds up to."""
    def __init__(self, results, secret):
        self.results = [r for r in results if r is not None]
        self.n = len(self.results)
        self.ok = 0                      # 200 with a valid proof
        self.ids = set()
        self.errors = collections.Counter()   # status → count (a 200 without a valid proof is "200-noproof")
        self.messages = collections.defaultdict(collections.Counter)
        self.never = collections.Counter()    # closed / timeout
        self.worst = 0.0
        self.worst_by = collections.defaultdict(float)
        for r in self.results:
            self.worst = max(self.worst, r["wait"])
            if r["fate"] != "answered":
                self.never[r["fate"]] += 1
                continue
            key = r["status"]
            if key == 200:
                valid, jid = proof_ok(r["body"], secret)
                if valid:
                    self.ok += 1
                    self.ids.add(jid)
                    self.worst_by[200] = max(self.worst_by[200], r["wait"])
                    continue
                key = "200-noproof"
            self.errors[key] += 1
            self.messages[key][error_message(r["body"])[:160]] += 1
            self.worst_by[key] = max(self.worst_by[key], r["wait"])

    def errors_text(self):
        return ", ".join(f"{k}×{v}" for k, v in sorted(self.errors.items(), key=str)) or "0"

    def never_text(self):
        total = sum(self.never.values())
        return f"{total} ({', '.join(f'{k} {v}' for k, v in sorted(self.never.items()))})" if total else "0"

    def all_errors_are(self, statuses, phrase):
        """Every error has a status in `statuses` and a message containing `phrase`."""
        return all(k in statuses and all(phrase in m for m in self.messages[k]) for k in self.errors)

    def sample_messages(self):
        return "; ".join(f"{k}: \"{m}\"" for k in self.messages for m in list(self.messages[k])[:1])


def row(case, clients, t, fails, notes="", js=None, px=None, fault=None):
    js, px = js or {}, px or {}
    r = {"case": case, "clients": clients, "ok": t.ok if t else "", "errors": t.errors_text() if t else "",
         "never": t.never_text() if t else "", "worst": f"{t.worst:.2f}" if t and t.n else "",
         "resets": "", "started": "", "repeated": "", "ambiguous": "", "notes": notes,
         "check": "PASS" if not fails else "FAIL: " + "; ".join(fails)}
    if fault:
        r["resets"] = js.get("faults", {}).get(fault, "?")
        r["started"] = js.get("jobs_started", "?")
        r["repeated"] = js.get("starts_repeated", "?")
        r["ambiguous"] = f"{px.get('upstream_ambiguous', '?')} / {px.get('ambiguous_unresolved', '?')}"
    return r


def judge_reset(a, data):
    """Rules of issue 13 §3 for reset / reset-after-start on one account."""
    js, px = data["stats"]["jobserver"], data["stats"]["proxy"]
    t = Tally(data["clients"], a.secret)
    resets = js.get("faults", {}).get(a.fault, 0)
    failed = t.n - t.ok
    fails = []
    if t.ok != js.get("jobs_started"):
        fails.append(f"200s with proof {t.ok} != jobs_started {js.get('jobs_started')}")
    if len(t.ids) != t.ok:
        fails.append(f"{t.ok - len(t.ids)} proofs repeat a job id")
    if not t.all_errors_are({502}, "may or may not"):
        fails.append("an error is not a 502 naming the ambiguity: " + t.sample_messages())
    if t.never:
        fails.append(f"{sum(t.never.values())} never answered")
    if failed > resets * a.depth:
        fails.append(f"failures {failed} > resets {resets} × depth {a.depth}")
    if js.get("starts_repeated") != 0:
        fails.append(f"starts_repeated {js.get('starts_repeated')}")
    notes = f"failures {failed} ≤ {resets}×{a.depth} = {resets * a.depth}" if failed <= resets * a.depth else ""
    return row(a.case, t.n, t, fails, notes, js, px, a.fault)


def judge_fault(a, data):
    """One other fault kind, 50 jobs over 5 accounts: only the injected faults may fail a client,
    and each in the way that fault explains (a dropped callback: 504; an injected 500/503: passed on)."""
    js, px = data["stats"]["jobserver"], data["stats"]["proxy"]
    t = Tally(data["clients"], a.secret)
    injected = js.get("faults", {}).get(a.fault, 0)
    fails = []
    drops = injected if a.fault == "drop-callback" else 0
    if t.ok != js.get("jobs_started", 0) - drops:
        fails.append(f"200s with proof {t.ok} != jobs_started {js.get('jobs_started')} - dropped {drops}")
    if len(t.ids) != t.ok:
        fails.append(f"{t.ok - len(t.ids)} proofs repeat a job id")
    expected = {"drop-callback": ({504}, "no callback"), "error-500": ({500, 503}, "")}.get(a.fault, (set(), ""))
    if not t.all_errors_are(*expected):
        fails.append("unexpected errors: " + t.sample_messages())
    if a.fault in ("drop-callback", "error-500") and sum(t.errors.values()) != injected:
        fails.append(f"{sum(t.errors.values())} errors for {injected} faults injected")
    if t.never:
        fails.append(f"{sum(t.never.values())} never answered")
    if js.get("starts_repeated") != 0:
        fails.append(f"starts_repeated {js.get('starts_repeated')}")
    notes = f"{injected} injected; callbacks early/duplicate/late at the proxy: " \
            f"{px.get('callbacks_early', '?')}/{px.get('callbacks_duplicate', '?')}/{px.get('callbacks_late', '?')}"
    r = row(a.case, t.n, t, fails, notes, js, px, a.fault)
    return r


def judge_slowloris(a, data):
    conns = data["conns"]
    n = len(conns)
    connect_errors = sum(1 for c in conns if "connect_error" in c)
    closed = [c for c in conns if c.get("closed_after") is not None]
    in_time = sum(1 for c in closed if c["closed_after"] <= a.limit)
    answered = collections.Counter((c["got"].split(" ")[1] if c["got"].startswith("HTTP/") else "none") for c in closed)
    still_open = n - connect_errors - len(closed)
    worst = max((c["closed_after"] for c in closed), default=0.0)
    fails = []
    if not data["jobclient_passed"]:
        fails.append("jobclient FAILED: " + data["jobclient_tail"].strip().splitlines()[-1][:200] if data["jobclient_tail"].strip() else "jobclient FAILED")
    if in_time != n:
        fails.append(f"{n - in_time} of {n} not closed within {a.limit:g} s")
    if a.mode == "half" and answered.get("408", 0) != n:
        fails.append(f"{n - answered.get('408', 0)} got no 408")
    errors = ", ".join(f"{k}×{v}" for k, v in sorted(answered.items()) if k != "none")
    notes = (f"jobclient {'PASSED' if data['jobclient_passed'] else 'FAILED'} ({a.jobs} jobs, {data['jobclient_s']:.2f} s); "
             f"{in_time}/{n} closed by the server ≤ {a.limit:g} s"
             + (f", {answered['none']} closed without a response" if answered.get("none") else "")
             + (f", {connect_errors} failed to connect" if connect_errors else ""))
    return {"case": a.case, "clients": f"{n} + jobclient", "ok": f"{a.jobs if data['jobclient_passed'] else '?'} (jobclient)",
            "errors": errors or "0", "never": f"{still_open} (open at {a.observe:g} s)" if still_open else "0",
            "worst": f"{worst:.2f}", "resets": "", "started": "", "repeated": "", "ambiguous": "",
            "notes": notes, "check": "PASS" if not fails else "FAIL: " + "; ".join(fails)}


def judge_fdlimit(a, data):
    t = Tally(data["clients"], a.secret)
    fails = []
    if not t.all_errors_are({503}, a.phrase):
        fails.append(f"an error is not the 503 naming \"{a.phrase}\": " + t.sample_messages())
    if a.min_ok and t.ok < a.min_ok:
        fails.append(f"only {t.ok} 200s with proof (want at least {a.min_ok})")
    if t.never:
        fails.append(f"{sum(t.never.values())} never answered")
    if t.worst_by.get(503, 0.0) > a.prompt:
        fails.append(f"a 503 took {t.worst_by[503]:.2f} s (> {a.prompt:g} s)")
    js, px = data["stats"]["jobserver"] or {}, data["stats"]["proxy"] or {}
    worst = lambda k: f"{t.worst_by[k]:.2f} s" if k in t.worst_by else "none"
    notes = (f"worst 503 {worst(503)}, worst 200 {worst(200)}; proxy connections_evicted "
             f"{px.get('connections_evicted', '?')}, refused_at_limit {px.get('connections_refused_at_limit', '?')}; "
             f"job server jobs_started {js.get('jobs_started', '?')}, callbacks_failed {js.get('callbacks_failed', '?')}")
    return row(a.case, t.n, t, fails, notes)


def judge_sigterm(a, data):
    t = Tally(data["clients"], a.secret)
    fails = []
    if a.expect == 200:
        if t.ok != t.n:
            fails.append(f"{t.n - t.ok} of {t.n} without a 200 and proof")
    elif not (t.errors.get(a.expect, 0) == t.n and t.all_errors_are({a.expect}, "")):
        fails.append(f"{t.n - t.errors.get(a.expect, 0)} of {t.n} without a {a.expect}")
    if t.never:
        fails.append(f"{sum(t.never.values())} never answered (a bare close or no answer)")
    if a.exit_code != "0":
        fails.append(f"exit code {a.exit_code}")
    if a.exit_after is None or a.exit_after > a.exit_limit:
        fails.append(f"exit {a.exit_after} s after the signal (> {a.exit_limit:g} s)")
    exit_text = f"{a.exit_after:.2f} s" if a.exit_after is not None else "no exit"
    notes = f"proxy exit {a.exit_code} at {exit_text} after SIGTERM (limit {a.exit_limit:g} s)"
    return row(a.case, t.n, t, fails, notes)


def judge_kill(a, data):
    t = Tally(data["clients"], a.secret)
    extra = Tally([data["extra"]], a.secret)
    fails = []
    if t.ok or set(t.errors) != {502}:
        fails.append("waiting clients got " + (t.errors_text() if t.errors else "no error") + (f", {t.ok}×200" if t.ok else "")
                     + (" — " + t.sample_messages() if t.messages else ""))
    if t.never:
        fails.append(f"{sum(t.never.values())} never answered within {a.timeout:g} s")
    if t.worst > a.kill_at + a.grace + 1.5:
        fails.append(f"worst wait {t.worst:.2f} s > kill at {a.kill_at:g} s + grace {a.grace:g} s + 1.5 s")
    extra_r = data["extra"] or {}
    extra_text = (f"{extra_r.get('status', extra_r.get('fate'))} in {extra_r.get('wait', 0):.3f} s"
                  if extra_r else "not sent")
    if not extra.errors or extra_r.get("status", 0) < 500 or extra_r.get("wait", 99) > 1.0:
        fails.append(f"the client sent after the kill got {extra_text} (want a 5xx within 1 s)")
    msg = next(iter(t.messages.get(502, {})), "") if t.messages else ""
    notes = f"one more client after the kill: {extra_text}" + (f"; 502 says \"{msg[:110]}\"" if msg else "")
    return row(a.case, t.n, t, fails, notes)


JUDGES = {"reset": judge_reset, "fault": judge_fault, "slowloris": judge_slowloris, "fdlimit": judge_fdlimit,
          "sigterm": judge_sigterm, "kill": judge_kill}


def cmd_judge(a):
    data = json.load(open(a.data))
    r = JUDGES[a.kind](a, data)
    with open(a.results, "a") as f:
        f.write(json.dumps(r) + "\n")
    print(f"  {r['case']}: {r['check']}", file=sys.stderr)


COLUMNS = [("case", "case"), ("clients", "clients"), ("ok", "200 (proof ok)"), ("errors", "error statuses"),
           ("never", "never answered"), ("worst", "worst wait s"), ("resets", "resets injected"),
           ("started", "jobs_started"), ("repeated", "starts_repeated"), ("ambiguous", "upstream_ambiguous / unresolved"),
           ("notes", "notes"), ("check", "check")]


def cmd_table(a):
    rows = [json.loads(line) for line in open(a.results)] if os.path.exists(a.results) else []
    print("| " + " | ".join(h for _, h in COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    for r in rows:
        print("| " + " | ".join(str(r.get(k, "")).replace("|", "/") for k, _ in COLUMNS) + " |")
    failed = sum(1 for r in rows if r["check"] != "PASS")
    print(f"\n{len(rows)} cases, {len(rows) - failed} PASS, {failed} FAIL")
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    j = sub.add_parser("jobs")
    j.add_argument("--port", type=int, required=True)
    j.add_argument("--clients", type=int, required=True)
    j.add_argument("--accounts", type=int, default=1)
    j.add_argument("--timeout", type=float, required=True)
    j.add_argument("--ready")
    j.add_argument("--kill", type=int, help="pid to SIGKILL --kill-at s after the clients were sent")
    j.add_argument("--kill-at", type=float, default=1.0)
    j.add_argument("--extra-after", type=float, default=0.2, help="one more client this long after the kill")
    j.add_argument("--jobserver-port", type=int)
    j.add_argument("--proxy-port", type=int)
    j.add_argument("--out", required=True)
    s = sub.add_parser("slowloris")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--conns", type=int, required=True)
    s.add_argument("--mode", choices=["half", "idle"], required=True)
    s.add_argument("--observe", type=float, required=True, help="stop watching the connections after this many s")
    s.add_argument("--jobs", type=int, default=50)
    s.add_argument("--rcom", required=True)
    s.add_argument("--jobclient-port", type=int, help="where the jobclient goes (default: --port)")
    s.add_argument("--out", required=True)
    g = sub.add_parser("judge")
    g.add_argument("kind", choices=sorted(JUDGES))
    g.add_argument("--case", required=True)
    g.add_argument("--data", required=True)
    g.add_argument("--results", required=True)
    g.add_argument("--secret", default="")
    g.add_argument("--fault", default="")
    g.add_argument("--depth", type=int, default=16)
    g.add_argument("--limit", type=float, default=0.0, help="slowloris: closed within this many s")
    g.add_argument("--mode", default="half")
    g.add_argument("--observe", type=float, default=0.0)
    g.add_argument("--jobs", type=int, default=50)
    g.add_argument("--prompt", type=float, default=1.0, help="fdlimit: a 503 within this many s")
    g.add_argument("--phrase", default="proxy at its connection limit", help="fdlimit: what every 503 must say")
    g.add_argument("--min-ok", type=int, default=0, help="fdlimit: at least this many 200s with proof")
    g.add_argument("--expect", type=int, default=200, help="sigterm: the status every client must get")
    g.add_argument("--exit-code", default="")
    g.add_argument("--exit-after", type=float)
    g.add_argument("--exit-limit", type=float, default=3.5)
    g.add_argument("--kill-at", type=float, default=1.0)
    g.add_argument("--grace", type=float, default=5.0)
    g.add_argument("--timeout", type=float, default=0.0)
    t = sub.add_parser("table")
    t.add_argument("--results", required=True)
    a = ap.parse_args()
    return {"jobs": cmd_jobs, "slowloris": cmd_slowloris, "judge": cmd_judge, "table": cmd_table}[a.cmd](a) or 0


if __name__ == "__main__":
    sys.exit(main())
