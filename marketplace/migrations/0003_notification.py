# Adopts cabinet's notification table (the one notifier lives in marketplace now), then renames it.
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0002_user_language"),
        ("cabinet", "0003_move_notification"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(max_length=40)),
                        ("params", models.JSONField(blank=True, default=dict)),
                        ("url", models.CharField(blank=True, max_length=300)),
                        ("read_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "organization",
                            models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="marketplace.organization"),
                        ),
                        (
                            "user",
                            models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="notifications", to=settings.AUTH_USER_MODEL),
                        ),
                    ],
                    options={
                        "ordering": ["-created_at", "-id"],
                        "db_table": "cabinet_notification",
                        "indexes": [models.Index(fields=["user", "organization", "read_at"], name="notification_unread")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="notification", table=None),
    ]
