"""Passwords and the account rules, on an in-memory database (no HTTP)."""

from __future__ import annotations

import asyncio

import pytest

from hub import accounts
from hub.config import LoginLimits, PasswordHashing
from hub.errors import Invalid, TooManyAttempts
from hub.passwords import Passwords, check_strength, temporary_password
from hub.roles import Role, parse_role
from hub.storage import HubDB
from tests.hub.conftest import CLI, FAST_HASHING, PASSWORD, T0, add_user

LIMITS = LoginLimits(window_s=900, per_email=5, per_ip=20)


@pytest.fixture
def hub_db() -> HubDB:
    return HubDB.memory()


def test_hash_verify_and_rehash_when_parameters_change() -> None:
    passwords = Passwords(FAST_HASHING)
    stored = passwords.hash(PASSWORD)
    assert stored.startswith("$argon2id$")
    assert passwords.verify(stored, PASSWORD)
    assert not passwords.verify(stored, PASSWORD + "x")
    assert not passwords.verify("no es un hash", PASSWORD)
    assert not passwords.needs_rehash(stored)
    stronger = Passwords(PasswordHashing(time_cost=2, memory_kib=128, parallelism=1))
    assert stronger.needs_rehash(stored)
    assert stronger.verify(stored, PASSWORD)  # old hashes still verify


async def test_log_in_upgrades_an_old_hash(hub_db: HubDB) -> None:
    ana = add_user(hub_db, Role.GESTOR, email="ana@maipu.cl")
    old = hub_db.users.password_hash(ana.id)
    stronger = Passwords(PasswordHashing(time_cost=2, memory_kib=128, parallelism=1))
    signed_in = await accounts.log_in(
        hub_db,
        stronger,
        LIMITS,
        email="ANA@maipu.cl ",
        password=PASSWORD,
        ip="10.0.0.1",
        at=T0,
        session_lifetime_s=3600,
    )
    assert signed_in.session.user.id == ana.id
    new = hub_db.users.password_hash(ana.id)
    assert new != old and not stronger.needs_rehash(new) and stronger.verify(new, PASSWORD)
    assert hub_db.users.get(ana.id).last_login_at == T0


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("corta", "al menos 12 caracteres"),
        ("ana@maipu.cl", "no puede ser su correo"),
        ("ANA@MAIPU.CL", "no puede ser su correo"),
        ("contraseña123", "demasiado común"),
        ("aaaaaaaaaaaaaaaa", "demasiado común"),
        ("x" * 300, "más de 256"),
    ],
)
def test_weak_passwords_are_refused_in_spanish(password: str, message: str) -> None:
    with pytest.raises(Invalid, match=message) as refused:
        check_strength(password, email="ana@maipu.cl")
    assert list(refused.value.problems) == ["password"]


def test_temporary_passwords_are_strong_and_different() -> None:
    first, second = temporary_password(), temporary_password()
    assert first != second and len(first) == 19
    check_strength(first, email="ana@maipu.cl")


def test_unknown_roles_list_the_valid_ones() -> None:
    assert parse_role(" gestor ") is Role.GESTOR
    with pytest.raises(Invalid, match=r"Rol desconocido: 'jefe'.*unidad-alarmas"):
        parse_role("jefe")


async def test_create_user_reports_every_problem_at_once(hub_db: HubDB) -> None:
    add_user(hub_db, Role.ADMIN, email="ana@maipu.cl")
    with pytest.raises(Invalid) as refused:
        await accounts.create_user(
            hub_db,
            Passwords(FAST_HASHING),
            email="ana@maipu.cl",
            name="x" * 200,
            role="jefe",
            password="corta",
            temporary=False,
            actor=CLI,
            at=T0,
        )
    assert set(refused.value.problems) == {"email", "name", "role", "password"}
    with pytest.raises(Invalid, match="no es un correo electrónico válido"):
        accounts.check_new_user(hub_db, email="ana@", name="", role="gestor")


async def test_rate_limit_per_email_counts_a_sliding_window(hub_db: HubDB) -> None:
    for second in range(5):
        hub_db.login_attempts.record_failure("ana@maipu.cl", f"10.0.0.{second}", at=T0 + second)
    with pytest.raises(TooManyAttempts) as waiting:
        accounts.check_rate(hub_db, LIMITS, email="ana@maipu.cl", ip="10.9.9.9", at=T0 + 60)
    assert waiting.value.retry_after == 900 - 60
    assert "Espere 14 minutos" in str(waiting.value)
    accounts.check_rate(hub_db, LIMITS, email="ana@maipu.cl", ip="10.9.9.9", at=T0 + 900)


async def test_no_one_administers_their_own_account(hub_db: HubDB) -> None:
    admin = add_user(hub_db, Role.ADMIN)
    with pytest.raises(Invalid, match="No puede cambiar el rol de su propia cuenta"):
        accounts.set_role(hub_db, admin, admin.id, "gestor", at=T0)
    with pytest.raises(Invalid, match="No puede desactivar"):
        accounts.set_active(hub_db, admin, admin.id, False, at=T0)
    with pytest.raises(Invalid, match="contraseña temporal"):
        await accounts.issue_temporary_password(
            hub_db, Passwords(FAST_HASHING), admin, admin.id, at=T0
        )


async def test_guesses_sent_at_once_cannot_outrun_the_limit(hub_db: HubDB) -> None:
    add_user(hub_db, Role.GESTOR, email="ana@maipu.cl")
    passwords = Passwords(FAST_HASHING)

    async def guess(n: int) -> str:
        try:
            await accounts.log_in(
                hub_db,
                passwords,
                LIMITS,
                email="ana@maipu.cl",
                password=f"intento {n}",
                ip="10.0.0.1",
                at=T0,
                session_lifetime_s=3600,
            )
        except TooManyAttempts:
            return "esperar"
        except Invalid:
            return "incorrecta"
        return "entró"

    answers = await asyncio.gather(*(guess(n) for n in range(12)))
    assert answers.count("incorrecta") == LIMITS.per_email
    assert answers.count("esperar") == 12 - LIMITS.per_email
