"""Second factors, as django-otp devices whose secrets are never stored in clear.

django-otp stays the only 2FA engine (``Device``, throttling, ``is_verified()``, the OTP admin);
these models replace its stock TOTP/static plugins, which keep seeds and codes in clear text.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from base64 import b32encode
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP

from .. import sealing

TOTP_SEAL_PURPOSE = "totp-seed"
# Codes valid this many steps away, but not within tolerance, mean the device clock is off.
DRIFT_WINDOW_STEPS = 10


class AuthenticatorApp(TimestampMixin, ThrottlingMixin, Device):
    """An RFC 6238 authenticator app (SHA-1, 6 digits, 30 s), one per account."""

    sealed_key = models.BinaryField(editable=False)
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = _("authenticator app")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(confirmed=True),
                name="one_confirmed_authenticator_app_per_user",
            )
        ]

    @property
    def bin_key(self) -> bytes:
        return sealing.unseal(self.sealed_key, purpose=TOTP_SEAL_PURPOSE)

    def set_key(self, key: bytes) -> None:
        self.sealed_key = sealing.seal(key, purpose=TOTP_SEAL_PURPOSE)

    def _totp(self) -> TOTP:
        totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
        totp.time = time.time()
        return totp

    def verify_token(self, token: str | int) -> bool:
        """Accept a current code once (replays refused), with django-otp's throttling."""
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        try:
            code = int(token)
        except (TypeError, ValueError):
            code = None
        totp = self._totp()
        verified = code is not None and totp.verify(code, self.tolerance, self.last_t + 1)
        # Each write changes only its own columns, in one statement: two workers checking codes
        # of the same app at once can neither both accept one time step nor undo each other.
        rows = AuthenticatorApp.objects.filter(pk=self.pk)
        if verified and rows.filter(last_t__lt=totp.t()).update(
            last_t=totp.t(),
            throttling_failure_count=0,
            throttling_failure_timestamp=None,
            last_used_at=timezone.now(),
        ):
            self.last_t = totp.t()
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            return True
        self.throttle_increment(commit=False)
        rows.update(
            throttling_failure_count=models.F("throttling_failure_count") + 1,
            throttling_failure_timestamp=self.throttling_failure_timestamp,
        )
        return False

    def is_out_of_sync(self, token: str | int) -> bool:
        """True when ``token`` is a real code of this device, but for a clock far from ours."""
        try:
            code = int(token)
        except (TypeError, ValueError):
            return False
        return self._totp().verify(code, DRIFT_WINDOW_STEPS, self.last_t + 1)

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)

    @property
    def config_url(self) -> str:
        """The ``otpauth://`` URI an authenticator app reads from the QR code."""
        issuer = settings.OTP_TOTP_ISSUER.replace(":", "")
        label = f"{issuer}:{self.user.get_username()}"
        params = urlencode(
            {
                "secret": b32encode(self.bin_key).decode(),
                "algorithm": "SHA1",
                "digits": self.digits,
                "period": self.step,
            }
        )
        return f"otpauth://totp/{quote(label)}?{params}&issuer={quote(issuer)}"


RECOVERY_CODE_PURPOSE = "recovery-code"


def recovery_code_digest(code: str) -> str:
    """Codes are 64 random bits: a keyed digest (not a slow hash) is enough to keep them."""
    normalized = "".join(code.split()).lower()
    key = sealing.derived_key(RECOVERY_CODE_PURPOSE)
    return hmac.new(key, normalized.encode(), hashlib.sha256).hexdigest()


class RecoveryCodes(ThrottlingMixin, Device):
    """The account's one-time recovery codes, as one django-otp device."""

    generated = models.DateTimeField(auto_now_add=True)

    class Meta(Device.Meta):
        verbose_name = _("recovery codes")
        constraints = [
            models.UniqueConstraint(fields=["user"], name="one_recovery_code_set_per_user")
        ]

    def verify_token(self, token: str) -> bool:
        """Burn the matching unused code; django-otp's throttling on failures."""
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        burned = self.codes.filter(
            digest=recovery_code_digest(str(token)), burned__isnull=True
        ).update(burned=timezone.now())
        if burned:
            self.throttle_reset(commit=True)
            return True
        self.throttle_increment(commit=True)
        return False

    def remaining(self) -> int:
        return self.codes.filter(burned__isnull=True).count()

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1)


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodes, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64)
    burned = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["device", "digest"], name="recoverycode_lookup")]

    def __str__(self) -> str:
        return f"recovery code of {self.device_id}"
