"""The users file: who may sign in to the dashboard, with which role and districts.

``<workspace>/users.json`` (or the file ``$EXCHANGE_ATLAS_USERS`` names)::

    {"version": 1, "previous": "users.v0002.json",
     "users": {"wang.li": {"role": "editor", "districts": ["110105"],
                           "hash": "$argon2id$…", "created": "…Z", "changed": "…Z"}}}

Passwords are kept only as Argon2id hashes (argon2-cffi's ``PasswordHasher``, its default
parameters; a hash made with older parameters is renewed at the next sign-in). The file is
readable by its owner only (mode 0600: the temporary file ``atomic_write_bytes`` creates
with ``mkstemp`` is, and a rename keeps it). Every change is written whole under the
directory's OS lock, after the content before it is kept as a write-once
``users.v0001.json``, ``users.v0002.json`` … (0600 too) that ``previous`` points to, so
:func:`undo_users` steps back. No file, or one without users, means sign-in is off.

Sign-in (:func:`authenticate`) is throttled per user name and per client
(:class:`SignInThrottle`), and an unknown name costs the same time as a known one.

With a database in use the same content and kept versions live in it
(:mod:`loaders.pg.users`), each change one transaction under the users' advisory lock;
``$EXCHANGE_ATLAS_USERS`` names a file of the workspace store only.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import threading
import time
import unicodedata
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from dashboard.core.messages import Msg
from dashboard.core.rights import ROLES, Actor
from dashboard.core.state import DISTRICT_CODES
from loaders.pg import database_url
from loaders.workspace import _fsync_dir, atomic_write_bytes, default_home, dir_lock

ENV_USERS = "EXCHANGE_ATLAS_USERS"
USERS_FILE = "users.json"
FORMAT = 1
NAME_MAX = 64
PASSWORD_MIN = 10
PASSWORD_MAX = 1024
_NAME_PUNCT = frozenset("._-@")

log = logging.getLogger(__name__)


class UsersError(ValueError):
    """A change of the users file that cannot be made (``args[0]`` is a :class:`Msg`);
    nothing was written."""


class SignInLocked(PermissionError):
    """Sign-in for a name is paused after too many failures (``args[0]`` a :class:`Msg`);
    ``seconds`` (also ``retry_after``) is the time left."""

    def __init__(self, message: Msg, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.seconds = retry_after


@dataclass(frozen=True)
class User:
    """One user as others may see it: never the hash."""

    name: str
    role: str
    districts: tuple[str, ...]
    created: str
    changed: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "districts": list(self.districts),
            "created": self.created,
            "changed": self.changed,
        }


# --------------------------------------------------------------------------- the file


def users_path(home: Path | None = None) -> Path:
    """The users file: ``$EXCHANGE_ATLAS_USERS``, else ``<workspace>/users.json``."""
    env = os.environ.get(ENV_USERS)
    if env:
        return Path(env).expanduser()
    return (home or default_home()) / USERS_FILE


VERSION_RE_TEMPLATE = r"^{stem}\.v(\d{{4,}}){suffix}$"


def _version_re(path: Path) -> re.Pattern[str]:
    return re.compile(
        VERSION_RE_TEMPLATE.format(stem=re.escape(path.stem), suffix=re.escape(path.suffix))
    )


def _empty() -> dict[str, Any]:
    return {"version": FORMAT, "previous": None, "users": {}}


#: How messages name the users kept in a database.
DB_USERS = "the database's users (atlas_users)"


def _parse(path: Path | str, raw: bytes | dict[str, Any]) -> dict[str, Any]:
    """The users file's content (or the database's), checked for its shape."""
    try:
        data = json.loads(raw) if isinstance(raw, bytes) else raw
        if not isinstance(data, dict) or not isinstance(data.get("users"), dict):
            raise ValueError("no 'users' object")
        for name, rec in data["users"].items():
            if not isinstance(rec, dict) or rec.get("role") not in ROLES:
                raise ValueError(f"user {name!r} has no valid role")
    except ValueError as exc:
        raise UsersError(Msg("users_bad_file", file=str(path), error=str(exc))) from None
    data.setdefault("previous", None)
    return data


def _read(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return _empty()
    except OSError as exc:
        raise UsersError(
            Msg("users_bad_file", file=str(path), error=exc.strerror or str(exc))
        ) from None
    return _parse(path, raw)


def _load(home: Path | None) -> dict[str, Any]:
    """The users' content in effect (empty when there is none), from the store in use."""
    if database_url():
        from loaders.pg import users as pg
        from loaders.pg.connection import transaction

        with transaction() as conn:
            data = pg.state(conn)
        return _empty() if data is None else _parse(DB_USERS, data)
    return _read(users_path(home))


def _user(name: str, rec: dict[str, Any]) -> User:
    return User(
        name,
        str(rec.get("role", "")),
        tuple(str(d) for d in rec.get("districts", ())),
        str(rec.get("created", "")),
        str(rec.get("changed", "")),
    )


def users_enabled(home: Path | None = None) -> bool:
    """Whether sign-in is on: the users file exists and holds at least one user."""
    if database_url():
        return bool(_load(home)["users"])
    path = users_path(home)
    if not path.is_file():
        return False
    return bool(_read(path)["users"])


def list_users(home: Path | None = None) -> list[User]:
    """Every user, by name (no hashes)."""
    users = _load(home)["users"]
    return [_user(n, users[n]) for n in sorted(users)]


def get_user(name: str, home: Path | None = None) -> User | None:
    """The user ``name`` (None: no such user)."""
    rec = _load(home)["users"].get(_nfc(name))
    return None if rec is None else _user(_nfc(name), rec)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _dump(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def _write_private(path: Path, data: bytes, *, exclusive: bool = False) -> None:
    """Write ``path`` atomically, readable by its owner only."""
    atomic_write_bytes(path, data, exclusive=exclusive)  # mkstemp: created 0600
    if os.name == "posix" and os.stat(path).st_mode & 0o077:
        os.chmod(path, 0o600)  # never wider than the owner's


def _versions(path: Path) -> list[tuple[int, Path]]:
    rx = _version_re(path)
    out = []
    for p in path.parent.glob(f"{path.stem}.v*{path.suffix}"):
        m = rx.match(p.name)
        if m:
            out.append((int(m.group(1)), p))
    return sorted(out)


def _keep(path: Path, raw: bytes) -> str:
    """Keep ``raw`` (the file before a change) as the next write-once version; its name."""
    number = max((n for n, _ in _versions(path)), default=0) + 1
    kept = path.with_name(f"{path.stem}.v{number:04d}{path.suffix}")
    _write_private(kept, raw, exclusive=True)
    return kept.name


def _change(home: Path | None, mutate: Callable[[dict[str, Any]], None]) -> str:
    """Apply ``mutate`` to the users (under the lock), keeping the file before it as a
    version; return that version's name ("" when there was no file)."""
    if database_url():
        from loaders.pg import users as pg
        from loaders.pg.connection import lock, transaction

        with transaction() as conn:  # a refusal rolls back the version kept
            lock(conn, "the users")
            old = pg.state(conn)
            kept = pg.keep(conn, old) if old is not None else ""
            data = _parse(DB_USERS, old) if old is not None else _empty()
            mutate(data["users"])  # raises UsersError: nothing written
            data["version"] = FORMAT
            data["previous"] = kept or None
            pg.set_state(conn, data)
            return kept
    path = users_path(home)
    with dir_lock(path.parent, "the users file"):
        try:
            raw: bytes | None = path.read_bytes()
        except FileNotFoundError:
            raw = None
        data = _parse(path, raw) if raw is not None else _empty()
        mutate(data["users"])  # raises UsersError: nothing written
        kept = _keep(path, raw) if raw is not None else ""
        data["version"] = FORMAT
        data["previous"] = kept or None
        _write_private(path, _dump(data))
        return kept


# --------------------------------------------------------------------------- checks


def _nfc(name: str) -> str:
    return unicodedata.normalize("NFC", str(name)).strip()


def normal_name(name: str) -> str:
    """A user name as the file keeps it (NFC, trimmed), without judging it."""
    return _nfc(name)


def validate_name(name: str) -> str:
    """The user name, normalised (NFC, trimmed): letters, digits and ``. _ - @``, at most
    64 characters.

    Raises
    ------
    UsersError
        When it is not.
    """
    n = _nfc(name)
    if not n or len(n) > NAME_MAX or not all(c.isalnum() or c in _NAME_PUNCT for c in n):
        raise UsersError(Msg("users_bad_name", name=repr(str(name)[:80])))
    return n


def validate_password(password: str) -> None:
    """A password has at least :data:`PASSWORD_MIN` characters (and at most
    :data:`PASSWORD_MAX`).

    Raises
    ------
    UsersError
        When it has not (the message never repeats it).
    """
    if not isinstance(password, str) or len(password) < PASSWORD_MIN:
        raise UsersError(Msg("users_short_password", n=PASSWORD_MIN))
    if len(password) > PASSWORD_MAX:
        raise UsersError(Msg("users_long_password", n=PASSWORD_MAX))


def validate_access(role: str, districts: Iterable[str]) -> tuple[str, ...]:
    """The districts of a user of ``role``, checked (adcodes of
    :data:`dashboard.core.state.DISTRICT_CODES`, in that order; an editor needs one).

    Raises
    ------
    UsersError
        For an unknown role, an unknown district or an editor without one.
    """
    if role not in ROLES:
        raise UsersError(Msg("users_bad_role", role=repr(role)))
    given = [str(d).strip() for d in districts]
    for d in given:
        if d not in DISTRICT_CODES:
            raise UsersError(Msg("users_bad_district", district=repr(d)))
    chosen = tuple(c for c in DISTRICT_CODES if c in set(given))
    if role == "editor" and not chosen:
        raise UsersError(Msg("users_editor_districts"))
    return chosen


_HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password`` (argon2-cffi's default parameters)."""
    return _HASHER.hash(password)


@cache
def _dummy_hash() -> str:
    """A hash no password is checked against except for unknown names (same cost)."""
    return _HASHER.hash(os.urandom(16).hex())


# --------------------------------------------------------------------------- changes


def add_user(
    name: str,
    password: str,
    role: str,
    districts: Iterable[str] = (),
    home: Path | None = None,
) -> str:
    """Add a user; return the version keeping the file before ("" for the first).

    Raises
    ------
    UsersError
        For an invalid name, role, district or password, or a name taken (also in
        another case): nothing is written.
    """
    n = validate_name(name)
    chosen = validate_access(role, districts)
    validate_password(password)
    digest = hash_password(password)

    def mutate(users: dict[str, Any]) -> None:
        if any(u.casefold() == n.casefold() for u in users):
            raise UsersError(Msg("users_exists", name=n))
        now = _now()
        users[n] = {
            "role": role,
            "districts": list(chosen),
            "hash": digest,
            "created": now,
            "changed": now,
        }

    return _change(home, mutate)


def _known(name: str, home: Path | None) -> None:
    """Refuse a change of an unknown user before taking the lock (which creates the
    directory and its lock file)."""
    if name not in _load(home)["users"]:
        raise UsersError(Msg("users_unknown", name=name))


def set_password(name: str, password: str, home: Path | None = None) -> str:
    """Give user ``name`` a new password; return the version keeping the file before.

    Raises
    ------
    UsersError
        For an unknown user or an invalid password: nothing is written.
    """
    n = _nfc(name)
    validate_password(password)
    _known(n, home)
    digest = hash_password(password)

    def mutate(users: dict[str, Any]) -> None:
        if n not in users:
            raise UsersError(Msg("users_unknown", name=n))
        users[n]["hash"] = digest
        users[n]["changed"] = _now()

    return _change(home, mutate)


def remove_user(name: str, home: Path | None = None) -> str:
    """Remove user ``name``; return the version keeping the file before.

    Raises
    ------
    UsersError
        For an unknown user: nothing is written.
    """
    n = _nfc(name)
    _known(n, home)

    def mutate(users: dict[str, Any]) -> None:
        if n not in users:
            raise UsersError(Msg("users_unknown", name=n))
        del users[n]

    return _change(home, mutate)


def undo_users(home: Path | None = None) -> str | None:
    """Put the users file back as it was before the last change; return the version
    restored (None: there was no file before, so now there is none: sign-in is off).
    The content undone is kept as a version too.

    Raises
    ------
    UsersError
        When the file was never changed (or is absent).
    """
    if database_url():
        return _undo_in_database()
    path = users_path(home)
    if not path.is_file():  # checked again under the lock
        raise UsersError(Msg("users_nothing_to_undo", file=str(path)))
    with dir_lock(path.parent, "the users file"):
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise UsersError(Msg("users_nothing_to_undo", file=str(path))) from None
        previous = _parse(path, raw).get("previous")
        target = path.with_name(str(previous)) if previous else None
        if target is not None and not _version_re(path).match(target.name):
            target = None  # a pointer of this file's own versions only
        if target is not None and not target.is_file():
            raise UsersError(Msg("users_bad_file", file=str(path), error=f"{previous} is missing"))
        _keep(path, raw)
        if target is None:
            path.unlink()
            _fsync_dir(path.parent)
            return None
        content = target.read_bytes()
        _parse(target, content)
        _write_private(path, content)
        return target.name


def _undo_in_database() -> str | None:
    """:func:`undo_users` with a database in use (one transaction, the users' lock)."""
    from loaders.pg import users as pg
    from loaders.pg.connection import lock, transaction

    with transaction() as conn:
        lock(conn, "the users")
        old = pg.state(conn)
        if old is None:
            raise UsersError(Msg("users_nothing_to_undo", file=DB_USERS))
        previous = _parse(DB_USERS, old).get("previous")
        named = str(previous) if previous and pg.version_number(str(previous)) else None
        target = pg.kept(conn, named) if named else None
        if named and target is None:
            raise UsersError(Msg("users_bad_file", file=DB_USERS, error=f"{named} is missing"))
        pg.keep(conn, old)
        if target is None:
            pg.set_state(conn, None)
            return None
        pg.set_state(conn, _parse(f"{DB_USERS}, {named}", target))
        return named


def users_versions(home: Path | None = None) -> list[str]:
    """The kept versions of the users file, oldest first."""
    if database_url():
        from loaders.pg import users as pg
        from loaders.pg.connection import transaction

        with transaction() as conn:
            return pg.versions(conn)
    return [p.name for _, p in _versions(users_path(home))]


# --------------------------------------------------------------------------- sign-in


@dataclass
class SignInThrottle:
    """Slows and pauses password guessing; thread-safe, one per process (:data:`THROTTLE`).

    Failures are counted per user name and per client (an address, a session): after
    :attr:`free` consecutive failures each further attempt first waits 1, 2, 4 … seconds,
    at most :attr:`max_delay`; after :attr:`lock_after` failures of one name within
    :attr:`window` seconds, sign-in for that name is refused for :attr:`lockout` seconds,
    even with the right password. A success resets the name and the client. ``clock`` and
    ``sleep`` are injectable for tests.
    """

    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    free: int = 3
    max_delay: float = 8.0
    lock_after: int = 10
    window: float = 900.0
    lockout: float = 900.0
    max_keys: int = 10_000
    _mutex: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _streak: dict[str, tuple[int, float]] = field(default_factory=dict, repr=False)
    _failures: dict[str, deque[float]] = field(default_factory=dict, repr=False)
    _locked: dict[str, float] = field(default_factory=dict, repr=False)

    @staticmethod
    def _keys(name: str, client: str) -> list[str]:
        return [f"user:{name}"] + ([f"client:{client}"] if client else [])

    def delay(self, name: str, client: str = "") -> float:
        """The seconds the next attempt for ``name`` from ``client`` waits first."""
        now = self.clock()
        with self._mutex:
            streak = 0
            for k in self._keys(name, client):
                n, last = self._streak.get(k, (0, now))
                if now - last <= self.window:  # an old streak is forgotten
                    streak = max(streak, n)
        if streak < self.free:
            return 0.0
        return float(min(self.max_delay, 2.0 ** (streak - self.free)))

    def locked_for(self, name: str) -> float:
        """The seconds sign-in for ``name`` stays refused (0: it is not)."""
        now = self.clock()
        with self._mutex:
            until = self._locked.get(f"user:{name}", 0.0)
        return max(0.0, until - now)

    def before(self, name: str, client: str = "") -> None:
        """Wait as long as the failures so far ask, or refuse a paused name.

        Raises
        ------
        SignInLocked
            While sign-in for ``name`` is paused.
        """
        left = self.locked_for(name)
        if left > 0:
            minutes = max(1, math.ceil(left / 60))
            raise SignInLocked(Msg("users_locked", name=name, minutes=minutes), left)
        wait = self.delay(name, client)
        if wait > 0:
            self.sleep(wait)

    def failed(self, name: str, client: str = "") -> None:
        """Count one failed attempt."""
        now = self.clock()
        with self._mutex:
            if len(self._streak) > self.max_keys:
                self._prune(now)
            for k in self._keys(name, client):
                n, last = self._streak.get(k, (0, now))
                n = n if now - last <= self.window else 0
                self._streak[k] = (n + 1, now)
            key = f"user:{name}"
            times = self._failures.setdefault(key, deque())
            times.append(now)
            while times and now - times[0] > self.window:
                times.popleft()
            if len(times) >= self.lock_after:
                self._locked[key] = now + self.lockout
                times.clear()

    def succeeded(self, name: str, client: str = "") -> None:
        """Forget the failures of ``name`` and of ``client``."""
        with self._mutex:
            for k in self._keys(name, client):
                self._streak.pop(k, None)
                self._failures.pop(k, None)
                self._locked.pop(k, None)

    def _prune(self, now: float) -> None:
        """Drop what is older than the window (callers hold the mutex)."""
        horizon = max(self.window, self.lockout)
        for k in [k for k, (_, last) in self._streak.items() if now - last > horizon]:
            del self._streak[k]
        for k in [k for k, t in self._failures.items() if not t or now - t[-1] > horizon]:
            del self._failures[k]
        for k in [k for k, until in self._locked.items() if until <= now]:
            del self._locked[k]


#: The process's throttle (the dashboard's sessions share it).
THROTTLE = SignInThrottle()


def _check(digest: str, password: str) -> bool:
    try:
        return _HASHER.verify(digest, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(
    name: str,
    password: str,
    *,
    client: str = "",
    home: Path | None = None,
    via: str = "web",
    throttle: SignInThrottle | None = None,
) -> Actor | None:
    """The signed-in :class:`Actor` for ``name`` and ``password``, or None.

    An unknown name is checked against a dummy hash, so the time taken does not tell
    which names exist; failures are throttled (:class:`SignInThrottle`), and a hash of
    older parameters is renewed on success.

    Raises
    ------
    SignInLocked
        While sign-in for ``name`` is paused after too many failures.
    UsersError
        When the users file cannot be read.
    """
    gate = THROTTLE if throttle is None else throttle
    n = _nfc(name)
    dummy = _dummy_hash()
    gate.before(n, client)
    rec = _load(home)["users"].get(n)
    digest = rec.get("hash") if isinstance(rec, dict) else None
    if not isinstance(digest, str) or not isinstance(password, str):
        _check(dummy, password if isinstance(password, str) else "")
        gate.failed(n, client)
        return None
    if not _check(digest, password):
        gate.failed(n, client)
        return None
    gate.succeeded(n, client)
    assert rec is not None
    if _needs_rehash(digest):
        _rehash(home, n, digest, password)
    return Actor(n, rec["role"], tuple(rec.get("districts", ())), via=via)


def oidc_actor(email: str, home: Path | None = None) -> Actor | None:
    """The :class:`Actor` of someone the identity provider signed in as ``email``: the
    user of that name (case aside) with their role and districts, else a viewer; None
    without an address. No password is involved."""
    address = _nfc(email)
    if not address:
        return None
    users = _load(home)["users"]
    folded = address.casefold()
    for name, rec in users.items():
        if name.casefold() == folded:
            return Actor(name, rec["role"], tuple(rec.get("districts", ())), via="oidc")
    return Actor(address, "viewer", via="oidc")


def _needs_rehash(digest: str) -> bool:
    try:
        return _HASHER.check_needs_rehash(digest)
    except (InvalidHashError, ValueError):
        return False


def _rehash(home: Path | None, name: str, old: str, password: str) -> None:
    """Renew a hash of older parameters (same password, same meaning: no new version)."""
    try:
        if database_url():
            _rehash_in_database(name, old, password)
            return
        path = users_path(home)
        with dir_lock(path.parent, "the users file"):
            data = _read(path)
            rec = data["users"].get(name)
            if rec is None or rec.get("hash") != old:
                return  # changed meanwhile
            rec["hash"] = hash_password(password)
            _write_private(path, _dump(data))
    except (OSError, UsersError, RuntimeError) as exc:  # the sign-in stands
        log.warning("the password hash of a user could not be renewed: %s", type(exc).__name__)


def _rehash_in_database(name: str, old: str, password: str) -> None:
    from loaders.pg import users as pg
    from loaders.pg.connection import lock, transaction

    with transaction() as conn:
        lock(conn, "the users")
        data = pg.state(conn)
        rec = None if data is None else _parse(DB_USERS, data)["users"].get(name)
        if data is None or rec is None or rec.get("hash") != old:
            return  # changed meanwhile
        rec["hash"] = hash_password(password)
        pg.set_state(conn, data)
