# 26 Nov 2026, 12:18 — day-month-year with the month's name: no one misreads 06/11 as June or November.
DATE_FORMAT = SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = SHORT_DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
