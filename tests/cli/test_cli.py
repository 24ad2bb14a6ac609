"""The ``duk`` command (DESIGN §8 "Command line", §6 templates, §10 how it runs).

Commands that an operator runs once on a server (init, demo, serve, the refusals that depend on
having no terminal) run as a real process; the rest run in-process through ``app.cli.main`` to
keep the suite quick. Every test works on its own fresh database.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, selectinload

from app import cli, migrate
from app.access.scope import scope_for
from app.accounts.service import actor_from_user
from app.catalogue.seed import default_catalogue_path, load_catalogue
from app.catalogue.template_schema import default_template_dir, load_template_dir
from app.config import Settings, get_settings
from app.db import make_engine, make_session_factory
from app.demo import DEMO_PASSWORD, DEMO_USERS
from app.families import service as family_service
from app.families.schemas import FamilyCreate
from app.kit.crypto import DataKeys
from app.main import create_app
from app.members import service as member_service
from app.members.schemas import MemberCreate
from app.models import (
    AuditEvent,
    Base,
    Canvas,
    CanvasTemplate,
    Family,
    FamilyMember,
    RecoveryCode,
    Service,
    Unit,
    User,
)
from app.models.enums import MemberRelation, Role
from tests.cli.duk_process import run_duk, serving
from tests.conftest import TEST_HOSTS, TEST_SECRET
from tests.members.numbers import fodselsnummer
from tests.pg_server import create_database

GOOD_PASSWORD = "lang-nok-passord-2026"


# --- helpers ----------------------------------------------------------------------------------


def row_counts(database_url: str) -> dict[str, int]:
    """Rows per table, for every table the models define plus Alembic's own."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            counts = {
                table.name: connection.scalar(select(func.count()).select_from(table)) or 0
                for table in Base.metadata.sorted_tables
            }
            counts["alembic_version"] = (
                connection.scalar(text("SELECT count(*) FROM alembic_version")) or 0
            )
            return counts
    finally:
        engine.dispose()


@contextmanager
def reading(database_url: str) -> Iterator[Session]:
    """A short-lived session for looking at what a command stored. Short-lived because every
    SQLite transaction holds the write lock (app/db.py), which the next command would wait on."""
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


@pytest.fixture
def migrated_url(fresh_database_url: str) -> str:
    """The fresh database with its schema and nothing in it."""
    engine = make_engine(fresh_database_url)
    migrate.upgrade(engine)
    engine.dispose()
    return fresh_database_url


@pytest.fixture
def second_database_url(db_kind: str, database_server: str, tmp_path: Path) -> str:
    """Another empty database of the run's kind (the target of a restore)."""
    if db_kind == "postgres":
        return create_database(database_server, f"t_second_{uuid.uuid4().hex[:12]}")
    return f"sqlite:///{tmp_path / 'second.db'}"


def api(database_url: str) -> TestClient:
    """The API on a database, through its own engine (as ``duk serve`` builds it)."""
    settings = Settings(
        env="test", database_url=database_url, secret_key=TEST_SECRET, allowed_hosts=TEST_HOSTS
    )
    return TestClient(create_app(settings), raise_server_exceptions=False)


def sign_in(client: TestClient, username: str, password: str) -> dict[str, str]:
    response = client.post("/api/v1/tokens", json={"username": username, "password": password})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


@dataclass
class Ran:
    code: int
    out: str
    err: str


@pytest.fixture
def duk(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> DukInProcess:
    return DukInProcess(monkeypatch, capsys)


class DukInProcess:
    """``duk ARGS`` through ``app.cli.main`` in this process, with its own environment."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
        self.monkeypatch = monkeypatch
        self.capsys = capsys

    def __call__(
        self,
        *args: str,
        database_url: str,
        password: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Ran:
        self.monkeypatch.setenv("DUK_DATABASE_URL", database_url)
        self.monkeypatch.setenv("DUK_SECRET_KEY", TEST_SECRET)
        self.monkeypatch.setenv("DUK_ENV", "test")
        if password is None:
            self.monkeypatch.delenv("DUK_PASSWORD", raising=False)
        else:
            self.monkeypatch.setenv("DUK_PASSWORD", password)
        for key, value in (env or {}).items():
            self.monkeypatch.setenv(key, value)
        self.capsys.readouterr()
        # Settings are cached per process; the command must see this call's environment.
        get_settings.cache_clear()
        try:
            code = cli.main(list(args))
        finally:
            get_settings.cache_clear()
        captured = self.capsys.readouterr()
        return Ran(code, captured.out, captured.err)


def stored_template_titles(database_url: str) -> dict[tuple[str, int], str]:
    with reading(database_url) as db:
        return {
            (t.key, t.version): t.definition["title"]["nb"]
            for t in db.scalars(select(CanvasTemplate))
        }


# --- duk init ---------------------------------------------------------------------------------


def test_init_migrates_and_loads_the_templates_and_the_catalogue(
    fresh_database_url: str, duk: DukInProcess
) -> None:
    templates = load_template_dir(default_template_dir())
    catalogue = load_catalogue(default_catalogue_path())

    first = run_duk("init", database_url=fresh_database_url)

    assert first.returncode == 0, first.stderr
    assert "Database ready" in first.stdout
    for template in templates:
        assert f"{template.key} v{template.version}" in first.stdout
    assert f"{len(catalogue.services)} services added" in first.stdout
    with reading(fresh_database_url) as db:
        stored = {(t.key, t.version) for t in db.scalars(select(CanvasTemplate))}
        assert stored == {(t.key, t.version) for t in templates}
        assert set(db.scalars(select(Service.key))) == {s.id for s in catalogue.services}
        assert {o.slug for o in catalogue.organizations} <= set(db.scalars(select(Unit.slug)))
    counts = row_counts(fresh_database_url)
    assert counts["alembic_version"] == 1

    again = duk("init", database_url=fresh_database_url)

    assert again.code == 0, again.err
    assert "0 units and 0 services added, 0 services updated" in again.out
    assert row_counts(fresh_database_url) == counts


def _template_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "templates"
    directory.mkdir()
    shutil.copy(default_template_dir() / "familie.yaml", directory / "familie.yaml")
    return directory


def test_init_refuses_a_broken_template_and_loads_nothing(
    fresh_database_url: str, tmp_path: Path
) -> None:
    directory = _template_dir(tmp_path)
    # A second template, valid except that its first domain's title lacks nynorsk.
    lines = (directory / "familie.yaml").read_text(encoding="utf-8").splitlines()
    lines = ["key: ungdom" if line == "key: familie" else line for line in lines]
    bad_line = next(i for i, line in enumerate(lines) if "title: {nb: Bolig," in line)
    lines[bad_line] = "    title: {nb: Bolig, en: Housing}"
    (directory / "ungdom.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = run_duk(
        "init", database_url=fresh_database_url, env={"DUK_TEMPLATE_DIR": str(directory)}
    )

    assert result.returncode != 0
    assert f"ungdom.yaml:{bad_line + 1}: domains[0].title.nn" in result.stderr
    assert "nothing was loaded" in result.stderr
    # Not even the good familie.yaml beside it, nor the catalogue.
    counts = row_counts(fresh_database_url)
    assert counts["canvas_template"] == 0
    assert counts["service"] == 0


def test_init_refuses_a_changed_template_that_keeps_its_version(
    fresh_database_url: str, tmp_path: Path, duk: DukInProcess
) -> None:
    directory = _template_dir(tmp_path)
    env = {"DUK_TEMPLATE_DIR": str(directory)}
    assert duk("init", database_url=fresh_database_url, env=env).code == 0
    template_file = directory / "familie.yaml"
    original = template_file.read_text(encoding="utf-8")
    assert "  nb: Familiens duk\n" in original
    template_file.write_text(
        original.replace("  nb: Familiens duk\n", "  nb: Familiens nye duk\n"), encoding="utf-8"
    )

    changed = run_duk("init", database_url=fresh_database_url, env=env)

    assert changed.returncode != 0
    assert "familie.yaml" in changed.stderr
    assert "version" in changed.stderr
    assert "raise its version" in changed.stderr
    assert stored_template_titles(fresh_database_url) == {("familie", 2): "Familiens duk"}

    template_file.write_text(
        template_file.read_text(encoding="utf-8").replace("\nversion: 2\n", "\nversion: 3\n"),
        encoding="utf-8",
    )
    bumped = duk("init", database_url=fresh_database_url, env=env)

    assert bumped.code == 0, bumped.err
    assert "familie v3" in bumped.out
    assert stored_template_titles(fresh_database_url) == {
        ("familie", 2): "Familiens duk",
        ("familie", 3): "Familiens nye duk",
    }


# --- duk demo ---------------------------------------------------------------------------------


def test_demo_makes_users_and_families_once_and_a_demo_user_can_sign_in(
    fresh_database_url: str, duk: DukInProcess
) -> None:
    assert duk("init", database_url=fresh_database_url).code == 0

    first = run_duk("demo", database_url=fresh_database_url)

    assert first.returncode == 0, first.stderr
    assert DEMO_PASSWORD in first.stdout
    counts = row_counts(fresh_database_url)
    assert counts["user_account"] == len(DEMO_USERS)
    assert counts["family"] > 0
    assert counts["canvas"] > 0
    assert counts["plan"] > 0

    again = duk("demo", database_url=fresh_database_url)

    assert again.code == 0, again.err
    assert row_counts(fresh_database_url) == counts

    caseworker = next(u for u in DEMO_USERS if u.role is Role.caseworker)
    with api(fresh_database_url) as client:
        headers = sign_in(client, caseworker.username, DEMO_PASSWORD)
        me = client.get("/api/v1/me", headers=headers)
        assert me.status_code == 200, me.text
        assert (me.json()["username"], me.json()["role"]) == (caseworker.username, "caseworker")
        families = client.get("/api/v1/families", headers=headers)
        assert families.status_code == 200, families.text
        assert families.json()["items"]


# --- duk unit add / duk user add ---------------------------------------------------------------


def stored_user(database_url: str, username: str) -> User | None:
    with reading(database_url) as db:
        return db.scalar(
            select(User).where(User.username == username).options(selectinload(User.units))
        )


def test_unit_and_user_added_on_the_command_line_can_sign_in(
    migrated_url: str, duk: DukInProcess
) -> None:
    unit = duk(
        "unit",
        "add",
        "fredrikstad-familieteam",
        "--name",
        "Familieteamet i Fredrikstad",
        "--level",
        "municipal",
        "--municipality",
        "3107",
        database_url=migrated_url,
    )
    assert unit.code == 0, unit.err

    user = duk(
        "user",
        "add",
        "aase",
        "--role",
        "caseworker",
        "--unit",
        "fredrikstad-familieteam",
        "--display-name",
        "Åse Ærø (familieveileder)",
        database_url=migrated_url,
        password=GOOD_PASSWORD,
    )

    assert user.code == 0, user.err
    assert GOOD_PASSWORD not in user.out + user.err
    stored = stored_user(migrated_url, "aase")
    assert stored is not None
    assert stored.role is Role.caseworker
    assert stored.display_name == "Åse Ærø (familieveileder)"
    assert [(u.slug, u.name, u.municipality_code) for u in stored.units] == [
        ("fredrikstad-familieteam", "Familieteamet i Fredrikstad", "3107")
    ]
    assert stored.password_hash is not None
    assert GOOD_PASSWORD not in stored.password_hash
    with api(migrated_url) as client:
        me = client.get("/api/v1/me", headers=sign_in(client, "aase", GOOD_PASSWORD))
        assert me.status_code == 200, me.text
        assert me.json()["display_name"] == "Åse Ærø (familieveileder)"
        assert [u["slug"] for u in me.json()["units"]] == ["fredrikstad-familieteam"]
        wrong = client.post(
            "/api/v1/tokens", json={"username": "aase", "password": "not-the-password"}
        )
        assert wrong.status_code == 401


def add_test_unit(database_url: str, duk: DukInProcess) -> None:
    added = duk(
        "unit", "add", "testenhet", "--name", "Testenhet", "--level", "municipal",
        database_url=database_url,
    )  # fmt: skip
    assert added.code == 0, added.err


def add_kari(database_url: str, duk: DukInProcess) -> None:
    add_test_unit(database_url, duk)
    added = duk(
        "user", "add", "kari", "--role", "caseworker", "--unit", "testenhet",
        "--display-name", "Kari Først",
        database_url=database_url, password=GOOD_PASSWORD,
    )  # fmt: skip
    assert added.code == 0, added.err


@pytest.mark.parametrize(
    ("username", "unit", "password", "message"),
    [
        pytest.param("kari", "testenhet", GOOD_PASSWORD, "'kari' exists already", id="duplicate"),
        pytest.param("nils", "no-such-unit", GOOD_PASSWORD, "no unit 'no-such-unit'", id="unit"),
        pytest.param("nils", "testenhet", "kort", "password: At least 10", id="short-password"),
    ],
)
def test_user_add_refuses_bad_input_and_adds_nobody(
    migrated_url: str,
    duk: DukInProcess,
    username: str,
    unit: str,
    password: str,
    message: str,
) -> None:
    add_kari(migrated_url, duk)
    users_before = row_counts(migrated_url)["user_account"]

    result = duk(
        "user",
        "add",
        username,
        "--role",
        "reviewer",
        "--unit",
        unit,
        "--display-name",
        "Ny Bruker",
        database_url=migrated_url,
        password=password,
    )

    assert result.code != 0
    assert message in result.err
    assert row_counts(migrated_url)["user_account"] == users_before
    kari = stored_user(migrated_url, "kari")
    assert kari is not None
    assert kari.display_name == "Kari Først"
    assert kari.role is Role.caseworker
    assert stored_user(migrated_url, "nils") is None


def test_unit_add_refuses_a_slug_that_exists(migrated_url: str, duk: DukInProcess) -> None:
    add_kari(migrated_url, duk)

    result = duk(
        "unit", "add", "testenhet", "--name", "Et annet navn", "--level", "state",
        database_url=migrated_url,
    )  # fmt: skip

    assert result.code != 0
    assert "'testenhet' exists already" in result.err
    with reading(migrated_url) as db:
        names = db.scalars(select(Unit.name).where(Unit.slug == "testenhet")).all()
    assert names == ["Testenhet"]


def test_user_add_without_a_password_and_without_a_terminal_is_refused(
    migrated_url: str, duk: DukInProcess
) -> None:
    add_test_unit(migrated_url, duk)

    result = run_duk(
        "user",
        "add",
        "nils",
        "--role",
        "caseworker",
        "--unit",
        "testenhet",
        database_url=migrated_url,
    )

    assert result.returncode != 0
    assert "DUK_PASSWORD" in result.stderr
    assert stored_user(migrated_url, "nils") is None


def test_user_add_with_an_oidc_subject_needs_no_password_and_links_the_user(
    migrated_url: str, duk: DukInProcess
) -> None:
    add_test_unit(migrated_url, duk)
    args = ("user", "add", "kari", "--role", "caseworker", "--unit", "testenhet")

    result = run_duk(*args, "--oidc-subject", "a1b2-sub", database_url=migrated_url)

    assert result.returncode == 0, result.stderr
    assert "identity provider" in result.stdout
    stored = stored_user(migrated_url, "kari")
    assert stored is not None
    assert stored.oidc_subject == "a1b2-sub"
    assert stored.password_hash is None
    # One subject, one user.
    again = run_duk(
        "user",
        "add",
        "kari2",
        "--role",
        "caseworker",
        "--oidc-subject",
        "a1b2-sub",
        database_url=migrated_url,
    )
    assert again.returncode != 0
    assert "linked" in again.stderr
    assert stored_user(migrated_url, "kari2") is None


def test_user_reset_totp_forgets_the_enrolment_and_is_audited(
    migrated_url: str, duk: DukInProcess
) -> None:
    add_test_unit(migrated_url, duk)
    args = ("user", "add", "kari", "--role", "caseworker", "--unit", "testenhet")
    assert duk(*args, database_url=migrated_url, password=GOOD_PASSWORD).code == 0
    engine = make_engine(migrated_url)
    with make_session_factory(engine)() as session:
        user = session.scalars(select(User).where(User.username == "kari")).one()
        user.totp_secret_encrypted = b"encrypted"
        user.totp_enrolled_at = user.created_at
        user.totp_last_step = 123
        session.add(RecoveryCode(user_id=user.id, code_hash="hash"))
        session.commit()
    engine.dispose()

    reset = duk("user", "reset-totp", "kari", database_url=migrated_url)

    assert reset.code == 0, reset.err
    assert "kari" in reset.out
    with reading(migrated_url) as db:
        stored = db.scalars(select(User).where(User.username == "kari")).one()
        assert stored.totp_secret_encrypted is None
        assert stored.totp_enrolled_at is None
        assert stored.totp_last_step is None
        assert db.scalar(select(func.count()).select_from(RecoveryCode)) == 0
        assert (
            db.scalar(select(AuditEvent.purpose).where(AuditEvent.record_id == str(stored.id)))
            == "totp_reset"
        )
    unknown = duk("user", "reset-totp", "nobody", database_url=migrated_url)
    assert unknown.code == 1
    assert "nobody" in unknown.err


# --- duk backup / duk restore -----------------------------------------------------------------

NORWEGIAN_TEXT = "Blåbærsyltetøy på brødskiva, og ÆØÅ i store bokstaver: «Vi får det til!»"


def test_backup_restores_every_row_into_an_empty_database(
    fresh_database_url: str, second_database_url: str, duk: DukInProcess, tmp_path: Path
) -> None:
    source = fresh_database_url
    assert duk("init", database_url=source).code == 0
    assert duk("demo", database_url=source).code == 0
    with reading(source) as db:
        # A canvas of the caseworker's own (the demo's synthetic families have other leads).
        canvas_id = db.scalars(
            select(Canvas.id).join(Family).where(Family.display_name == "Familien Haddad")
        ).first()
    assert canvas_id is not None
    caseworker = next(u for u in DEMO_USERS if u.role is Role.caseworker)
    with api(source) as client:
        headers = sign_in(client, caseworker.username, DEMO_PASSWORD)
        canvas = client.get(f"/api/v1/canvases/{canvas_id}", headers=headers)
        assert canvas.status_code == 200, canvas.text
        patched = client.patch(
            f"/api/v1/canvases/{canvas_id}",
            json={
                "centre": {"what_matters": NORWEGIAN_TEXT},
                "domains": {"bolig": {"situation": NORWEGIAN_TEXT + "\nNy linje: æ ø å."}},
            },
            headers=headers | {"If-Match": canvas.headers["etag"]},
        )
        assert patched.status_code == 200, patched.text
        before = client.get(f"/api/v1/canvases/{canvas_id}", headers=headers).json()
    assert before["centre"]["what_matters"] == NORWEGIAN_TEXT
    assert before["domains"]["bolig"]["situation"] == NORWEGIAN_TEXT + "\nNy linje: æ ø å."
    backup_file = tmp_path / "duk-backup.jsonl.gz"

    backed_up = duk("backup", str(backup_file), database_url=source)

    assert backed_up.code == 0, backed_up.err
    target = second_database_url
    target_engine = make_engine(target)
    migrate.upgrade(target_engine)
    target_engine.dispose()

    restored = duk("restore", str(backup_file), database_url=target)

    assert restored.code == 0, restored.err
    assert row_counts(target) == row_counts(source)
    with api(target) as client:
        headers = sign_in(client, caseworker.username, DEMO_PASSWORD)
        after = client.get(f"/api/v1/canvases/{canvas_id}", headers=headers)
        assert after.status_code == 200, after.text
    assert after.json() == before

    counts = row_counts(target)
    again = duk("restore", str(backup_file), database_url=target)

    assert again.code != 0
    assert "empty database" in again.err
    assert row_counts(target) == counts


# --- duk serve --------------------------------------------------------------------------------


def test_serve_answers_health_on_a_migrated_database(migrated_url: str, tmp_path: Path) -> None:
    with serving(migrated_url, tmp_path / "serve.log") as server:
        response = httpx2.get(f"{server.base_url}/api/v1/health", timeout=10)
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok"}
    assert server.process.returncode is not None


# --- files only their owner reads, and a data key of its own (issue 10 #8) ---------------------


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_the_database_and_a_backup_are_readable_by_their_owner_only(
    tmp_path: Path, duk: DukInProcess
) -> None:
    database = tmp_path / "duk.db"
    url = f"sqlite:///{database}"
    assert duk("init", database_url=url).code == 0
    backup = tmp_path / "duk-backup.jsonl.gz"
    backup.write_text("an old file anyone could read")
    backup.chmod(0o644)

    assert duk("backup", str(backup), database_url=url).code == 0

    assert _mode(database) == 0o600
    assert _mode(backup) == 0o600
    # A database that was readable by others before is tightened by the next command.
    database.chmod(0o644)
    assert duk("backup", str(tmp_path / "again.gz"), database_url=url).code == 0
    assert _mode(database) == 0o600


MEMBER_ID = fodselsnummer(date(1975, 1, 1))


def test_the_national_id_survives_a_new_secret_key_and_moves_to_a_new_data_key(
    migrated_url: str, duk: DukInProcess
) -> None:
    first, second = (
        duk("data-key", database_url=migrated_url),
        duk("data-key", database_url=migrated_url),
    )
    key_a, key_b = first.out.strip(), second.out.strip()
    assert key_a != key_b
    with reading(migrated_url) as db:
        unit = Unit(slug="nav-test", name="NAV Test", level="state")
        db.add(unit)
        db.flush()
        user = User(username="kari", display_name="Kari", role=Role.caseworker, password_hash="x")
        user.units = [unit]
        db.add(user)
        db.commit()
    settings_a = Settings(
        env="test", database_url=migrated_url, secret_key=TEST_SECRET, data_key=key_a
    )
    with reading(migrated_url) as db:
        kari = db.scalars(select(User).options(selectinload(User.units))).one()
        family = family_service.create_family(
            db,
            actor_from_user(kari),
            FamilyCreate.model_validate(
                {
                    "display_name": "Familien Nøkkel",
                    "municipality_code": "3107",
                    "national_id": "01017549819",
                    "household": {"adults": 1, "children_birth_years": [], "single_parent": True},
                }
            ),
            settings_a,
        )
        family_id = family.id
        # A member's number is encrypted and hashed with the data key: both move with it.
        member_service.add_member(
            db,
            actor_from_user(kari),
            scope_for(db, actor_from_user(kari), family),
            MemberCreate(
                name="Mor", relation=MemberRelation.parent, birth_year=1975, national_id=MEMBER_ID
            ),
            settings_a,
        )
        # A TOTP secret is encrypted with the data key too, and moves with it.
        kari.totp_secret_encrypted = DataKeys(key_a).encrypt("JBSWY3DPEHPK3PXP")
        db.commit()

    def read_with(secret_key: str, data_key: str) -> str | None:
        settings = Settings(
            env="test", database_url=migrated_url, secret_key=secret_key, data_key=data_key
        )
        with reading(migrated_url) as db:
            stored = db.get(Family, family_id)
            assert stored is not None
            return family_service.national_id(settings, stored)

    def member_found_with(current: str, *old: str) -> bool:
        keys = DataKeys(current, old)
        with reading(migrated_url) as db:
            found = db.scalars(
                select(FamilyMember.id).where(
                    FamilyMember.national_id_key.in_(keys.lookup_hashes(MEMBER_ID))
                )
            ).all()
        return len(found) == 1

    # A new secret key (CSRF, cell keys) leaves the stored number readable.
    assert read_with(secret_key="another-secret-" + "x" * 40, data_key=key_a) == "01017549819"
    # While the old key is still named, the member is found by it; by the new alone, not yet.
    assert member_found_with(key_b, key_a)
    assert not member_found_with(key_b)
    refused = duk(
        "rotate-key", database_url=migrated_url, env={"DUK_DATA_KEY": key_b}
    )  # the old key is not named: nothing can be moved
    assert refused.code == 1
    moved = duk(
        "rotate-key",
        database_url=migrated_url,
        env={"DUK_DATA_KEY": key_b, "DUK_DATA_KEYS_OLD": key_a},
    )
    assert moved.code == 0, moved.err
    assert "Re-encrypted 3" in moved.out
    assert member_found_with(key_b)
    # The old key can go.
    assert read_with(secret_key=TEST_SECRET, data_key=key_b) == "01017549819"
    with reading(migrated_url) as db:
        secret = db.scalars(select(User.totp_secret_encrypted)).one()
        assert secret is not None
        assert DataKeys(key_b).decrypt(secret) == "JBSWY3DPEHPK3PXP"


def test_production_refuses_to_start_without_a_data_key_of_its_own() -> None:
    with pytest.raises(ValueError, match="DUK_DATA_KEY"):
        Settings(env="production", secret_key="s" * 40)
    with pytest.raises(ValueError, match="DUK_DATA_KEY"):
        Settings(env="test", data_key="not-a-key")
