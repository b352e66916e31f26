from typing import Any

from django.conf import settings
from django.views.generic import TemplateView


class HelpView(TemplateView):
    template_name = "help/index.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["file_limit_mib"] = settings.UPLOAD_MAX_FILE_SIZE // (1024 * 1024)
        context["invitation_hours"] = settings.ROLE_INVITATION_HOURS
        context["project_limit_gib"] = settings.UPLOAD_MAX_PROJECT_SIZE // 1024**3
        return context
