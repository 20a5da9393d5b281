"""Logging filters of the site (``LOGGING`` in settings)."""

import logging


class NoTracebackForClientErrors(logging.Filter):
    """An ordinary 403 or 404 is one line in the log ("Forbidden: /path"), not a traceback: only the
    server's own failures (5xx) keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
