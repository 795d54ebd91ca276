import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """Saved segments move from surveys to members, so that newsletters and calls for
    volunteers use the same ones. Only Django's picture of the model changes: the table
    (surveys_segment), its rows and the foreign keys to it stay exactly as they are."""

    dependencies = [
        ('members', '0008_member_list_indexes'),
        ('tenancy', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Segment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=120, verbose_name='name')),
                        ('filters', models.JSONField(default=dict)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('council', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='segments', to='tenancy.council')),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'ordering': ['name'],
                        'db_table': 'surveys_segment',
                        'constraints': [models.UniqueConstraint(fields=('council', 'name'), name='segment_name_unique_per_council')],
                    },
                ),
            ],
        ),
    ]
