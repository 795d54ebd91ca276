"""Consent versions say whether they cover news and results by e-mail.

Councils set up before the standard consent text mentioned news keep that version 1, whose
members never agreed to news e-mail: their versions are marked as not covering it, so
newsletters and "what came of it" e-mails go to nobody on them until the council publishes a
new version that covers news and members agree to it (they are asked on their next visit).
A version is marked as covering news only when every language of its text is the standard text
that asks for it (with any council name): a text a council wrote itself is left for the council
to judge, on the consent settings page.

Only the versions table changes; the consent log (members_consentrecord, append-only on
PostgreSQL) is not touched.
"""

import re

from django.db import migrations, models

# The standard text that asks consent to news, as it was when this migration was written.
NEWS_TEXT = {
    "da": ("Jeg giver samtykke til, at {council} behandler mine oplysninger (e-mail, profilspørgsmål og svar) "
           "for at invitere mig til undersøgelser og arrangementer i borgerpanelet, for at sende mig nyheder og "
           "resultater fra panelet, så længe jeg ønsker det, og for at lave statistik. "
           "Resultater offentliggøres kun som statistik. Jeg kan til enhver tid se, hente og slette mine "
           "oplysninger og trække mit samtykke tilbage ved at melde mig ud."),
    "nb": ("Jeg samtykker til at {council} behandler opplysningene mine (e-post, profilspørsmål og svar) "
           "for å invitere meg til undersøkelser og arrangementer i innbyggerpanelet, for å sende meg nyheter og "
           "resultater fra panelet så lenge jeg ønsker det, og for å lage statistikk. "
           "Resultater publiseres bare som statistikk. Jeg kan når som helst se, laste ned og slette "
           "opplysningene mine og trekke samtykket ved å melde meg ut."),
    "en": ("I consent to {council} processing my data (e-mail, profile questions and answers) to invite me to "
           "surveys and events of the citizen panel, to send me news and results from the panel for as long as I "
           "want them, and to produce statistics. Results are published only as "
           "statistics. I can see, download and delete my data and withdraw my consent at any time by leaving "
           "the panel."),
}
PATTERNS = {language: re.compile(re.escape(text).replace(re.escape("{council}"), ".+"), re.DOTALL)
            for language, text in NEWS_TEXT.items()}


def standard_news_text(text: dict) -> bool:
    written = {language: body for language, body in (text or {}).items() if (body or "").strip()}
    return bool(written) and all(language in PATTERNS and PATTERNS[language].fullmatch(body.strip())
                                 for language, body in written.items())


def mark_versions(apps, schema_editor):
    ConsentVersion = apps.get_model("panel", "ConsentVersion")
    covering = [version.pk for version in ConsentVersion.objects.only("pk", "text")
                if standard_news_text(version.text)]
    ConsentVersion.objects.filter(pk__in=covering).update(covers_news=True)


class Migration(migrations.Migration):
    dependencies = [("panel", "0001_initial")]
    operations = [
        migrations.AddField(
            model_name="consentversion", name="covers_news",
            field=models.BooleanField(default=False, verbose_name="covers news and results by e-mail"),
        ),
        migrations.RunPython(mark_versions, migrations.RunPython.noop),
    ]
