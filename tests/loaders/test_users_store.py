"""The users file (loaders.users_store): 0600, hashes only, versions and undo, sign-in with
throttling and lockout (a fake clock and sleep keep these fast)."""

from __future__ import annotations

import json
import os
import stat
import threading

import pytest
from argon2 import PasswordHasher

from loaders import users_store
from loaders.users_store import (
    SignInLocked,
    SignInThrottle,
    UsersError,
    add_user,
    authenticate,
    get_user,
    list_users,
    oidc_actor,
    remove_user,
    set_password,
    undo_users,
    users_enabled,
    users_path,
    users_versions,
)
from tests.loaders.conftest import snapshot

PW = "S3cret-pass"
POSIX = os.name == "posix"


class FakeTime:
    """A clock that only the test (and the throttle's sleeps) move."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.slept.append(s)
        self.now += s


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch):
    """Cheap Argon2id parameters (the default costs ~0.25 s a hash on the test machine);
    test_default_parameters checks the real ones."""
    monkeypatch.setattr(
        users_store, "_HASHER", PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1)
    )
    users_store._dummy_hash.cache_clear()
    yield
    users_store._dummy_hash.cache_clear()


def test_default_parameters(home, monkeypatch):
    monkeypatch.setattr(users_store, "_HASHER", PasswordHasher())
    add_user("wang", PW, "editor", ["110105"], home=home)
    digest = json.loads(users_path(home).read_text(encoding="utf-8"))["users"]["wang"]["hash"]
    default = PasswordHasher()
    assert digest.startswith("$argon2id$")
    assert f"m={default.memory_cost},t={default.time_cost},p={default.parallelism}" in digest
    assert not default.check_needs_rehash(digest)
    assert authenticate("wang", PW, home=home, throttle=SignInThrottle()) is not None


@pytest.fixture
def fake():
    return FakeTime()


@pytest.fixture
def gate(fake):
    return SignInThrottle(clock=fake.clock, sleep=fake.sleep)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.skipif(not POSIX, reason="file modes are POSIX")
def test_file_and_versions_are_0600_and_stay_so(home):
    add_user("admin1", PW, "admin", home=home)
    path = users_path(home)
    assert path == home / "users.json"
    assert mode(path) == 0o600
    add_user("wang", PW, "editor", ["110105"], home=home)
    set_password("wang", "another-password", home=home)
    assert mode(path) == 0o600
    assert users_versions(home) == ["users.v0001.json", "users.v0002.json"]
    for v in users_versions(home):
        assert mode(home / v) == 0o600


def test_the_password_is_never_stored_in_clear(home):
    add_user("wang", PW, "editor", ["110105"], home=home)
    raw = users_path(home).read_text(encoding="utf-8")
    assert PW not in raw
    data = json.loads(raw)
    assert data["version"] == 1
    rec = data["users"]["wang"]
    assert rec["hash"].startswith("$argon2id$")
    assert set(rec) == {"role", "districts", "hash", "created", "changed"}
    assert rec["districts"] == ["110105"]
    shown = [u.to_dict() for u in list_users(home)]
    assert shown == [
        {
            "name": "wang",
            "role": "editor",
            "districts": ["110105"],
            "created": rec["created"],
            "changed": rec["changed"],
        }
    ]
    assert "hash" not in repr(get_user("wang", home))


@pytest.mark.parametrize(
    ("name", "password", "role", "districts", "what"),
    [
        ("bad name", PW, "viewer", (), "not valid"),
        ("x" * 65, PW, "viewer", (), "not valid"),
        ("a/b", PW, "viewer", (), "not valid"),
        ("", PW, "viewer", (), "not valid"),
        ("wang", PW, "root", (), "role"),
        ("wang", PW, "editor", (), "at least one district"),
        ("wang", PW, "editor", ["110000"], "110000"),
        ("wang", "short", "viewer", (), "too short"),
    ],
)
def test_invalid_users_are_refused_and_nothing_written(
    store, home, name, password, role, districts, what
):
    before = snapshot(home)
    with pytest.raises(UsersError, match=what):
        add_user(name, password, role, districts, home=home)
    assert snapshot(home) == before
    assert not users_enabled(home)


def test_names_allow_letters_digits_and_some_punctuation(store, home):
    for n in ("zhang.wei", "li_na-2", "ops@city.gov.cn", "王伟"):
        add_user(n, PW, "viewer", home=home)
    with pytest.raises(UsersError, match="exists already"):
        add_user("Zhang.Wei", PW, "viewer", home=home)  # another case is the same name
    assert [u.name for u in list_users(home)] == sorted(
        ["zhang.wei", "li_na-2", "ops@city.gov.cn", "王伟"]
    )


def test_changes_of_unknown_users_are_refused(store, home):
    add_user("a1", PW, "admin", home=home)
    before = snapshot(home), users_versions(home), list_users(home)
    with pytest.raises(UsersError, match="no user"):
        set_password("nobody", PW, home=home)
    with pytest.raises(UsersError, match="no user"):
        remove_user("nobody", home=home)
    assert (snapshot(home), users_versions(home), list_users(home)) == before


def test_undo_steps_back_to_no_file(store, home):
    with pytest.raises(UsersError, match="nothing to undo"):
        undo_users(home)
    add_user("a1", PW, "admin", home=home)
    add_user("b2", PW, "viewer", home=home)
    remove_user("a1", home=home)
    assert [u.name for u in list_users(home)] == ["b2"]
    assert undo_users(home) == "users.v0002.json"
    assert [u.name for u in list_users(home)] == ["a1", "b2"]
    assert undo_users(home) == "users.v0001.json"
    assert [u.name for u in list_users(home)] == ["a1"]
    assert users_enabled(home)
    assert undo_users(home) is None  # before the first change: no file, sign-in off
    assert not users_path(home).exists()  # (nor with a database: users live there)
    assert not users_enabled(home)
    with pytest.raises(UsersError, match="nothing to undo"):
        undo_users(home)
    assert len(users_versions(home)) == 5  # what was undone is kept too


def test_users_file_from_the_environment(tmp_path, home, monkeypatch):
    other = tmp_path / "secrets" / "people.json"
    monkeypatch.setenv("EXCHANGE_ATLAS_USERS", str(other))
    add_user("a1", PW, "admin", home=home)
    add_user("b2", PW, "admin", home=home)
    assert other.is_file() and not (home / "users.json").exists()
    assert users_versions(home) == ["people.v0001.json"]
    assert users_enabled(home)


def test_a_broken_file_is_a_clear_error(home):
    home.mkdir(parents=True)
    users_path(home).write_text("{not json", encoding="utf-8")
    with pytest.raises(UsersError, match="cannot be read"):
        list_users(home)


def test_authenticate_right_wrong_unknown(store, home, gate):
    add_user("wang", PW, "editor", ["110108", "110105"], home=home)
    who = authenticate("wang", PW, home=home, throttle=gate)
    assert who is not None
    assert (who.name, who.role, who.districts, who.via) == (
        "wang",
        "editor",
        ("110105", "110108"),
        "web",
    )
    assert authenticate("wang", "wrong-password", home=home, throttle=gate) is None
    assert authenticate("nobody", PW, home=home, throttle=gate) is None
    if store == "workspace":  # another workspace, other users (a database is one store)
        assert authenticate("wang", PW, home=home / "elsewhere", throttle=gate) is None


def test_an_unknown_name_costs_a_hash_check_too(home, gate, monkeypatch):
    add_user("wang", PW, "editor", ["110105"], home=home)
    calls: list[str] = []
    real = users_store._check

    def counting(digest, password):
        calls.append(digest)
        return real(digest, password)

    monkeypatch.setattr(users_store, "_check", counting)
    authenticate("nobody", PW, home=home, throttle=gate)
    authenticate("wang", "wrong-password", home=home, throttle=gate)
    assert len(calls) == 2
    # the dummy hash has the parameters of a real one: the same work
    assert calls[0].split("$")[3] == calls[1].split("$")[3]


def test_failures_slow_down_1_2_4_capped_at_8_seconds(home, gate, fake):
    add_user("wang", PW, "editor", ["110105"], home=home)
    for _ in range(8):
        assert authenticate("wang", "wrong-password", home=home, throttle=gate) is None
    assert fake.slept == [1, 2, 4, 8, 8]
    assert authenticate("wang", PW, home=home, throttle=gate) is not None  # 9th: waits 8 s
    assert fake.slept[-1] == 8
    n = len(fake.slept)
    authenticate("wang", "wrong-password", home=home, throttle=gate)
    assert len(fake.slept) == n  # a success reset the count


def test_ten_failures_in_fifteen_minutes_pause_the_name(home, gate, fake):
    add_user("wang", PW, "editor", ["110105"], home=home)
    for _ in range(10):
        authenticate("wang", "wrong-password", home=home, throttle=gate)
    with pytest.raises(SignInLocked) as exc:
        authenticate("wang", PW, home=home, throttle=gate)  # even the right password
    assert "too many failed sign-ins for wang" in str(exc.value)
    assert "15 minute" in str(exc.value)
    assert "暂停" in exc.value.args[0].text("zh")
    assert 0 < exc.value.seconds <= 900
    fake.now += 899
    with pytest.raises(SignInLocked):
        authenticate("wang", PW, home=home, throttle=gate)
    fake.now += 2
    assert authenticate("wang", PW, home=home, throttle=gate) is not None
    assert gate.delay("wang") == 0


def test_failures_spread_over_more_than_the_window_do_not_pause(home, gate, fake):
    add_user("wang", PW, "editor", ["110105"], home=home)
    for _ in range(12):
        authenticate("wang", "wrong-password", home=home, throttle=gate)
        fake.now += 200  # 12 failures over 40 minutes: never 10 within 15
    assert gate.locked_for("wang") == 0


def test_unknown_names_are_throttled_and_paused_alike(gate, home):
    for _ in range(10):
        assert authenticate("ghost", PW, home=home, throttle=gate) is None
    with pytest.raises(SignInLocked):
        authenticate("ghost", PW, home=home, throttle=gate)


def test_a_client_guessing_many_names_is_slowed(home, gate, fake):
    for i in range(5):
        authenticate(f"guess{i}", PW, client="10.0.0.9", home=home, throttle=gate)
    assert fake.slept == [1, 2]
    assert gate.delay("someone-new", "10.0.0.9") == 8 / 2  # 5 failures of the client
    assert gate.delay("someone-new", "10.0.0.10") == 0


def test_the_throttle_is_thread_safe(fake):
    gate = SignInThrottle(clock=fake.clock, sleep=lambda s: None, lock_after=10_000)

    def fail() -> None:
        for _ in range(200):
            gate.failed("wang", "c")

    threads = [threading.Thread(target=fail) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert gate._streak["user:wang"][0] == 1600


def test_an_old_hash_is_renewed_at_sign_in(home, gate):
    add_user("wang", PW, "editor", ["110105"], home=home)
    path = users_path(home)
    data = json.loads(path.read_text(encoding="utf-8"))
    weak = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1).hash(PW)
    data["users"]["wang"]["hash"] = weak
    path.write_text(json.dumps(data), encoding="utf-8")
    assert authenticate("wang", PW, home=home, throttle=gate) is not None
    renewed = json.loads(path.read_text(encoding="utf-8"))["users"]["wang"]["hash"]
    assert renewed != weak and not users_store._HASHER.check_needs_rehash(renewed)
    assert authenticate("wang", PW, home=home, throttle=gate) is not None


def test_users_enabled(store, home):
    assert not users_enabled(home)
    add_user("a1", PW, "admin", home=home)
    assert users_enabled(home)
    remove_user("a1", home=home)
    assert users_path(home).exists() == (store == "workspace") and not users_enabled(home)


def test_oidc_actor(store, home):
    add_user("Ops@City.gov.cn", PW, "editor", ["110105"], home=home)
    a = oidc_actor("ops@city.gov.cn", home)
    assert a is not None and (a.name, a.role, a.via) == ("Ops@City.gov.cn", "editor", "oidc")
    b = oidc_actor("visitor@example.org", home)
    assert b is not None and b.role == "viewer"
    assert oidc_actor("", home) is None
