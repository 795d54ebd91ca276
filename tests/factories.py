"""factory_boy factories for the tests. Build councils with `council_with_profile()` to get
the standard profile questions, districts and consent text."""

from __future__ import annotations

import factory
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from civicpanel.accounts.models import StaffMembership, User
from civicpanel.members.models import Member
from civicpanel.panel.defaults import council_setup_defaults
from civicpanel.panel.models import ConsentVersion
from civicpanel.tenancy.models import Council, District


class CouncilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Council

    slug = factory.Sequence(lambda n: f"council{n}")
    name = factory.Sequence(lambda n: f"Lokaludvalg {n}")
    languages = ["da", "nb", "en"]
    contact_email = "panel@example.org"


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    council = factory.SubFactory(CouncilFactory)
    name = factory.Sequence(lambda n: f"Kvarter {n}")
    postal_codes = factory.Sequence(lambda n: [str(2500 + n)])
    order = factory.Sequence(lambda n: n)


def council_with_profile(**kwargs) -> Council:
    council = CouncilFactory(**kwargs)
    DistrictFactory(council=council, name="Vigerslev", postal_codes=["2500"], order=1)
    DistrictFactory(council=council, name="Gammel Valby", postal_codes=["2500", "2450"], order=2)
    council_setup_defaults(council=council)
    return council


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"staff{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Staff Person {n}")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def persist(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def staff_user(council: Council, role: str, *, with_totp: bool = True, **kwargs) -> User:
    user = UserFactory(**kwargs)
    StaffMembership.objects.create(user=user, council=council, role=role)
    if with_totp:
        TOTP.activate(user, generate_totp_secret())
    return user


def totp_secret(user: User) -> str:
    from allauth.mfa.utils import decrypt

    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    return decrypt(authenticator.data["secret"])


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    council = factory.SubFactory(CouncilFactory)
    email = factory.Sequence(lambda n: f"resident{n}@example.net")
    name = factory.Sequence(lambda n: f"Resident {n}")
    birth_year = 1980
    status = Member.Status.ACTIVE
    # A member in the panel agreed to the council's consent text (the latest, if it has one).
    consent_version = factory.LazyAttribute(
        lambda o: ConsentVersion.objects.filter(council=o.council).order_by("-version").first()
        if o.status != Member.Status.PENDING else None)
