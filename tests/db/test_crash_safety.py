"""DESIGN §9: "Kill the server process during a write storm: after restart every acknowledged
write is there."

A real ``duk serve`` process takes a storm of writes from several threads: new needs with
distinct texts, and autosaves of each canvas's centre text with If-Match. Every request that got
a 2xx answer was acknowledged to its client. The server is then killed with SIGKILL while the
storm is still running, started again on the same database, and every acknowledged write must
read back through the API.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import make_engine, make_session_factory
from tests.cli.duk_process import DukServer, serving, start_server
from tests.conftest import TEST_SECRET, prepare_database
from tests.factories import auth_headers, make_canvas, make_family, make_unit, make_user

FAMILIES = 3
STORM_SECONDS = 2.0
MIN_ACKNOWLEDGED = 50


@dataclass(frozen=True)
class Target:
    family_id: uuid.UUID
    canvas_id: uuid.UUID
    version: int
    headers: dict[str, str]


@dataclass
class Ledger:
    """What the clients were told: only a 2xx answer counts as acknowledged."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    # canvas id -> {need id: text}
    needs: dict[uuid.UUID, dict[str, str]] = field(default_factory=dict)
    # canvas id -> [(version, text)] in the order the answers came
    saves: dict[uuid.UUID, list[tuple[int, str]]] = field(default_factory=dict)
    # canvas id -> every centre text sent, in order (acknowledged or not)
    sent: dict[uuid.UUID, list[str]] = field(default_factory=dict)
    unexpected: list[str] = field(default_factory=list)

    def acknowledged(self) -> int:
        with self.lock:
            return sum(map(len, self.needs.values())) + sum(map(len, self.saves.values()))


def _seed(database_url: str, settings: Settings) -> list[Target]:
    engine = make_engine(database_url)
    try:
        prepare_database(engine)
        with make_session_factory(engine)() as session:
            return _families(session, settings)
    finally:
        engine.dispose()


def _families(session: Session, settings: Settings) -> list[Target]:
    unit = make_unit(session, name="NAV Storm")
    targets = []
    for n in range(FAMILIES):
        lead = make_user(session, units=[unit])
        family = make_family(session, lead, settings, display_name=f"Familien Storm {n}")
        canvas = make_canvas(session, lead, family)
        targets.append(
            Target(family.id, canvas.id, canvas.version, auth_headers(session, lead, settings))
        )
    session.commit()
    return targets


def _add_needs(server: DukServer, target: Target, ledger: Ledger, stop: threading.Event) -> None:
    with httpx2.Client(base_url=server.base_url, headers=target.headers, timeout=20) as client:
        for n in range(1_000_000):
            if stop.is_set():
                return
            text = f"Behov {n} for lerret {target.canvas_id.hex[:8]}: være trygg, få hjelp – æøå"
            try:
                response = client.post(
                    f"/api/v1/canvases/{target.canvas_id}/needs",
                    json={"domain": "bolig", "text": text, "priority": 2, "indicators": []},
                )
            except httpx2.TransportError:
                return  # the server is gone: this write was never acknowledged
            with ledger.lock:
                if response.status_code == 201:
                    ledger.needs.setdefault(target.canvas_id, {})[response.json()["id"]] = text
                else:
                    ledger.unexpected.append(f"POST need: {response.status_code} {response.text}")


def _autosave(server: DukServer, target: Target, ledger: Ledger, stop: threading.Event) -> None:
    # One autosaving client per canvas, as one tablet per meeting: every save should succeed.
    version = target.version
    with httpx2.Client(base_url=server.base_url, headers=target.headers, timeout=20) as client:
        for n in range(1_000_000):
            if stop.is_set():
                return
            text = f"Lagring {n}: at barna har det bra og at vi får en fast bolig – æøå"
            with ledger.lock:
                ledger.sent.setdefault(target.canvas_id, []).append(text)
            try:
                response = client.patch(
                    f"/api/v1/canvases/{target.canvas_id}",
                    json={"centre": {"what_matters": text}},
                    headers={"If-Match": f'"{version}"'},
                )
            except httpx2.TransportError:
                return
            with ledger.lock:
                if response.status_code != 200:
                    ledger.unexpected.append(f"PATCH canvas: {response.status_code}")
                    return
                version = response.json()["version"]
                ledger.saves.setdefault(target.canvas_id, []).append((version, text))


def test_every_acknowledged_write_survives_killing_the_server(
    fresh_database_url: str, settings: Settings, tmp_path: Path
) -> None:
    # The server process signs in with the same secret (tests/cli/duk_process.py).
    assert settings.secret_key == TEST_SECRET
    targets = _seed(fresh_database_url, settings)
    ledger = Ledger()
    stop = threading.Event()
    log = tmp_path / "serve.log"

    server = start_server(fresh_database_url, log)
    try:
        threads = [
            threading.Thread(target=work, args=(server, target, ledger, stop), daemon=True)
            for target in targets
            for work in (_add_needs, _autosave)
        ]
        for thread in threads:
            thread.start()
        # Let the storm run, then kill the server while every client is still writing.
        stop.wait(STORM_SECONDS)
        assert all(thread.is_alive() for thread in threads), ledger.unexpected
        server.kill()
    finally:
        stop.set()
        server.stop()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)

    acknowledged = ledger.acknowledged()
    print(f"acknowledged writes before SIGKILL: {acknowledged}")  # noqa: T201
    assert acknowledged > MIN_ACKNOWLEDGED, "the storm was too small to mean anything"
    assert ledger.unexpected == []

    with (
        serving(fresh_database_url, log) as restarted,
        httpx2.Client(base_url=restarted.base_url, timeout=20) as client,
    ):
        for target in targets:
            response = client.get(f"/api/v1/canvases/{target.canvas_id}", headers=target.headers)
            assert response.status_code == 200, response.text
            canvas = response.json()

            stored_needs = {need["id"]: need["text"] for need in canvas["needs"]}
            acknowledged_needs = ledger.needs.get(target.canvas_id, {})
            missing = {i: t for i, t in acknowledged_needs.items() if stored_needs.get(i) != t}
            assert missing == {}, f"acknowledged needs lost on {target.canvas_id}"

            saves = ledger.saves.get(target.canvas_id, [])
            if not saves:
                continue
            last_version, last_text = max(saves)
            assert canvas["version"] >= last_version
            stored_text = canvas["centre"]["what_matters"]
            if canvas["version"] == last_version:
                assert stored_text == last_text
            else:
                # The one save that was in flight when the server died may have committed
                # without its answer reaching the client: then it is the one sent after the
                # last answer, and nothing beyond it.
                assert canvas["version"] == last_version + 1
                sent = ledger.sent[target.canvas_id]
                assert stored_text == sent[sent.index(last_text) + 1]
