#!/usr/bin/env python3
"""Exposure rows of scripts/fault-matrix (issue 32): each appends one row to --results in the
table's format. Every wait has a deadline.

  exposure --clients-port P --callback-port P --admin-port P   listeners by role on rcom proxy
  loopback --rcom PATH                                         every server's default address
"""
import argparse, concurrent.futures, json, os, re, shutil, socket, subprocess, tempfile, time

HOST = "127.0.0.1"


def request(port, method, path, body=b"", timeout=10):
    """One request on a new connection: (status, body text) or (None, why)."""
    head = f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\nContent-Length: {len(body)}\r\n\r\n"
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as s:
            s.sendall(head.encode() + body)
            data = b""
            while chunk := s.recv(65536):
                data += chunk
    except OSError as e:
        return None, type(e).__name__
    m = re.match(rb"HTTP/1\.1 (\d{3})", data)
    return (int(m.group(1)) if m else None), data.split(b"\r\n\r\n", 1)[-1].decode(errors="replace")


def row(case, clients, ok, errors, fails, notes):
    return {"case": case, "clients": clients, "ok": ok, "errors": errors, "never": "0", "worst": "",
            "resets": "", "started": "", "repeated": "", "ambiguous": "", "notes": notes,
            "check": "PASS" if not fails else "FAIL: " + "; ".join(fails)}


def cmd_exposure(a):
    job = json.dumps({"account": "exposure", "wait": True}).encode()
    probes = [(a.callback_port, "POST", "/start", job, 404, "a job on the callback listener"),
              (a.admin_port, "POST", "/start", job, 404, "a job on the admin listener"),
              (a.clients_port, "POST", "/callback/x/0123", b"{}", 404, "a callback on the clients' listener")]
    for path in ("/metrics", "/stats", "/healthz"):
        probes += [(a.clients_port, "GET", path, b"", 404, f"{path} on the clients' listener"),
                   (a.callback_port, "GET", path, b"", 404, f"{path} on the callback listener"),
                   (a.admin_port, "GET", path, b"", 200, f"{path} on the admin listener")]
    fails = []
    for port, method, path, body, want, what in probes:
        got, _ = request(port, method, path, body)
        if got != want:
            fails.append(f"{what}: {got} (want {want})")
    # Jobs through the clients' listener: their callbacks come back through the callback one.
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
        answers = list(pool.map(lambda i: request(a.clients_port, "POST", "/start",
                                                  json.dumps({"account": f"e{i}", "wait": True}).encode(), 15), range(a.jobs)))
    ok = sum(1 for s, b in answers if s == 200 and '"proof"' in b)
    if ok != a.jobs:
        fails.append(f"{a.jobs - ok} of {a.jobs} jobs without a 200 and proof")
    return row(a.case, f"{a.jobs} jobs + {len(probes)} probes", ok, "0" if ok == a.jobs else "see check", fails,
               f"{len(probes)} probes: 404 outside each listener's roles, 200 for admin on its own")


def first_port(line):
    m = re.search(r"http://127\.0\.0\.1:(\d+)", line)
    return int(m.group(1)) if m else None


def cmd_loopback(a):
    tmp = tempfile.mkdtemp(prefix="rcom-loopback-")
    servers = {"jobserver": ["jobserver", "--port", "0", "--secret", "s"],
               "proxy": ["proxy", "--port", "0", "--upstream", "http://127.0.0.1:9"],
               "track": ["track", "--port", "0", "--db", os.path.join(tmp, "db.sqlite")],
               "providers": ["providers", "--port", "0", "--quiet"]}
    fails, notes = [], []
    try:
        for name, args in servers.items():
            p = subprocess.Popen([a.rcom] + args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            try:
                line = p.stdout.readline()
                port = first_port(line)
                if port is None:
                    fails.append(f"{name}: no 127.0.0.1 address announced ({line.strip()[:80]})")
                    continue
                reach = {}
                for host in ("127.0.0.1", "127.0.0.2"):
                    try:
                        socket.create_connection((host, port), timeout=3).close()
                        reach[host] = "open"
                    except ConnectionRefusedError:
                        reach[host] = "refused"
                    except OSError as e:
                        reach[host] = type(e).__name__
                if reach != {"127.0.0.1": "open", "127.0.0.2": "refused"}:
                    fails.append(f"{name}: {reach}")
                notes.append(f"{name} 127.0.0.1 {reach['127.0.0.1']}, 127.0.0.2 {reach['127.0.0.2']}")
            finally:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return row("default listen address (no --host)", "4 servers", f"{4 - len(fails)} loopback only", "0", fails, "; ".join(notes))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("exposure")
    e.add_argument("--clients-port", type=int, required=True)
    e.add_argument("--callback-port", type=int, required=True)
    e.add_argument("--admin-port", type=int, required=True)
    e.add_argument("--jobs", type=int, default=20)
    e.add_argument("--case", required=True)
    lp = sub.add_parser("loopback")
    lp.add_argument("--rcom", required=True)
    for p in (e, lp):
        p.add_argument("--results", required=True)
    a = ap.parse_args()
    r = {"exposure": cmd_exposure, "loopback": cmd_loopback}[a.cmd](a)
    with open(a.results, "a") as f:
        f.write(json.dumps(r) + "\n")
    print(f"  {r['case']}: {r['check']}", file=os.sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
