"""Static files without ``collectstatic``: with ``DEBUG=0`` and no manifest, whitenoise's storage
raised ValueError for every ``{% static %}`` (every page a 500). This one links the unhashed name
instead; ``WHITENOISE_USE_FINDERS`` then serves it from the apps' folders."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class FallbackManifestStorage(CompressedManifestStaticFilesStorage):
    def stored_name(self, name: str) -> str:
        try:
            return super().stored_name(name)
        except ValueError:  # no manifest, or a file missing from it
            return name
