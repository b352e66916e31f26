from typing import Any

from django.views.generic import TemplateView

from .rendering import page_sections


class HelpView(TemplateView):
    """``/help/``: every section and question of the Help rows, with a table of contents."""

    template_name = "help/index.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["sections"] = page_sections()
        return context
