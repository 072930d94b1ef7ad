from typing import Any

from ..actions import action
from ..requests import ActionRequest


class RetrieveModelMixin:
    """Adds ``retrieve``: the object named by ``pk`` (or the lookup field)."""

    @action(method="GET", detail=True, data="none")
    def retrieve(self, request: ActionRequest, **kwargs: Any) -> tuple[dict, int]:
        return self.serialize(self.get_object()), 200
