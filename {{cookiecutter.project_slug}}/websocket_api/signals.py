"""What tells open connections that a user's credentials changed."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from .auth import credentials_changed


def after_commit(user_pk: Any, **ended: str) -> None:
    transaction.on_commit(lambda: credentials_changed(user_pk, **ended))


def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None and user.is_authenticated:
        session_key = getattr(getattr(request, "session", None), "session_key", None) or ""
        credentials_changed(user.pk, ended_session=session_key)


def on_user_saved(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    # A sign-in saves last_login only: nothing that ends a session.
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    after_commit(instance.pk)


def on_user_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    after_commit(instance.pk)


def on_token_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    after_commit(instance.user_id, ended_token=instance.key)


def connect() -> None:
    user_model = get_user_model()
    uid = "websocket_api.credentials"
    user_logged_out.connect(on_logout, dispatch_uid=f"{uid}.logout")
    post_save.connect(on_user_saved, sender=user_model, dispatch_uid=f"{uid}.user_saved")
    post_delete.connect(on_user_deleted, sender=user_model, dispatch_uid=f"{uid}.user_deleted")
    if apps.is_installed("rest_framework.authtoken"):
        from rest_framework.authtoken.models import Token

        post_delete.connect(on_token_deleted, sender=Token, dispatch_uid=f"{uid}.token_deleted")
