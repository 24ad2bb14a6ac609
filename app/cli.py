"""The ``duk`` command: init, serve, demo, unit add, user add, backup, restore."""

from __future__ import annotations

import argparse
import copy
import getpass
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.config import get_settings
from app.db import make_engine, make_session_factory, session_scope
from app.models.enums import Role, UnitLevel


def _session_factory() -> sessionmaker[Session]:
    return make_session_factory(make_engine(get_settings().database_url))


def cmd_init(_args: argparse.Namespace) -> int:
    from app import migrate
    from app.catalogue import service as catalogue_service
    from app.catalogue import template_store
    from app.catalogue.seed import CatalogueError
    from app.catalogue.template_schema import TemplateError

    settings = get_settings()
    engine = make_engine(settings.database_url)
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    try:
        for session in session_scope(factory):
            templates = template_store.sync_templates(session)
            catalogue = catalogue_service.sync_catalogue(session)
    except (TemplateError, CatalogueError) as exc:
        print(f"duk init: {exc}", file=sys.stderr)
        print("duk init: nothing was loaded.", file=sys.stderr)
        return 1
    print(
        f"Database ready. Templates added: {', '.join(templates.added) or 'none'}; "
        f"unchanged: {', '.join(templates.unchanged) or 'none'}. "
        f"Catalogue: {catalogue.units_added} units and {catalogue.services_added} services "
        f"added, {catalogue.services_updated} services updated."
    )
    return 0


def _serve_log_config() -> dict[str, Any]:
    """uvicorn's own logging plus the app's "duk" loggers on the same stderr handler. Without a
    handler of its own, "duk" fell through to Python's last-resort handler, which drops INFO:
    the access line of every request (path, status, request id; no personal data) was lost."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["duk"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=_serve_log_config(),
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips=args.forwarded_allow_ips or get_settings().forwarded_allow_ips,
        log_level="info",
    )
    return 0


def cmd_demo(_args: argparse.Namespace) -> int:
    from app.demo import DEMO_PASSWORD, make_demo

    settings = get_settings()
    for session in session_scope(_session_factory()):
        made = make_demo(session, settings)
    if made:
        print("Demo municipality Fredrikstad made. Sign in as one of:")
        for line in made:
            print(f"  {line}")
        print(f"Password for all demo users: {DEMO_PASSWORD}")
    else:
        print(f"Demo data is there already (password for demo users: {DEMO_PASSWORD}).")
    return 0


def cmd_unit_add(args: argparse.Namespace) -> int:
    from app.accounts import service as account_service
    from app.kit.errors import DukError
    from app.models import Unit

    try:
        for session in session_scope(_session_factory()):
            parent = None
            if args.parent:
                parent = session.scalar(select(Unit).where(Unit.slug == args.parent))
                if parent is None:
                    print(f"duk: no unit {args.parent!r}", file=sys.stderr)
                    return 1
            unit = account_service.add_unit(
                session,
                slug=args.slug,
                name=args.name,
                level=UnitLevel(args.level),
                municipality_code=args.municipality,
                parent=parent,
            )
            print(f"Unit {unit.slug} added.")
    except DukError as exc:
        print(f"duk: {exc.detail}", file=sys.stderr)
        return 1
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    from app.accounts import service as account_service
    from app.kit.errors import DukError, Invalid
    from app.models import Unit

    password = os.environ.get("DUK_PASSWORD")
    # A user linked to the provider's subject signs in there; a password is then optional.
    if not password and not args.oidc_subject:
        if not sys.stdin.isatty():
            print("duk: set DUK_PASSWORD or run in a terminal", file=sys.stderr)
            return 1
        password = getpass.getpass("Password: ")
    try:
        for session in session_scope(_session_factory()):
            units = []
            for slug in args.unit or []:
                unit = session.scalar(select(Unit).where(Unit.slug == slug))
                if unit is None:
                    print(f"duk: no unit {slug!r}", file=sys.stderr)
                    return 1
                units.append(unit)
            user = account_service.add_user(
                session,
                username=args.username,
                role=Role(args.role),
                units=units,
                password=password or None,
                display_name=args.display_name,
                oidc_subject=args.oidc_subject,
            )
            linked = " (signs in through the identity provider)" if user.oidc_subject else ""
            print(f"User {user.username} ({user.role.value}) added{linked}.")
    except Invalid as exc:
        print(f"duk: {'; '.join(f'{e.field}: {e.message}' for e in exc.errors)}", file=sys.stderr)
        return 1
    except DukError as exc:
        print(f"duk: {exc.detail}", file=sys.stderr)
        return 1
    return 0


def cmd_user_reset_totp(args: argparse.Namespace) -> int:
    """Forget a user's second factor (a lost phone): they set it up again at their next
    sign-in. Audited (by the command line, no user)."""
    from app.accounts import totp
    from app.models import User

    for session in session_scope(_session_factory()):
        user = session.scalar(select(User).where(User.username == args.username))
        if user is None:
            print(f"duk: no user {args.username!r}", file=sys.stderr)
            return 1
        totp.reset(session, None, user)
        print(f"Two-step sign-in reset for {user.username}: they set it up at their next sign-in.")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from app.backup import backup

    target = Path(args.file)
    counts = backup(make_engine(get_settings().database_url), target)
    target.chmod(0o600)  # also when it overwrote a file that others could read
    print(f"Backed up {sum(counts.values())} rows from {len(counts)} tables to {args.file}.")
    return 0


def cmd_data_key(_args: argparse.Namespace) -> int:
    from app.kit.crypto import new_key

    print(new_key())
    return 0


def cmd_rotate_key(_args: argparse.Namespace) -> int:
    """Re-encrypt every stored identifier with the current DUK_DATA_KEY."""
    from sqlalchemy import select

    from app.accounts import totp
    from app.kit.crypto import InvalidToken, data_keys
    from app.members import service as member_service
    from app.models import Family

    settings = get_settings()
    keys = data_keys(settings)
    moved = 0
    for session in session_scope(_session_factory()):
        try:
            for family in session.scalars(
                select(Family).where(Family.national_id_encrypted.is_not(None))
            ):
                assert family.national_id_encrypted is not None
                family.national_id_encrypted = keys.rotate(family.national_id_encrypted)
                moved += 1
            moved += member_service.rotate_national_ids(session, settings)
            moved += totp.rotate_secrets(session, settings)
        except InvalidToken:
            print(
                "duk rotate-key: a stored value opens with none of the keys; name the key "
                "it was written with in DUK_DATA_KEYS_OLD. Nothing was changed.",
                file=sys.stderr,
            )
            session.rollback()
            return 1
    print(f"Re-encrypted {moved} stored identifiers and secrets with the current data key.")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from app import migrate
    from app.backup import restore

    engine = make_engine(get_settings().database_url)
    # Restore into a new, empty database: bring its schema to the current version first.
    migrate.upgrade(engine)
    try:
        counts = restore(engine, Path(args.file))
    except ValueError as exc:
        print(f"duk restore: {exc}", file=sys.stderr)
        return 1
    print(f"Restored {sum(counts.values())} rows into {len(counts)} tables.")
    return 0


def cmd_notify_send(_args: argparse.Namespace) -> int:
    """Send the queued messages whose time has come (a timer runs it every minute)."""
    from app.notifications import delivery

    outcome = delivery.send_due(_session_factory(), get_settings())
    print(f"Sent {outcome.sent}; {outcome.retrying} to be tried again; {outcome.failed} failed.")
    return 0


def cmd_notify_scan(_args: argparse.Namespace) -> int:
    """Queue today's reminders: actions due in 3 days, consents expiring in 14 (daily)."""
    from app.inbox import reminders
    from app.notifications.worker import scan_once

    queued = scan_once(_session_factory(), reminders.scan)
    print(f"Queued {queued} reminders.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="duk", description="Duk: the family's canvas and plan")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("init", help="migrate the database, load templates and catalogue").set_defaults(
        func=cmd_init
    )
    serve = sub.add_parser("serve", help="serve the app")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument(
        "--forwarded-allow-ips",
        default=None,
        help="the reverse proxies whose X-Forwarded-* headers are believed, comma-separated "
        "(default DUK_FORWARDED_ALLOW_IPS, or 127.0.0.1)",
    )
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("demo", help="make a demo municipality").set_defaults(func=cmd_demo)

    unit = sub.add_parser("unit", help="manage units").add_subparsers(
        dest="unit_cmd", required=True
    )
    unit_add = unit.add_parser("add", help="add a unit")
    unit_add.add_argument("slug")
    unit_add.add_argument("--name", required=True)
    unit_add.add_argument("--level", required=True, choices=[lv.value for lv in UnitLevel])
    unit_add.add_argument("--municipality")
    unit_add.add_argument("--parent")
    unit_add.set_defaults(func=cmd_unit_add)

    user = sub.add_parser("user", help="manage users").add_subparsers(
        dest="user_cmd", required=True
    )
    user_add = user.add_parser("add", help="add a user (password from DUK_PASSWORD or prompt)")
    user_add.add_argument("username")
    user_add.add_argument("--role", required=True, choices=[r.value for r in Role])
    user_add.add_argument("--unit", action="append", help="unit slug; repeat for several")
    user_add.add_argument("--display-name")
    user_add.add_argument(
        "--oidc-subject",
        metavar="SUB",
        help="the subject (sub) the OpenID Connect provider knows the user by; no password needed",
    )
    user_add.set_defaults(func=cmd_user_add)
    reset_totp = user.add_parser(
        "reset-totp", help="forget a user's two-step sign-in (a lost phone); they set it up again"
    )
    reset_totp.add_argument("username")
    reset_totp.set_defaults(func=cmd_user_reset_totp)

    backup = sub.add_parser("backup", help="write a portable backup file")
    backup.add_argument("file")
    backup.set_defaults(func=cmd_backup)
    sub.add_parser("data-key", help="print a new data key for DUK_DATA_KEY").set_defaults(
        func=cmd_data_key
    )
    sub.add_parser(
        "rotate-key", help="re-encrypt stored identifiers with the current DUK_DATA_KEY"
    ).set_defaults(func=cmd_rotate_key)
    notify = sub.add_parser("notify", help="word outside the app (e-mail, SMS)").add_subparsers(
        dest="notify_command", required=True
    )
    notify.add_parser("send", help="send the queued messages that are due").set_defaults(
        func=cmd_notify_send
    )
    notify.add_parser(
        "scan", help="queue today's reminders (actions due, consents expiring, next meetings)"
    ).set_defaults(func=cmd_notify_scan)
    restore = sub.add_parser("restore", help="restore a backup into an empty database")
    restore.add_argument("file")
    restore.set_defaults(func=cmd_restore)
    return parser


def _owner_only_files() -> int:
    """Every file Duk writes (the SQLite database and its journal, backups) is readable by its
    owner only: it holds the families' data. Files from before are tightened too. Returns the
    umask it replaced."""
    before = os.umask(0o077)
    # From the environment, not Settings: `duk data-key` must run where the settings are not
    # complete yet (production without its data key).
    url = os.environ.get("DUK_DATABASE_URL", "sqlite:///./duk.db")
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        database = Path(url.removeprefix("sqlite:///"))
        for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            if path.exists():
                path.chmod(0o600)
    return before


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    umask = _owner_only_files()
    try:
        code: int = args.func(args)
    finally:
        os.umask(umask)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
