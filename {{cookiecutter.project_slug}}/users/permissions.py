from rest_framework.permissions import SAFE_METHODS, BasePermission


class IsStaffOrReadOnly(BasePermission):
    """Signed-in users may read; only staff may create, change or delete."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or user.is_staff

    def has_object_permission(self, request, view, obj) -> bool:
        return self.has_permission(request, view)
