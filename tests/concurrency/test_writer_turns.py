"""SQLite writers take turns from their first statement until their connection is back in the pool.

Two ``Database`` objects on one file stand for two server processes: each opens
the turn file itself, and ``flock`` locks belong to an open file, so they exclude
each other exactly as two processes do. A writer blocked on the file is seen in
``/proc/locks`` (a ``->`` line on the file's inode) — the test watches the lock,
it never sleeps and hopes.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from laurels.kit.db import Database

pytestmark = pytest.mark.skipif(not Path("/proc/locks").exists(), reason="watches /proc/locks (Linux)")


@pytest.fixture
def two(tmp_path: Path) -> Iterator[tuple[Database, Database, Path]]:
    url = f"sqlite:///{tmp_path}/turns.db"
    first, second = Database(url), Database(url)
    with first.unit_of_work() as session:
        session.execute(text("CREATE TABLE t (n INTEGER)"))
    yield first, second, tmp_path / "turns.db-writer"
    first.dispose()
    second.dispose()


def _blocked_on(path: Path) -> bool:
    inode = os.stat(path).st_ino
    with open("/proc/locks") as locks:
        return any(line.split()[1] == "->" and line.split()[6].endswith(f":{inode}") for line in locks)


def _write_in_thread(db: Database, done: threading.Event) -> threading.Thread:
    def write() -> None:
        with db.unit_of_work() as session:
            session.execute(text("INSERT INTO t VALUES (2)"))
        done.set()

    thread = threading.Thread(target=write)
    thread.start()
    return thread


def test_a_second_process_waits_on_the_turn_file_and_goes_when_it_is_released(
    two: tuple[Database, Database, Path],
) -> None:
    first, second, turn_file = two
    holder = first.session(write=True)
    holder.execute(text("INSERT INTO t VALUES (1)"))  # the first statement takes the turn
    done = threading.Event()
    thread = _write_in_thread(second, done)
    while not _blocked_on(turn_file):
        assert not done.wait(0.005), "the second writer went ahead while the first held the turn"
        assert thread.is_alive(), "the second writer failed"
    holder.commit()
    holder.close()
    thread.join(10)
    assert done.is_set()
    with second.session(write=False) as session:
        assert session.scalars(text("SELECT n FROM t ORDER BY n")).all() == [1, 2]


def test_a_session_takes_no_turn_until_its_first_statement(two: tuple[Database, Database, Path]) -> None:
    first, second, _turn_file = two
    idle = first.session(write=True)  # opened, validating its input, not yet at the database
    done = threading.Event()
    thread = _write_in_thread(second, done)
    thread.join(10)
    assert done.is_set()
    assert first.write_lock is not None
    assert first.write_lock.waiting == 0
    idle.close()


def test_a_rolled_back_or_failed_writer_gives_its_turn_back(two: tuple[Database, Database, Path]) -> None:
    first, second, _turn_file = two

    def fail() -> None:
        with first.unit_of_work() as session:
            session.execute(text("INSERT INTO t VALUES (1)"))
            session.execute(text("INSERT INTO missing VALUES (1)"))

    with pytest.raises(OperationalError, match="no such table"):
        fail()
    done = threading.Event()
    _write_in_thread(second, done).join(10)
    assert done.is_set()
    with first.unit_of_work() as session:  # and this process's own queue moved on too
        session.execute(text("INSERT INTO t VALUES (3)"))
    with first.session(write=False) as session:
        assert session.scalars(text("SELECT n FROM t ORDER BY n")).all() == [2, 3]
