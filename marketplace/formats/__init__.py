"""One date format per language (settings.FORMAT_MODULE_PATH): a date and a date with time read the
same on every page (tables2's date columns and templates' ``|date`` use the short names). Short and long forms are the same on purpose: a page never
shows ``06/14/2023`` beside ``2026-11-26 12:18``. Only what we change is here; Django's own locale
formats fill in the rest (separators, input formats)."""
