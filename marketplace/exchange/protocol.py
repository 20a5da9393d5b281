"""What the handlers of the 1C exchange share (``<app>/exchange_1c.py``, see the package): plain-text
answers, one item a line, the first being ``success``, ``progress`` or ``failure`` as 1C expects;
files received in pieces into the supplier's exchange folder; the line of the exchange history each
step that did something leaves; the answer of a background import, given to 1C once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.actors import Actor
from marketplace.models import ApiKey, Exchange, ExchangeResult

from . import services

FILE_LIMIT = 8 * 1024 * 1024  # bytes a piece; 1C splits bigger files
MAX_TOTAL = 200 * 1024 * 1024  # all files of one exchange, unpacked
STALLED_AFTER = dt.timedelta(minutes=30)  # a queued import not done by then (the queue is down) fails

Handler = Callable[[ApiKey, HttpRequest], HttpResponse]


@dataclass
class Outcome:
    """What 1C is told: ``success`` or ``failure``, then lines in words; and what was done."""

    result: str
    lines: list[str] = field(default_factory=list)
    items: int = 0

    @property
    def message(self) -> str:
        return "\n".join(self.lines)


def answer(*lines: str, status: int = 200) -> HttpResponse:
    return HttpResponse("\n".join(lines) + "\n", status=status, content_type="text/plain; charset=utf-8")


def failure(reason: str, status: int = 200) -> HttpResponse:
    return answer("failure", reason, status=status)


def safe_name(filename: str) -> str:
    return Path(filename.replace("\\", "/")).name


def folder(api_key: ApiKey, kind: str) -> Path:
    return services.exchange_folder(api_key.organization_id, kind)


def receive(api_key: ApiKey, request: HttpRequest) -> Path | HttpResponse:
    """Append the body to its file in the exchange folder: the file, or a failure to answer."""
    name = safe_name(request.GET.get("filename", ""))
    if not name:
        return failure(_("No filename given."))
    target_folder = folder(api_key, request.GET["type"])
    target_folder.mkdir(parents=True, exist_ok=True)
    used = sum(path.stat().st_size for path in target_folder.iterdir() if path.is_file())
    body = request.body
    if used + len(body) > MAX_TOTAL:
        return failure(_("The files of this exchange exceed %(mb)s MB.") % {"mb": MAX_TOTAL // 1024 // 1024})
    with open(target_folder / name, "ab") as target:  # 1C sends a big file in pieces, in order
        target.write(body)
    return target_folder / name


def record(api_key: ApiKey, request: HttpRequest, outcome: Outcome) -> HttpResponse:
    """The outcome as a line of the history, and as 1C's answer."""
    services.exchange_record(
        actor=Actor.of_api_key(api_key),
        kind=request.GET.get("type", ""),
        mode=request.GET.get("mode", ""),
        filename=safe_name(request.GET.get("filename", "")),
        result=outcome.result,
        items=outcome.items,
        message=outcome.message,
    )
    return answer(outcome.result, *outcome.lines)


def pending(api_key: ApiKey, kind: str, name: str) -> HttpResponse | None:
    """The answer of a background import of ``name`` not yet given to 1C: ``progress`` while it
    runs, then its result, once."""
    exchange = (
        Exchange.objects.filter(supplier=api_key.organization, kind=kind, filename=name)
        .filter(answered=False)
        .order_by("-created_at", "-id")
        .first()
    )
    if exchange is None:
        return None
    if exchange.result == ExchangeResult.PROGRESS and timezone.now() - exchange.created_at > STALLED_AFTER:
        services.exchange_finish(
            exchange=exchange,
            result=ExchangeResult.FAILURE,
            message=_("The import did not finish in time; run the exchange again."),
        )
        exchange.refresh_from_db()
    if exchange.result == ExchangeResult.PROGRESS:
        return answer("progress", _("Still importing %(file)s.") % {"file": name})
    Exchange.objects.filter(pk=exchange.pk).update(answered=True)
    return answer(exchange.result, *exchange.message.splitlines())
