# The Notification model moved to marketplace (the one notifier); its table is kept and renamed there.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("cabinet", "0002_catalog_products")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Notification")],
            database_operations=[],
        )
    ]
