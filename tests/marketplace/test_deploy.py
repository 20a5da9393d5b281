import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env):
    unset = {"DEBUG", "HTTPS", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in unset}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_it_passes_check_deploy_with_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        HTTPS="1",
        DEBUG="0",
        SECRET_KEY="x" * 20 + "a-long-random-production-secret-key-0123456789",
        ALLOWED_HOSTS="market.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_it_warns_about_the_development_defaults():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT" in result.stderr + result.stdout or "W008" in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "sqlite3 channels.layers.InMemoryChannelLayer"),
        (
            {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/x", "REDIS_URL": "redis://127.0.0.1:6379/0"},
            "postgresql channels_redis.pubsub.RedisPubSubChannelLayer",
        ),
    ],
)
def test_it_reads_the_database_and_channel_layer_from_the_environment(env, expected):
    code = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'].rsplit('.',1)[1], s.CHANNEL_LAYERS['default']['BACKEND'])"
    )
    result = run_manage("shell", "-c", code, **env)
    assert result.stdout.strip().splitlines()[-1] == expected, result.stderr
