"""CompletionImport: a failed state with its reason and time, when a worker took it, and the row-kind counts of its
preview and of its apply. Written by hand: only these fields (the verbose-name changes are migrated separately)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("courses", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="completionimport",
            name="preview_counts",
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
        migrations.AddField(
            model_name="completionimport",
            name="applied_counts",
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
        migrations.AddField(
            model_name="completionimport",
            name="applying_since",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="completionimport",
            name="failed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="failed at"),
        ),
        migrations.AddField(
            model_name="completionimport",
            name="failure_reason",
            field=models.TextField(blank=True, editable=False, verbose_name="failure reason"),
        ),
        migrations.AlterField(
            model_name="completionimport",
            name="status",
            field=models.CharField(
                choices=[
                    ("previewed", "Checked, waiting for confirmation"),
                    ("rejected", "Has errors"),
                    ("applying", "Importing"),
                    ("applied", "Imported"),
                    ("failed", "Failed"),
                ],
                default="previewed",
                max_length=10,
                verbose_name="status",
            ),
        ),
    ]
