import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Profile questions and options, population figures and tables, consent versions and
    campaigns now belong to the panel app. Only Django's picture of the models changes: the
    tables, their rows and their foreign keys stay exactly as they are."""

    dependencies = [
        ('members', '0006_population_tables'),
        ('panel', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='member',
                    name='campaign',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='members', to='panel.campaign'),
                ),
                migrations.AlterField(
                    model_name='member',
                    name='consent_version',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='panel.consentversion'),
                ),
                migrations.AlterField(
                    model_name='consentrecord',
                    name='version',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='records', to='panel.consentversion'),
                ),
                migrations.AlterField(
                    model_name='memberanswer',
                    name='option',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='answers', to='panel.profileoption'),
                ),
                migrations.AlterField(
                    model_name='memberanswer',
                    name='question',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='panel.profilequestion'),
                ),
                migrations.DeleteModel(name='PopulationFigure'),
                migrations.DeleteModel(name='PopulationTable'),
                migrations.DeleteModel(name='Campaign'),
                migrations.DeleteModel(name='ConsentVersion'),
                migrations.DeleteModel(name='ProfileOption'),
                migrations.DeleteModel(name='ProfileQuestion'),
            ],
        ),
    ]
