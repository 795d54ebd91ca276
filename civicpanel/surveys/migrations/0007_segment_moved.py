import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Saved segments now belong to members (members 0009): the sending's foreign key points at
    the same table under its new owner. State only; nothing in the database changes."""

    dependencies = [
        ('surveys', '0006_paper_and_phone'),
        ('members', '0009_segment_moved'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='wave',
                    name='segment',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='members.segment'),
                ),
                migrations.DeleteModel(name='Segment'),
            ],
        ),
    ]
