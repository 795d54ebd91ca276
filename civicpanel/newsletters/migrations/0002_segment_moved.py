import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """A newsletter's segment is now members.Segment (the same table): state only."""

    dependencies = [
        ('newsletters', '0001_initial'),
        ('members', '0009_segment_moved'),
    ]
    # Before surveys lets go of the model, so no foreign key is ever left pointing at nothing.
    run_before = [
        ('surveys', '0007_segment_moved'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='newsletter',
                    name='segment',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='members.segment'),
                ),
            ],
        ),
    ]
