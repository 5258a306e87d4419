"""Rep records: first contact from several requests at once creates exactly one."""

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from bot.models import Rep
from bot.services import reps


def test_simultaneous_first_contacts_create_one_rep(deps, clock) -> None:
    start = threading.Barrier(8)

    def first_contact(_index: int) -> str:
        start.wait(timeout=10)
        with deps.session_factory.begin() as session:
            return reps.ensure_rep(session, user_id="UNEW00001", now=clock.now()).id

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(first_contact, range(8))) == {"UNEW00001"}
    with deps.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Rep)) == 1


def test_a_managers_role_survives_being_named_as_an_owner(deps, clock) -> None:
    with deps.session_factory.begin() as session:
        reps.ensure_rep(session, user_id="UBOSS0001", now=clock.now(), is_manager=True)
        reps.known_rep(session, user_id="UBOSS0001", now=clock.now())
        reps.update_profile(
            session, user_id="UBOSS0001", name="Max", tz="America/Chicago", now=clock.now()
        )
    with deps.session_factory() as session:
        assert session.get(Rep, "UBOSS0001").role == "manager"
