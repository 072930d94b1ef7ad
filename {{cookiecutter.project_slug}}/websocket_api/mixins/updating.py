from typing import TYPE_CHECKING, Any

from rest_framework.serializers import BaseSerializer

from ..requests import ActionRequest

if TYPE_CHECKING:
    from ..generics import GenericAsyncAPIConsumer as ConsumerBase
else:
    ConsumerBase = object


class UpdateObjectMixin(ConsumerBase):
    """What ``update`` and ``patch`` share: both save through ``perform_update``, as in DRF."""

    def update_object(self, request: ActionRequest, partial: bool) -> Any:
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer)
        if getattr(instance, "_prefetched_objects_cache", None):
            # Prefetched relations would show the object as it was before the update.
            instance._prefetched_objects_cache = {}  # type: ignore[attr-defined]
        return serializer.data

    def perform_update(self, serializer: BaseSerializer) -> None:
        """Called to save a validated update, full or partial."""
        serializer.save()
