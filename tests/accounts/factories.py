from __future__ import annotations

import os

import factory
from allauth.account.models import EmailAddress

from accounts.models import AuthenticatorApp, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def saved(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


class EmailAddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmailAddress

    user = factory.SubFactory(UserFactory)
    email = factory.LazyAttribute(lambda e: e.user.email)
    primary = True
    verified = True


def add_totp(user: User, key: bytes | None = None) -> AuthenticatorApp:
    device = AuthenticatorApp(user=user, name="app", confirmed=True)
    device.set_key(key or os.urandom(20))
    device.save()
    return device
