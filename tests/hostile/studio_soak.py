"""Soak `collab studio` under attack (issue 22): not part of the default test run.

Serves the studio over a git copy of the shipped catalogue, then for MINUTES loops:
a save (a comment line appended to a rules file, as an editor saves), plans through the
page's API (an example, a pasted text, the form's data), and foreign requests: every
route with `Host: evil.example.com`, every POST from a foreign Origin with a text/plain
body. Every foreign request must be refused (403), every plan answered, and the memory of
the studio (its process and its evaluation workers) must stay flat: the report gives it
after the first round, at the end and at its peak.

    python tests/hostile/studio_soak.py                 # 10 minutes
    python tests/hostile/studio_soak.py --minutes 2     # a short run

Exits 0 when everything behaved, 1 otherwise (each misbehaviour is printed).
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COLLAB = [sys.executable, "-c", "import cli; cli.main()"]
EXAMPLE = "activate-new-customer-paying.yaml"
GETS = ("/", "/catalogue", "/plan", "/validation", "/impact", "/source/rules/pipeline.yaml",
        "/api/status", "/api/validate", "/api/impact", "/api/impact/request?request=x",
        f"/api/examples/{EXAMPLE}", "/static/studio.js", "/favicon.ico", "/edit",
        "/mutants")
POSTS = ("/api/plan", "/plan/result", "/api/impact/revision", "/api/cases/accept",
         "/api/edit/preview", "/api/edit/save", "/api/edit/rule", "/api/mutants/run")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def request(port: int, method: str, path: str, body: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def rss_kb(pid: int) -> int:
    """Resident memory of ``pid``, in KB (0 once it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(found[1]) if found else 0


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def killed(root: Path) -> list[str]:
    """A studio killed with SIGKILL while its workers plan: none of them may stay."""
    port = free_port()
    server = subprocess.Popen([*COLLAB, "studio", "--no-browser", "--port", str(port),
                               "--catalogue", str(root)], cwd=root, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while len(children(server.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    workers = children(server.pid)
    server.kill()
    server.wait()
    time.sleep(2.0)
    left = [pid for pid in workers if running(pid)]
    return [f"SIGKILL of the studio left its workers running: {left}"] if left or not workers \
        else []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--save-every", type=float, default=5.0, metavar="SECONDS",
                        help="time between two saves (plans and attacks go on meanwhile)")
    options = parser.parse_args()
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="collab-studio-soak-") as scratch:
        root = Path(scratch) / "catalogue"
        for folder in ("services", "rules", "examples"):
            shutil.copytree(ROOT / folder, root / folder)
        git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t"]
        for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "catalogue"]):
            subprocess.run([*git, *args], check=True, capture_output=True)
        port = free_port()
        server = subprocess.Popen([*COLLAB, "studio", "--no-browser", "--port", str(port),
                                   "--catalogue", str(root)], cwd=root,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                  start_new_session=True)
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if request(port, "GET", "/api/status")[0] == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    print("the studio did not start", file=sys.stderr)
                    return 1
                time.sleep(0.2)
            page = request(port, "GET", "/plan")[1].decode()
            token = re.search(r'<meta name="collab-token" content="([^"]+)">', page)
            assert token is not None, "no token in the page"
            own = {"Content-Type": "application/json", "Origin": f"http://127.0.0.1:{port}",
                   "Sec-Fetch-Site": "same-origin", "X-Collab-Token": token[1]}
            rules = root / "rules" / "20-defaults.yaml"
            text = (root / "examples" / EXAMPLE).read_text(encoding="utf-8")
            bodies = [{"example": EXAMPLE}, {"text": text},
                      {"request": {"operation": "activate", "service": "eekonomi"}}]
            counts = {"saves": 0, "plans": 0, "foreign": 0, "refused": 0}
            memory: list[tuple[int, int]] = []  # (the studio, its workers) in KB
            start = saved = time.monotonic()
            rounds = 0
            while time.monotonic() - start < options.minutes * 60:
                rounds += 1
                if rounds == 1 or time.monotonic() - saved >= options.save_every:
                    with rules.open("a", encoding="utf-8") as file:  # a save, as an editor does
                        file.write(f"# soak save {counts['saves'] + 1}\n")
                    counts["saves"] += 1
                    saved = time.monotonic()
                for body in bodies:
                    status, answer = request(port, "POST", "/api/plan",
                                             json.dumps(body).encode(), own)
                    counts["plans"] += 1
                    if status != 200 or json.loads(answer)["status"] not in (
                            "allowed", "rejected", "invalid"):
                        problems.append(f"round {rounds}: plan {body}: {status} {answer[:200]!r}")
                for path in GETS:
                    status, _ = request(port, "GET", path,
                                        headers={"Host": "evil.example.com"})
                    counts["foreign"] += 1
                    counts["refused"] += status == 403
                    if status != 403:
                        problems.append(f"round {rounds}: GET {path} with a foreign Host: {status}")
                for path in POSTS:
                    status, _ = request(port, "POST", path, b'{"example": "x"}',
                                        {"Content-Type": "text/plain",
                                         "Origin": "http://evil.example.com"})
                    counts["foreign"] += 1
                    counts["refused"] += status == 403
                    if status != 403:
                        problems.append(f"round {rounds}: POST {path} from a foreign Origin: "
                                        f"{status}")
                memory.append((rss_kb(server.pid),
                               sum(rss_kb(child) for child in children(server.pid))))
                time.sleep(0.5)
            status, answer = request(port, "GET", "/api/status")
            final = json.loads(answer)
        finally:
            workers = children(server.pid)
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                problems.append("the studio did not stop at SIGTERM within 30 s")
        time.sleep(1.0)
        left = [pid for pid in workers if running(pid)]
        if left:
            problems.append(f"evaluation workers left running after the studio stopped: {left}")
        problems += killed(root)
        if server.stderr is not None and "Traceback" in server.stderr.read():
            problems.append("a traceback on the studio's stderr")
    print(f"{options.minutes:g} min, {rounds} rounds: {counts['saves']} saves, "
          f"{counts['plans']} plans, {counts['refused']} of {counts['foreign']} foreign "
          "requests refused")
    for index, what in enumerate(("the studio", "its evaluation workers")):
        series = [point[index] / 1024 for point in memory]
        print(f"memory of {what} (RSS): {series[0]:.0f} MB after the first round, "
              f"{series[len(series) // 2]:.0f} MB half-way, {series[-1]:.0f} MB at the end, "
              f"{max(series):.0f} MB at most")
    print(f"at the end: validation {final['validation']}, impact {final['impact']}")
    for problem in problems[:50]:
        print("problem:", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
