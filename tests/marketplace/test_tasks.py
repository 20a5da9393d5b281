"""The task queue (huey). Tests run tasks in immediate mode, as the library recommends
(tests/conftest.py); here one test also runs them through a real consumer process."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy

from marketplace import notifications
from marketplace.actors import Actor
from pricing import services, tasks
from pricing.models import PriceItem, PriceList, PriceUpload, UploadStatus
from tests.pricing.factories import csv_bytes


def _manage(*args: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _env(**changes) -> dict:
    env = {key: value for key, value in os.environ.items() if key not in ("HUEY_IMMEDIATE", "DEBUG")}
    env.update(changes)
    return env


def test_it_sends_a_notification_email_through_the_queue_after_commit(
    supplier, sam, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setitem(notifications.KINDS, "queue_test", notifications.Kind(text=gettext_lazy("Hello %(who)s")))
    with django_capture_on_commit_callbacks() as committed:
        assert notifications.notify(organization=supplier, kind="queue_test", params={"who": "Sam"}) == 1
    assert mail.outbox == []  # nothing leaves before the commit
    for callback in committed:
        callback()  # the task runs at once (immediate mode)
    assert [(m.subject, m.to) for m in mail.outbox] == [("Hello Sam", [sam.email])]


def test_it_keeps_tasks_on_the_queue_when_debug_is_on(tmp_path):
    """bin/run sets DEBUG=1; huey would then run tasks inline in the web process unless told not to."""
    shell = _manage(
        "shell",
        "-c",
        "from huey.contrib.djhuey import HUEY; print(HUEY.immediate)",
        env=_env(DEBUG="1", HUEY_SQLITE=str(tmp_path / "huey.db")),
    )
    output, _ = shell.communicate(timeout=60)
    assert output.strip().splitlines()[-1] == "False", output


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def consumer(tmp_path, monkeypatch):
    """A real ``run_huey`` process on a file-backed SqliteHuey and this test's database; this
    process enqueues into the same file."""
    from huey.contrib.djhuey import HUEY
    from huey.storage import SqliteStorage

    queue_file = str(tmp_path / "huey.db")
    monkeypatch.setattr(HUEY, "_immediate", False)
    monkeypatch.setattr(HUEY, "storage", SqliteStorage(HUEY.name, filename=queue_file))
    env = _env(DATABASE_URL=_database_url(), HUEY_SQLITE=queue_file, MEDIA_ROOT=str(settings.MEDIA_ROOT))
    env.pop("REDIS_URL", None)
    process = _manage("run_huey", "--workers", "2", "--no-periodic", "--delay", "0.1", "--max-delay", "0.5", env=env)
    yield process
    process.send_signal(signal.SIGINT)  # graceful: the tasks under way finish
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_until(condition, process, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the consumer did not do it:\n{process.communicate()[0]}")
        time.sleep(0.2)


@pytest.mark.postgres  # the consumer opens the test database from another process (SQLite's is in memory)
@pytest.mark.django_db(transaction=True)
def test_it_reads_uploads_in_a_real_consumer_and_picks_up_one_whose_worker_died(supplier, consumer):
    site = Actor.system(supplier)
    rows = csv_bytes([("A-1", "Арматура", "т", "100.00", 1), ("B-2", "Bolt", "pcs", "0.50", 10)])
    queued = services.price_upload_create(actor=site, file=SimpleUploadedFile("a.csv", rows), currency="RUB")
    orphan = services.price_upload_create(
        actor=site, file=SimpleUploadedFile("b.csv", rows), currency="RUB", claim=True
    )  # claimed by a run that then died: silent for longer than the timeout
    PriceUpload.objects.filter(pk=orphan.pk).update(heartbeat_at=timezone.now() - dt.timedelta(minutes=16))
    tasks.requeue_price_uploads()  # what the scheduler enqueues every minute

    def both_read() -> bool:
        return PriceUpload.objects.filter(pk__in=[queued.pk, orphan.pk], status=UploadStatus.READY).count() == 2

    _wait_until(both_read, consumer)
    for item in PriceUpload.objects.filter(pk__in=[queued.pk, orphan.pk]):
        assert PriceItem.objects.filter(price_list=item.draft_id).count() == 2
    assert PriceList.objects.filter(supplier=supplier).count() == 2  # one draft each, nothing twice
