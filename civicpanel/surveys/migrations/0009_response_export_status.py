"""Excel files share the worker files' statuses: "writing" is now "rendering" (Being made), as for
committee reports and letters."""

from django.db import migrations, models


def writing_to_rendering(apps, schema_editor):
    apps.get_model("surveys", "ResponseExport").objects.filter(status="writing").update(status="rendering")


def rendering_to_writing(apps, schema_editor):
    apps.get_model("surveys", "ResponseExport").objects.filter(status="rendering").update(status="writing")


class Migration(migrations.Migration):
    dependencies = [("surveys", "0008_response_export")]

    operations = [
        migrations.AlterField(
            model_name="responseexport",
            name="status",
            field=models.CharField(
                choices=[("queued", "Waiting for the worker"), ("rendering", "Being made"), ("ready", "Ready"),
                         ("failed", "Failed")],
                default="queued", max_length=10),
        ),
        migrations.RunPython(writing_to_rendering, rendering_to_writing),
    ]
