"""Test helpers: a small git repository built in tmp, and a loopback fake of the GitHub REST API."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
        env={
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.com",
            "HOME": str(repo),
            "PATH": "/usr/bin:/bin",
            "GIT_CONFIG_NOSYSTEM": "1",
        },
    )
    return done.stdout.strip()


class GitBuilder:
    """``commit({path: content or None})`` -> sha; ``rename(old, new)``; dates advance a day per commit."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        git(root, "init", "-q", "-b", "main")
        self.day = 0

    def commit(self, files: dict[str, Any], message: str) -> str:
        for path, content in files.items():
            target = self.root / path
            if content is None:
                git(self.root, "rm", "-q", path)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content if isinstance(content, str) else json.dumps(content, indent=1))
            git(self.root, "add", path)
        return self._commit(message)

    def rename(self, old: str, new: str, content: Any, message: str) -> str:
        (self.root / new).parent.mkdir(parents=True, exist_ok=True)
        git(self.root, "mv", old, new)
        (self.root / new).write_text(json.dumps(content, indent=1))
        git(self.root, "add", new)
        return self._commit(message)

    def _commit(self, message: str) -> str:
        self.day += 1
        date = f"2025-01-{self.day:02d}T12:00:00+00:00"
        subprocess.run(
            ["git", "commit", "-q", "-m", message],
            cwd=self.root,
            check=True,
            capture_output=True,
            env={
                "GIT_AUTHOR_NAME": "t",
                "GIT_AUTHOR_EMAIL": "t@example.com",
                "GIT_COMMITTER_NAME": "t",
                "GIT_COMMITTER_EMAIL": "t@example.com",
                "HOME": str(self.root),
                "PATH": "/usr/bin:/bin",
                "GIT_AUTHOR_DATE": date,
                "GIT_COMMITTER_DATE": date,
                "GIT_CONFIG_NOSYSTEM": "1",
            },
        )
        return git(self.root, "rev-parse", "HEAD")


class FakeGitHub:
    """Serves /repos/{repo}/commits, /commits/{sha}, /contents/{path}?ref=, /git/trees/{ref} from a git clone.

    ``page_size`` forces pagination (Link: rel="next"); ``rate_limited`` answers that many requests with a
    403 rate-limit response first (``X-RateLimit-Remaining: 0``, reset ``reset_in`` seconds ahead).
    Every request's path and Authorization header is recorded in ``seen``.
    """

    def __init__(self, clone: Path, repo: str = "acme/docs", page_size: int = 2) -> None:
        self.clone, self.repo, self.page_size = clone, repo, page_size
        self.rate_limited = 0
        self.truncated = False  # answer /git/trees with "truncated": true
        self.reset_in = 0
        self.seen: list[tuple[str, str | None]] = []
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def _commits(self, path: str, sha: str | None) -> list[dict[str, Any]]:
        out = git(self.clone, "log", "--format=%H%x1f%cI%x1f%s", sha or "HEAD", "--", path)
        items = []
        for line in out.splitlines():
            commit, date, subject = line.split("\x1f")
            items.append({"sha": commit, "commit": {"message": subject + "\n\nbody", "committer": {"date": date}}})
        return items

    def _detail(self, sha: str) -> dict[str, Any]:
        parents = git(self.clone, "log", "-1", "--format=%P", sha).split()
        status = git(self.clone, "show", "-M", "--name-status", "--format=", sha)
        files = []
        for line in status.splitlines():
            parts = line.split("\t")
            if parts[0].startswith("R"):
                files.append({"filename": parts[2], "previous_filename": parts[1], "status": "renamed"})
            elif parts[0] == "A":
                files.append({"filename": parts[1], "status": "added"})
            else:
                files.append({"filename": parts[-1], "status": "modified"})
        return {"sha": sha, "parents": [{"sha": p} for p in parents], "files": files}

    def answer(self, handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(handler.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.seen.append((handler.path, handler.headers.get("Authorization")))
        if self.rate_limited > 0:
            self.rate_limited -= 1
            import time

            return (
                403,
                {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + self.reset_in)},
                json.dumps({"message": "API rate limit exceeded"}).encode(),
            )
        prefix = f"/repos/{self.repo}/"
        if not parts.path.startswith(prefix):
            return 404, {}, b'{"message": "Not Found"}'
        rest = parts.path[len(prefix) :]
        if rest == "commits":
            items = self._commits(query["path"], query.get("sha"))
            page = int(query.get("page", "1"))
            chunk = items[(page - 1) * self.page_size : page * self.page_size]
            headers = {}
            if page * self.page_size < len(items):
                nxt = dict(query, page=str(page + 1))
                link = f"{self.url}{parts.path}?" + "&".join(f"{k}={v}" for k, v in nxt.items())
                headers["Link"] = f'<{link}>; rel="next"'
            return 200, headers, json.dumps(chunk).encode()
        if rest.startswith("commits/"):
            ref = unquote(rest[len("commits/") :])
            try:
                sha = git(self.clone, "rev-parse", ref)
            except Exception:
                return 404, {}, b'{"message": "No commit found"}'
            return 200, {}, json.dumps(self._detail(sha)).encode()
        if rest.startswith("contents/"):
            path = unquote(rest[len("contents/") :])
            try:
                return 200, {}, git(self.clone, "show", f"{query.get('ref', 'HEAD')}:{path}").encode()
            except Exception:
                return 404, {}, b'{"message": "Not Found"}'
        if rest.startswith("git/trees/"):
            ref = unquote(rest[len("git/trees/") :])
            names = git(self.clone, "ls-tree", "-r", "--name-only", ref).splitlines()
            return (
                200,
                {},
                json.dumps(
                    {"tree": [{"path": n, "type": "blob"} for n in names], "truncated": self.truncated}
                ).encode(),
            )
        return 404, {}, b'{"message": "Not Found"}'

    @contextmanager
    def running(self) -> Iterator[FakeGitHub]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, headers, body = fake.answer(self)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()
            thread.join(5)
