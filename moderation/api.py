"""The observers' API: ``POST /danger-api/projects/<name>/observations`` (the public index's
address) lets a trusted observer's scanner report a project with an API token.

Authentication is the management API's (``packages.api.ApiTokenAuthentication``: an API token,
never a session, so no CSRF token), and so are its JSON errors (``{"detail": …}``). Checks, in
order: a token (401), its user is an observer (403), the project exists (404), the token's
caveats reach the project (403), the body (400 with the field errors). The report then goes
through ``reports.submit_report``, with the automatic quarantine it may trigger.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import tokens
from accounts.identity import Identity
from packages.api import ManageView
from packages.models import Project
from packages.services.events import Actor

from . import reports
from .forms import EVIDENCE_MAX, SUMMARY_MAX
from .models import ReportKind


class ObservationSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    summary = serializers.CharField(max_length=SUMMARY_MAX)
    evidence = serializers.CharField(
        required=False, allow_blank=True, max_length=EVIDENCE_MAX, default=""
    )
    payload = serializers.DictField(required=False, default=dict)


class Observations(ManageView):
    """``POST {"kind", "summary", "evidence"?, "payload"?}`` → 201 ``{"id", …}``: token
    authentication, JSON in and out, never cached, as the management API."""

    def post(self, request: Request, name: str) -> Response:
        identity = request.auth
        if not isinstance(identity, Identity):  # the authentication class admits nothing else
            raise exceptions.NotAuthenticated()
        assert identity.user is not None  # ApiTokenAuthentication admits users' tokens only
        if not reports.is_observer(identity.user):
            raise exceptions.PermissionDenied(
                _("Only trusted observers may report projects through this API.")
            )
        project = Project.objects.find_by_name(name)
        if project is None:
            raise exceptions.NotFound()
        denial = identity.denial(project)
        if denial:
            raise exceptions.PermissionDenied(denial)
        body = ObservationSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        tokens.record_use(identity.token)
        actor = Actor.from_request(request._request, identity.user, token=identity.token_label)
        report = reports.submit_report(
            project, reporter=identity.user, actor=actor, **body.validated_data
        )
        project.refresh_from_db(fields=["lifecycle_status"])
        return Response(
            {
                "id": report.pk,
                "project": project.name,
                "kind": report.kind,
                "created": serializers.DateTimeField().to_representation(report.created),
                "project_status": project.status,
            },
            status=status.HTTP_201_CREATED,
        )
