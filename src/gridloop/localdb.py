"""The project-local PostGIS cluster under `data_dir`, and database bootstrap for any server.

`start` initialises (once) and starts a private PostgreSQL cluster in `data_dir/pgdata` that
listens on 127.0.0.1:`local_db_port` only, then makes sure the `local_db_name` database exists
with PostGIS. `ensure_database` works against any server, local or `GRIDLOOP_DATABASE_URL`.

PostgreSQL refuses to run as root, so when we are root the cluster belongs to the `postgres`
system user and every server command runs through `runuser` (or `su`). Where that user cannot
reach the default `data_dir`, the cluster lives elsewhere (see gridloop.datadir).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shlex
import shutil
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL, make_url

from gridloop import datadir
from gridloop.config import Settings

CLUSTER_USER_WHEN_ROOT = "postgres"
SUPERUSER = "postgres"
CONF_NAME = "gridloop.conf"
POSTGIS_HINT = (
    "请安装 PostGIS / install PostGIS on the database server, e.g. "
    "`apt-get install postgresql-15-postgis-3` (or run `make install`)"
)
# sun_path is 108 bytes on Linux, including the trailing NUL.
_MAX_SOCKET_PATH = 107


class LocalDbError(Exception):
    """An expected problem with the database, carrying one human-readable line."""


# --------------------------------------------------------------------------- paths


def bin_dir() -> Path:
    """The directory holding the PostgreSQL server binaries (`initdb`, `pg_ctl`, ...)."""
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, check=True, timeout=10
            ).stdout.strip()
            if out and (Path(out) / "initdb").is_file():
                return Path(out)
    candidates = [Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")]
    candidates = [p for p in candidates if (p / "initdb").is_file()]
    if candidates:
        return max(candidates, key=lambda p: _version_key(p.parent.name))
    for name in ("initdb", "pg_ctl"):
        found = shutil.which(name)
        if found and (Path(found).parent / "initdb").is_file():
            return Path(found).parent
    raise LocalDbError(
        "找不到 PostgreSQL 服务器程序 / PostgreSQL server binaries (initdb) not found: "
        "install them with `make install` (apt-get install postgresql postgresql-15-postgis-3)"
    )


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", name)) or (0,)


def _pgdata(settings: Settings) -> Path:
    return settings.data_dir / "pgdata"


def _run_dir(settings: Settings) -> Path:
    return settings.data_dir / "run"


def _log_file(settings: Settings) -> Path:
    return settings.data_dir / "postgres.log"


def _is_initialised(settings: Settings) -> bool:
    return (_pgdata(settings) / "PG_VERSION").is_file()


# --------------------------------------------------------------------------- running commands


def _as_root() -> bool:
    return os.geteuid() == 0


def _cluster_user() -> pwd.struct_passwd:
    if not _as_root():
        return pwd.getpwuid(os.geteuid())
    try:
        return pwd.getpwnam(CLUSTER_USER_WHEN_ROOT)
    except KeyError:
        raise LocalDbError(
            "以 root 运行需要系统用户 postgres / running as root needs the `postgres` system "
            "user, which does not exist: install PostgreSQL with `make install`"
        ) from None


def _wrap(cmd: Sequence[str]) -> list[str]:
    """Run `cmd` as the cluster user: unchanged unless we are root."""
    if not _as_root():
        return list(cmd)
    runuser = shutil.which("runuser") or next(
        (p for p in ("/usr/sbin/runuser", "/sbin/runuser") if os.access(p, os.X_OK)), None
    )
    if runuser:
        return [runuser, "-u", CLUSTER_USER_WHEN_ROOT, "--", *cmd]
    su = shutil.which("su") or "/bin/su"
    return [su, CLUSTER_USER_WHEN_ROOT, "-s", "/bin/sh", "-c", shlex.join(cmd)]


def _run(
    cmd: Sequence[str], *, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    # Variables like PGPORT/PGDATA/PGHOST would silently redirect pg_ctl; ours are explicit.
    for var in ("PGDATA", "PGPORT", "PGHOST", "PGUSER", "PGDATABASE", "PGOPTIONS"):
        env.pop(var, None)
    try:
        return subprocess.run(
            _wrap(cmd),
            capture_output=True,
            text=True,
            cwd=cwd if cwd is not None else "/",
            env=env,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as error:
        raise LocalDbError(f"无法执行命令 / cannot run {cmd[0]}: {error}") from None
    except subprocess.TimeoutExpired:
        raise LocalDbError(
            f"命令超时 / command timed out after {timeout:.0f}s: {shlex.join(cmd)}"
        ) from None


def _last_line(*texts: str) -> str:
    """The most telling line of some command output (an error/FATAL line if there is one)."""
    lines = [line.strip() for text in texts for line in text.splitlines() if line.strip()]
    for line in reversed(lines):
        if re.search(r"\b(FATAL|ERROR|PANIC|error|could not|cannot|failed)\b", line):
            return line
    return lines[-1] if lines else "(no output)"


def _log_size(settings: Settings) -> int:
    try:
        return _log_file(settings).stat().st_size
    except OSError:
        return 0


def _log_since(settings: Settings, offset: int, max_bytes: int = 8000) -> str:
    """What the server logged after byte `offset` (at most the last `max_bytes`)."""
    try:
        with _log_file(settings).open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(offset, handle.tell() - max_bytes))
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _placement(settings: Settings) -> datadir.Placement:
    user = None
    # Without that user nothing can run; starting says so.
    if _as_root():
        with contextlib.suppress(KeyError):
            user = pwd.getpwnam(CLUSTER_USER_WHEN_ROOT)
    return datadir.place(
        settings.data_dir, explicit="data_dir" in settings.model_fields_set, cluster_user=user
    )


def _placed(settings: Settings) -> Settings:
    """`settings` with `data_dir` where the cluster lives (set explicitly, so placed once)."""
    return settings.model_copy(update={"data_dir": _placement(settings).path})


# --------------------------------------------------------------------------- cluster setup


def _prepare_dirs(settings: Settings) -> None:
    """Create data_dir, pgdata and run, owned by the cluster user, pgdata mode 0700."""
    user = _cluster_user()
    data_dir = settings.data_dir
    try:
        if data_dir.parent == datadir.FALLBACK_ROOT:
            # Made by root under whatever umask, yet the cluster user must pass through it.
            datadir.FALLBACK_ROOT.mkdir(parents=True, exist_ok=True)
            datadir.FALLBACK_ROOT.chmod(0o755)
        data_dir.mkdir(parents=True, exist_ok=True)
        for path, mode in ((_pgdata(settings), 0o700), (_run_dir(settings), 0o700)):
            path.mkdir(exist_ok=True)
            if _as_root():
                os.chown(path, user.pw_uid, user.pw_gid)
            path.chmod(mode)
        if _as_root():
            os.chown(data_dir, user.pw_uid, user.pw_gid)
            if _log_file(settings).exists():
                os.chown(_log_file(settings), user.pw_uid, user.pw_gid)
    except OSError as error:
        raise LocalDbError(
            f"无法创建数据目录 / cannot prepare the data directory {data_dir}: {error}"
        ) from None
    if _as_root():
        probe = _run(["test", "-w", str(data_dir), "-a", "-x", str(data_dir)])
        if probe.returncode != 0:
            raise LocalDbError(
                f"postgres 用户无法访问数据目录 / the `postgres` user cannot reach {data_dir} "
                "(a parent directory is not traversable): set GRIDLOOP_DATA_DIR to a path "
                "such as /var/lib/gridloop"
            )


def _initdb(settings: Settings) -> None:
    pgdata = _pgdata(settings)
    if any(pgdata.iterdir()):
        raise LocalDbError(
            f"数据目录不完整 / {pgdata} is not empty but holds no cluster (PG_VERSION missing): "
            "remove it (`make clean-db`) and start again"
        )
    initdb = str(bin_dir() / "initdb")
    base = [initdb, "-D", str(pgdata), "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8"]
    result = _run([*base, "--locale=C.UTF-8"], cwd=settings.data_dir)
    if result.returncode != 0 and re.search(r"locale", result.stderr + result.stdout, re.I):
        _empty_dir(pgdata)
        result = _run([*base, "--locale=C"], cwd=settings.data_dir)
    if result.returncode != 0:
        raise LocalDbError(
            "本地数据库初始化失败 / initdb failed: " + _last_line(result.stdout, result.stderr)
        )


def _empty_dir(path: Path) -> None:
    for child in path.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def _configure(settings: Settings) -> None:
    """(Re)write gridloop.conf and make postgresql.conf include it (once)."""
    run_dir = _run_dir(settings)
    socket_path = run_dir / f".s.PGSQL.{settings.local_db_port}"
    if len(str(socket_path)) > _MAX_SOCKET_PATH:
        raise LocalDbError(
            f"数据目录路径太长 / data_dir path too long for a unix socket ({socket_path}): "
            "set GRIDLOOP_DATA_DIR to a shorter path"
        )
    pgdata = _pgdata(settings)
    conf = "\n".join(
        [
            "# Written by gridloop.localdb on every start; edit config.py settings instead.",
            "listen_addresses = '127.0.0.1'",
            f"port = {settings.local_db_port}",
            f"unix_socket_directories = '{_conf_quote(str(run_dir))}'",
            "max_connections = 100",
            "shared_buffers = 256MB",
            "work_mem = 16MB",
            "maintenance_work_mem = 128MB",
            "effective_cache_size = 1GB",
            "fsync = on",
            "synchronous_commit = on",
            "full_page_writes = on",
            "timezone = 'UTC'",
            "log_timezone = 'UTC'",
            "log_min_duration_statement = 1000",
            "log_line_prefix = '%m [%p] %q%u@%d '",
            "",
        ]
    )
    main_conf = pgdata / "postgresql.conf"
    include = f"include_if_exists = '{CONF_NAME}'"
    try:
        (pgdata / CONF_NAME).write_text(conf, encoding="utf-8")
        text = main_conf.read_text(encoding="utf-8")
        if include not in text.splitlines():
            main_conf.write_text(text.rstrip("\n") + f"\n\n{include}\n", encoding="utf-8")
        if _as_root():
            user = _cluster_user()
            os.chown(pgdata / CONF_NAME, user.pw_uid, user.pw_gid)
            os.chown(main_conf, user.pw_uid, user.pw_gid)
    except OSError as error:
        raise LocalDbError(f"无法写入配置 / cannot write the cluster config: {error}") from None


def _conf_quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "''")


# --------------------------------------------------------------------------- status helpers


def _pg_ctl() -> str:
    return str(bin_dir() / "pg_ctl")


def _is_running(settings: Settings) -> bool:
    if not _is_initialised(settings):
        return False
    result = _run([_pg_ctl(), "-D", str(_pgdata(settings)), "status"], cwd=settings.data_dir)
    # 0: running; 3: not running; 4: no accessible data directory.
    return result.returncode == 0


def _running_port(settings: Settings) -> int | None:
    """The port in postmaster.pid (4th line), if readable."""
    try:
        lines = (_pgdata(settings) / "postmaster.pid").read_text(encoding="utf-8").splitlines()
        return int(lines[3])
    except (OSError, IndexError, ValueError):
        return None


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _wait_until_ready(settings: Settings, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    last_error = ""
    while True:
        try:
            with psycopg.connect(
                host="127.0.0.1",
                port=settings.local_db_port,
                user=SUPERUSER,
                dbname="postgres",
                connect_timeout=3,
            ) as conn:
                conn.execute("SELECT 1")
                return
        except psycopg.Error as error:
            last_error = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        if time.monotonic() > deadline:
            raise LocalDbError(
                "本地数据库未就绪 / local database does not accept connections on "
                f"127.0.0.1:{settings.local_db_port}: {last_error}"
            )
        time.sleep(0.3)


def _admin_url(settings: Settings) -> str:
    return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{settings.local_db_port}/postgres"


# --------------------------------------------------------------------------- public API


def start(settings: Settings) -> None:
    """Initialise (once), configure and start the local cluster; ensure the app database."""
    settings = _placed(settings)
    port = settings.local_db_port
    _prepare_dirs(settings)
    if not _is_initialised(settings):
        _initdb(settings)

    if _is_running(settings):
        running_port = _running_port(settings)
        if running_port is not None and running_port != port:
            raise LocalDbError(
                f"本地数据库已在其他端口运行 / the local database already runs on port "
                f"{running_port}, not {port}: run `gridloop db stop` first"
            )
    else:
        # The config is rewritten only while stopped, so a running cluster keeps what it has.
        _configure(settings)
        if _port_in_use(port):
            raise LocalDbError(
                f"端口被占用 / port 127.0.0.1:{port} is already used by another program: "
                "stop it or set GRIDLOOP_LOCAL_DB_PORT to a free port"
            )
        log_offset = _log_size(settings)
        result = _run(
            [
                _pg_ctl(),
                "-D",
                str(_pgdata(settings)),
                "-l",
                str(_log_file(settings)),
                "-w",
                "-t",
                "60",
                "start",
            ],
            cwd=settings.data_dir,
        )
        if result.returncode != 0:
            logged = _log_since(settings, log_offset)
            detail = _last_line(logged, result.stderr) if logged.strip() else ""
            detail = detail or _last_line(result.stdout, result.stderr)
            raise LocalDbError(
                f"本地数据库启动失败 / local database failed to start: {detail} "
                f"(log: {_log_file(settings)})"
            )
    _wait_until_ready(settings)
    ensure_database(_admin_url(settings), settings.local_db_name)


def stop(settings: Settings) -> None:
    """Stop the local cluster (fast shutdown); nothing to do if it is not running."""
    settings = _placed(settings)
    if not _is_running(settings):
        return
    result = _run(
        [_pg_ctl(), "-D", str(_pgdata(settings)), "-m", "fast", "-w", "-t", "60", "stop"],
        cwd=settings.data_dir,
    )
    if result.returncode != 0:
        raise LocalDbError(
            "本地数据库停止失败 / local database failed to stop: "
            + _last_line(result.stdout, result.stderr)
        )


def status(settings: Settings) -> str:
    """One line: running / stopped / not initialised, with port and data directory."""
    placement = _placement(settings)
    settings = _placed(settings)
    where = placement.describe()
    if not _is_initialised(settings):
        return f"not initialised (port {settings.local_db_port}, {where})"
    if _is_running(settings):
        port = _running_port(settings) or settings.local_db_port
        return f"running on 127.0.0.1:{port} ({where})"
    return f"stopped (port {settings.local_db_port}, {where})"


def destroy(settings: Settings) -> Path:
    """Stop the cluster and delete its files; returns the data directory they were in.

    Only the cluster's own entries go: whatever else the directory holds (photos) stays, and
    the directory with it.
    """
    settings = _placed(settings)
    stop(settings)
    data_dir = settings.data_dir
    try:
        for path in (_pgdata(settings), _run_dir(settings)):
            if path.is_dir():
                shutil.rmtree(path)
        _log_file(settings).unlink(missing_ok=True)
        with contextlib.suppress(FileNotFoundError):
            if not any(data_dir.iterdir()):
                data_dir.rmdir()
    except OSError as error:
        raise LocalDbError(f"无法删除数据目录 / cannot remove {data_dir}: {error}") from None
    return data_dir


def url(settings: Settings) -> str:
    """The SQLAlchemy URL the application uses (GRIDLOOP_DATABASE_URL or the local cluster)."""
    return settings.effective_database_url


# --------------------------------------------------------------------------- any server


def _connect_kwargs(parsed: URL, dbname: str) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"dbname": dbname, "connect_timeout": 10}
    if parsed.host:
        kwargs["host"] = parsed.host
    if parsed.port:
        kwargs["port"] = parsed.port
    if parsed.username:
        kwargs["user"] = parsed.username
    if parsed.password:
        kwargs["password"] = parsed.password
    for key, value in parsed.query.items():
        kwargs[key] = value if isinstance(value, str) else value[-1]
    return kwargs


def _describe(parsed: URL) -> str:
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}"


def _connect(parsed: URL, dbname: str) -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(**_connect_kwargs(parsed, dbname), autocommit=True)
    except psycopg.Error as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        raise LocalDbError(
            f"无法连接数据库 / cannot connect to database {dbname!r} on {_describe(parsed)}: "
            f"{first}"
        ) from None


def _connect_maintenance(parsed: URL) -> psycopg.Connection[Any]:
    try:
        return _connect(parsed, "postgres")
    except LocalDbError:
        # Some hosted servers have no `postgres` database; template1 always exists.
        with contextlib.suppress(LocalDbError):
            return _connect(parsed, "template1")
        raise


def _parse(admin_url: str) -> URL:
    try:
        return make_url(admin_url)
    except Exception as error:  # sqlalchemy raises ArgumentError for malformed URLs
        raise LocalDbError(f"数据库地址无效 / invalid database URL: {error}") from None


def _drop(conn: psycopg.Connection[Any], name: str) -> None:
    conn.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = %s AND pid <> pg_backend_pid()",
        (name,),
    )
    force = sql.SQL(" WITH (FORCE)") if conn.info.server_version >= 130000 else sql.SQL("")
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}{}").format(sql.Identifier(name), force))


def ensure_database(admin_url: str, name: str, *, drop_first: bool = False) -> str:
    """Make sure database `name` exists with PostGIS on the server of `admin_url`.

    Connects to the maintenance database of that server (the database in `admin_url` is
    ignored), creates `name` if missing (dropping it first when asked) and creates the
    `postgis` extension in it. Returns the SQLAlchemy URL of `name`.
    """
    parsed = _parse(admin_url)
    try:
        with _connect_maintenance(parsed) as conn:
            if drop_first:
                _drop(conn, name)
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if exists is None:
                with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        with _connect(parsed, name) as conn:
            available = conn.execute(
                "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'"
            ).fetchone()
            if available is None:
                raise LocalDbError(
                    f"服务器缺少 PostGIS 扩展 / PostGIS is not available on {_describe(parsed)}: "
                    + POSTGIS_HINT
                )
            # UniqueViolation: created concurrently by another session.
            with contextlib.suppress(psycopg.errors.UniqueViolation):
                conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    except psycopg.errors.InsufficientPrivilege as error:
        raise LocalDbError(
            f"权限不足 / insufficient privilege on {_describe(parsed)} for database {name!r}: "
            f"{str(error).strip().splitlines()[0]}"
        ) from None
    except psycopg.Error as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        raise LocalDbError(
            f"准备数据库失败 / cannot prepare database {name!r} on {_describe(parsed)}: {first}"
        ) from None
    return parsed.set(drivername="postgresql+psycopg", database=name).render_as_string(
        hide_password=False
    )


def drop_database(admin_url: str, name: str) -> None:
    """Drop database `name` on the server of `admin_url` if it exists (for throwaway ones)."""
    parsed = _parse(admin_url)
    try:
        with _connect_maintenance(parsed) as conn:
            _drop(conn, name)
    except psycopg.Error as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        raise LocalDbError(
            f"删除数据库失败 / cannot drop database {name!r} on {_describe(parsed)}: {first}"
        ) from None
