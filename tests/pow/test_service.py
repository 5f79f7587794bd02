"""The proof of work's check, piece by piece: each refusal has its own code, a solution
opens one door once (on both backends), and the expiry follows Puerta's clock."""

from __future__ import annotations

import base64
import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from puerta import errors
from puerta.clock import FrozenClock
from puerta.config import Settings
from puerta.db import Database
from puerta.pow import service
from puerta.pow.models import SpentChallenge


def _decoded(payload: str) -> dict:
    return json.loads(base64.b64decode(payload))


def _encoded(data: dict) -> str:
    return base64.b64encode(json.dumps(data).encode()).decode()


@pytest.fixture
def payload(settings: Settings, clock: FrozenClock) -> str:
    return service.solve(service.issue(settings=settings, clock=clock))


def test_a_solved_challenge_passes_the_check(
    payload: str, settings: Settings, clock: FrozenClock
) -> None:
    proof = service.check(payload, settings=settings, clock=clock)
    assert proof.nonce == _decoded(payload)["challenge"]["parameters"]["nonce"]
    assert proof.expires_at == clock.now() + timedelta(seconds=settings.pow_expiry_seconds)


def test_the_challenge_is_the_library_s_with_the_work_the_settings_ask(
    settings: Settings, clock: FrozenClock
) -> None:
    made = service.issue(settings=settings.model_copy(update={"pow_cost": 7}), clock=clock)
    parameters = made["parameters"]
    assert parameters["algorithm"] == "PBKDF2/SHA-256"
    assert parameters["cost"] == 7
    assert len(parameters["keyPrefix"]) == 32  # deterministic: the client finds one counter
    assert parameters["data"] == {"expires": int(clock.now().timestamp()) + 300}
    assert "expiresAt" not in parameters  # the library's wall-clock check is not used
    solved = _decoded(service.solve(made))["solution"]
    assert 0 <= solved["counter"] < settings.pow_max_number


@pytest.mark.parametrize("sent", [None, "", "   "])
def test_no_solution_is_missing(sent: str | None, settings: Settings, clock: FrozenClock) -> None:
    with pytest.raises(errors.ProofMissing) as caught:
        service.check(sent, settings=settings, clock=clock)
    assert (caught.value.code, caught.value.status, caught.value.field) == (
        "challenge.missing",
        400,
        "altcha",
    )


@pytest.mark.parametrize(
    "sent",
    [
        "not base64 at all!",
        base64.b64encode(b"not json").decode(),
        _encoded({"challenge": None, "solution": None, "test": True}),  # the widget's test mode
        _encoded({"challenge": {"parameters": {}, "signature": "ab"}, "solution": {}}),
        "A" * (service.MAX_PAYLOAD + 4),
    ],
)
def test_what_is_not_a_payload_is_malformed(
    sent: str, settings: Settings, clock: FrozenClock
) -> None:
    with pytest.raises(errors.ProofMalformed):
        service.check(sent, settings=settings, clock=clock)


def test_a_payload_with_odd_types_is_malformed_not_an_error(
    payload: str, settings: Settings, clock: FrozenClock
) -> None:
    data = _decoded(payload)
    data["solution"]["counter"] = "12"
    with pytest.raises(errors.ProofMalformed):
        service.check(_encoded(data), settings=settings, clock=clock)
    data = _decoded(payload)
    data["challenge"]["parameters"]["data"] = {}
    with pytest.raises(errors.ProofMalformed):
        service.check(_encoded(data), settings=settings, clock=clock)


def test_a_wrong_counter_is_wrong(payload: str, settings: Settings, clock: FrozenClock) -> None:
    data = _decoded(payload)
    data["solution"]["counter"] += 1
    with pytest.raises(errors.ProofWrong):
        service.check(_encoded(data), settings=settings, clock=clock)


def test_a_changed_challenge_breaks_its_signature(
    payload: str, settings: Settings, clock: FrozenClock
) -> None:
    data = _decoded(payload)
    data["challenge"]["parameters"]["data"]["expires"] += 3600  # a longer life
    with pytest.raises(errors.ProofWrong):
        service.check(_encoded(data), settings=settings, clock=clock)


def test_a_challenge_signed_with_another_key_is_wrong(
    settings: Settings, clock: FrozenClock
) -> None:
    other = settings.model_copy(update={"secret_key": "another secret"})
    foreign = service.solve(service.issue(settings=other, clock=clock))
    with pytest.raises(errors.ProofWrong):
        service.check(foreign, settings=settings, clock=clock)


def test_the_signing_key_is_derived_not_the_secret_itself(settings: Settings) -> None:
    key = service.signing_key(settings)
    assert key != settings.secret_key
    assert len(key) == 64


def test_a_challenge_expires_on_puerta_s_clock(
    payload: str, settings: Settings, clock: FrozenClock
) -> None:
    clock.advance(seconds=settings.pow_expiry_seconds - 1)
    service.check(payload, settings=settings, clock=clock)
    clock.advance(seconds=1)
    with pytest.raises(errors.ProofExpired):
        service.check(payload, settings=settings, clock=clock)


def test_a_solution_opens_one_door_once(
    db: Database, payload: str, settings: Settings, clock: FrozenClock
) -> None:
    with db.session() as s:
        service.require(s, payload, settings=settings, clock=clock)
    with db.session() as s, pytest.raises(errors.ProofReplayed):
        service.require(s, payload, settings=settings, clock=clock)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(SpentChallenge)) == 1


def test_a_rolled_back_use_does_not_spend_the_solution(
    db: Database, payload: str, settings: Settings, clock: FrozenClock
) -> None:
    class Refused(Exception):
        pass

    def refused_sign_up() -> None:
        with db.session() as s:
            service.require(s, payload, settings=settings, clock=clock)
            raise Refused  # refused for another reason: its transaction rolls back

    with pytest.raises(Refused):
        refused_sign_up()
    with db.session() as s:
        service.require(s, payload, settings=settings, clock=clock)


def test_the_sweep_forgets_only_expired_proofs(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    early = service.solve(service.issue(settings=settings, clock=clock))
    clock.advance(seconds=120)
    late = service.solve(service.issue(settings=settings, clock=clock))
    with db.session() as s:
        service.require(s, early, settings=settings, clock=clock)
        service.require(s, late, settings=settings, clock=clock)
    clock.advance(seconds=settings.pow_expiry_seconds - 60)  # early has expired, late has not
    with db.session() as s:
        assert service.sweep(s, clock=clock) == 1
    with db.session() as s:
        with pytest.raises(errors.ProofReplayed):
            service.spend(s, service.check(late, settings=settings, clock=clock))
        assert (
            s.scalar(select(SpentChallenge.nonce))
            == _decoded(late)["challenge"]["parameters"]["nonce"]
        )


@pytest.mark.committing  # several threads, several connections: each sees the others' commits
def test_racing_with_one_solution_opens_one_door(
    db: Database, payload: str, settings: Settings, clock: FrozenClock
) -> None:
    proof = service.check(payload, settings=settings, clock=clock)
    racers = 4
    barrier = threading.Barrier(racers)
    outcomes: list[str] = []

    def use() -> None:
        if not db.is_postgres:  # SQLite's writers queue at BEGIN: meet before it
            barrier.wait(timeout=10)
        try:
            with db.session() as s:
                s.execute(select(1))  # PostgreSQL: every transaction open before any inserts
                if db.is_postgres:
                    barrier.wait(timeout=10)
                service.spend(s, proof)
            outcomes.append("spent")
        except errors.ProofReplayed:
            outcomes.append("replayed")

    threads = [threading.Thread(target=use) for _ in range(racers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["replayed"] * (racers - 1) + ["spent"]
