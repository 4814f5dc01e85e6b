"""Each institution's own name for a learner (LearnerName), filled from the global name for every institution
that has already enrolled or awarded the learner, so existing pages and e-mails keep the name they showed."""

import django.db.models.deletion
from django.db import migrations, models

BATCH = 5000


def copy_names(apps, schema_editor):
    """One LearnerName per (institution, learner) already linked by an enrolment or an award, in batches."""
    Learner = apps.get_model("learners", "Learner")
    LearnerName = apps.get_model("learners", "LearnerName")
    Enrolment = apps.get_model("courses", "Enrolment")
    Award = apps.get_model("badges", "Award")
    pairs = set(Enrolment.objects.values_list("course__issuer_id", "learner_id").distinct())
    pairs |= set(Award.objects.values_list("issuer_id", "learner_id").distinct())
    pairs = sorted(pairs)
    for start in range(0, len(pairs), BATCH):
        chunk = pairs[start : start + BATCH]
        names = dict(Learner.objects.filter(pk__in={lid for _i, lid in chunk}).values_list("pk", "name"))
        LearnerName.objects.bulk_create(
            [LearnerName(issuer_id=i, learner_id=lid, name=names[lid]) for i, lid in chunk],
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("learners", "0001_initial"),
        ("issuers", "0002_invitations_api_keys_require_mfa"),
        ("courses", "0001_initial"),
        ("badges", "0004_award_fk_indexes_covered"),
    ]

    operations = [
        migrations.CreateModel(
            name="LearnerName",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=200, verbose_name="name")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "issuer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="learner_names",
                        to="issuers.issuer",
                    ),
                ),
                (
                    "learner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="names",
                        to="learners.learner",
                    ),
                ),
            ],
            options={
                "verbose_name": "learner's name at an institution",
                "constraints": [
                    models.UniqueConstraint(fields=("learner", "issuer"), name="learner_name_one_per_issuer")
                ],
            },
        ),
        migrations.RunPython(copy_names, migrations.RunPython.noop),
    ]
