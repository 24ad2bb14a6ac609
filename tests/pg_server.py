"""A throwaway PostgreSQL server for the test suite.

``temporary_postgres()`` starts a private PostgreSQL cluster on 127.0.0.1 (trust auth, user
``duk``, database ``duk``), yields its SQLAlchemy URL and removes it again on exit. PostgreSQL
refuses to run as root, so when the tests run as root the server runs as the unprivileged
system user ``duk-pg`` (created on first use).

Set ``DUK_TEST_POSTGRES_URL`` to use an existing server instead.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

ENV_URL = "DUK_TEST_POSTGRES_URL"
PG_USER = "duk"
PG_DATABASE = "duk"
SYSTEM_USER = "duk-pg"
DEFAULT_BINDIR = Path("/usr/lib/postgresql/15/bin")
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def find_bindir() -> Path:
    """Directory holding ``initdb``, ``pg_ctl`` and ``postgres``."""
    candidates: list[Path] = [DEFAULT_BINDIR]
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.CalledProcessError):
            out = subprocess.run(
                [pg_config, "--bindir"], check=True, capture_output=True, text=True
            ).stdout
            candidates.append(Path(out.strip()))
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).parent)
    for bindir in candidates:
        if all((bindir / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return bindir
    raise RuntimeError(
        "PostgreSQL server binaries not found (looked in "
        + ", ".join(str(c) for c in candidates)
        + "); install the Debian package postgresql-15 (scripts/system-deps.sh does)"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _ensure_system_user() -> pwd.struct_passwd:
    with contextlib.suppress(KeyError):
        return pwd.getpwnam(SYSTEM_USER)
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    result = subprocess.run(
        [useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SYSTEM_USER],
        capture_output=True,
        text=True,
    )
    # Exit status 9: the user appeared meanwhile (another test process created it).
    if result.returncode not in (0, 9):
        raise RuntimeError(f"could not create system user {SYSTEM_USER}: {result.stderr.strip()}")
    return pwd.getpwnam(SYSTEM_USER)


class _Runner:
    """Runs PostgreSQL tools, as ``duk-pg`` when we are root."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            user = _ensure_system_user()
            runuser = shutil.which("runuser") or "/usr/sbin/runuser"
            setpriv = shutil.which("setpriv")
            if Path(runuser).is_file():
                self.prefix = [runuser, "-u", SYSTEM_USER, "--"]
            elif setpriv:
                self.prefix = [
                    setpriv,
                    f"--reuid={user.pw_uid}",
                    f"--regid={user.pw_gid}",
                    "--clear-groups",
                    "--",
                ]
            else:
                raise RuntimeError("running as root, but neither runuser nor setpriv is available")
            os.chown(workdir, user.pw_uid, user.pw_gid)

    def run(self, args: Sequence[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ)
        # Don't let a stray PG* variable (PGDATA, PGPORT, ...) steer the tools.
        for key in [k for k in env if k.startswith("PG")]:
            del env[key]
        env["LC_ALL"] = "C.UTF-8"
        result = subprocess.run(
            [*self.prefix, *args],
            cwd=self.workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
        )
        if check and result.returncode != 0:
            raise RuntimeError(
                f"{' '.join(args)} failed with status {result.returncode}:\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result


def _log_tail(logfile: Path, lines: int = 40) -> str:
    try:
        text = logfile.read_text(errors="replace")
    except OSError:
        return "(no server log)"
    return "\n".join(text.splitlines()[-lines:])


def _connect_kwargs(url: str) -> dict[str, Any]:
    parsed = make_url(url)
    kwargs: dict[str, Any] = {
        key: value
        for key, value in (
            ("host", parsed.host),
            ("port", parsed.port),
            ("user", parsed.username),
            ("password", parsed.password),
            ("dbname", parsed.database),
        )
        if value is not None
    }
    for key, value in parsed.query.items():
        kwargs[key] = value if isinstance(value, str) else value[-1]
    return kwargs


def create_database(admin_url: str, name: str, *, template: str | None = None) -> str:
    """Create an empty database ``name`` on the server of ``admin_url`` and return its URL;
    with ``template``, a copy of that database (which nobody may be connected to).

    An existing database of that name is dropped first (its connections are terminated), so a
    test run against a long-lived server starts clean.
    """
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a plain lower-case database name: {name!r}")
    parsed = make_url(admin_url)
    if parsed.database == name:
        raise ValueError(f"refusing to recreate the admin database {name!r}")
    with psycopg.connect(**_connect_kwargs(admin_url), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        if template is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        else:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(template)
                )
            )
    return parsed.set(database=name).render_as_string(hide_password=False)


def _initdb(runner: _Runner, bindir: Path, datadir: Path) -> None:
    base = [str(bindir / "initdb"), "-D", str(datadir), "-A", "trust", "-U", PG_USER]
    base += ["--encoding=UTF8"]
    first = runner.run([*base, "--locale=C.UTF-8"], check=False)
    if first.returncode == 0:
        return
    # C.UTF-8 missing (old glibc, minimal image): the C locale handles UTF-8 data just as well.
    shutil.rmtree(datadir, ignore_errors=True)
    second = runner.run([*base, "--no-locale"], check=False)
    if second.returncode != 0:
        raise RuntimeError(
            "initdb failed:\n"
            f"{first.stdout}\n{first.stderr}\n--- retry with --no-locale ---\n"
            f"{second.stdout}\n{second.stderr}"
        )


@contextlib.contextmanager
def temporary_postgres() -> Iterator[str]:
    """Start a throwaway PostgreSQL 15 cluster on loopback and yield a SQLAlchemy URL
    'postgresql+psycopg://duk@127.0.0.1:PORT/duk'. Stop it and remove its files on exit."""
    existing = os.environ.get(ENV_URL)
    if existing:
        yield existing
        return

    bindir = find_bindir()
    # Under /tmp with mode 0755, so that duk-pg can reach it when we are root.
    workdir = Path(tempfile.mkdtemp(prefix="duk-pg-", dir="/tmp" if os.geteuid() == 0 else None))
    started = False
    runner: _Runner | None = None
    datadir = workdir / "data"
    logfile = workdir / "server.log"
    try:
        workdir.chmod(0o755)
        runner = _Runner(workdir)
        _initdb(runner, bindir, datadir)

        url = ""
        for attempt in range(3):
            port = _free_port()
            options = (
                f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=on"
                " -c synchronous_commit=on -c max_connections=200"
            )
            start = runner.run(
                [str(bindir / "pg_ctl"), "-D", str(datadir), "-w", "-t", "60"]
                + ["-o", options, "-l", str(logfile), "start"],
                check=False,
            )
            if start.returncode == 0:
                started = True
                url = f"postgresql+psycopg://{PG_USER}@127.0.0.1:{port}/{PG_DATABASE}"
                break
            # Somebody may have taken the port between our probe and the bind: try another.
            if attempt == 2 or "already in use" not in _log_tail(logfile):
                raise RuntimeError(
                    f"PostgreSQL did not start (pg_ctl status {start.returncode}):\n"
                    f"{start.stdout}{start.stderr}\n--- server log ---\n{_log_tail(logfile)}"
                )

        admin = _connect_kwargs(url) | {"dbname": "postgres"}
        try:
            with psycopg.connect(**admin, autocommit=True, connect_timeout=10) as conn:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(PG_DATABASE)))
        except psycopg.Error as exc:
            raise RuntimeError(
                f"could not create database {PG_DATABASE}: {exc}\n--- server log ---\n"
                f"{_log_tail(logfile)}"
            ) from exc

        yield url
    finally:
        if started and runner is not None:
            pg_ctl = str(bindir / "pg_ctl")
            stop = runner.run([pg_ctl, "-D", str(datadir), "-w", "-m", "fast", "stop"], check=False)
            if stop.returncode != 0:
                runner.run([pg_ctl, "-D", str(datadir), "-m", "immediate", "stop"], check=False)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":  # manual check, as root too: .venv/bin/python tests/pg_server.py
    with temporary_postgres() as _url:
        _extra = create_database(_url, "duk_extra")
        for _each in (_url, _extra):
            with psycopg.connect(**_connect_kwargs(_each)) as _conn:
                _row = _conn.execute("select 1, current_database(), version()").fetchone()
            if _row is None or _row[0] != 1:
                raise SystemExit(f"unexpected answer from {_each}: {_row!r}")
            os.write(1, f"ok: {_each}: {_row[2]}\n".encode())
