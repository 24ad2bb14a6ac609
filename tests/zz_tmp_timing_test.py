import time
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from app.config import Settings
from tests.factories import build_world

def test_t(client: TestClient, session: Session, settings: Settings) -> None:
    t=time.perf_counter()
    w = build_world(session, settings)
    t1=time.perf_counter()
    for _ in range(10):
        client.get(f"/api/v1/canvases/{w.canvas.id}", headers=w.headers["lead"])
    t2=time.perf_counter()
    print("world", t1-t, "req", (t2-t1)/10)
    for r in client.app.routes:
        print(getattr(r, "methods", None), r.path)
