from __future__ import annotations

import asyncio
import copy
import json
import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, cast

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Model, QuerySet
from rest_framework.exceptions import APIException
from rest_framework.permissions import BasePermission

from ..actions import MODEL_ACTIONS, action, extend_action_schema
from ..auth import SESSION_ENDED_CLOSE_CODE, SessionEnded
from ..conf import websocket_api_settings
from ..connection import LAYER_DOWN, ChannelLayerError
from ..database import run_in_database_thread
from ..exceptions import ActionError
from ..generics import GenericAsyncAPIConsumer
from ..instrumentation import instrumentation
from ..observer import instance_group, model_group, observe, observer_key, rebuild
from ..replies import envelope
from ..requests import ActionRequest

if TYPE_CHECKING:
    ConsumerBase = GenericAsyncAPIConsumer
else:
    ConsumerBase = object

logger = logging.getLogger("websocket_api")

# A push answers like the action that made the change: create 201, update 200, delete 204.
PUSH_STATUS = {change: MODEL_ACTIONS[change].status for change in ("create", "update", "delete")}
_broadcast_serializers: dict[type, Any] = {}
# For the AsyncAPI description: what the subscription actions answer and push.
NO_DATA = {"type": "null"}


@dataclass(frozen=True)
class Subscription:
    request_id: Any
    pk: str | None  # None: the whole list

    @property
    def action(self) -> str:
        return "subscribe_list" if self.pk is None else "subscribe_instance"


class SubscriptionMixin(ConsumerBase):
    """Shared machinery of the subscription mixins: groups, bookkeeping and pushes.

    A delete push reaches a connection only for an object it was shown (in a reply, by a
    subscription or in an earlier push) and that was still in its queryset at the last
    check, and only if the object permissions pass on the deleted object's
    ``permission_fields``: once deleted, the object can no longer be looked up.
    """

    # The model fields the permission classes read on a pushed object: a deleted object is
    # rebuilt from these alone (the primary key always comes along).
    permission_fields: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        model = cls.observed_model()
        if model is not None:
            observe(model, cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.subscriptions: dict[str, Subscription] = {}
        self.known_objects: OrderedDict[str, None] = OrderedDict()
        self.seen_events: OrderedDict[Any, None] = OrderedDict()

    @classmethod
    def subscribed_model(cls) -> type[Model]:
        """The observed model; a consumer that subscribes must have one."""
        model = cls.observed_model()
        if model is None:
            raise TypeError(f"{cls.__name__} needs a `queryset` or a `model` to subscribe to.")
        return model

    @classmethod
    def observed_model(cls) -> type[Model] | None:
        """The model whose changes are pushed: ``queryset``'s, or a ``model`` attribute."""
        queryset = getattr(cls, "queryset", None)
        return queryset.model if queryset is not None else getattr(cls, "model", None)

    @classmethod
    def broadcast_representation(cls, instance: Model) -> Any:
        """Called once per change, in the process that made it, to build the pushed data.

        It runs without a request, so the representation must not depend on who receives
        it; override this (or ``get_push_data``) when it does.
        """
        serializer = _broadcast_serializers.get(cls)
        if serializer is None:
            serializer_class: Any = cls.serializer_class
            serializer = _broadcast_serializers[cls] = serializer_class(context={})
        return serializer.to_representation(instance)

    @classmethod
    def represented_attnames(cls) -> set[str] | None:
        """The model fields the pushed representation shows; None when that is unknown.

        A save that changes none of them is not pushed.
        """
        model = cls.subscribed_model()
        names = set()
        serializer_class: Any = cls.serializer_class
        for field in serializer_class().fields.values():
            if field.write_only:
                continue
            if field.source == "*" or len(field.source_attrs) != 1:
                return None
            try:
                model_field = model._meta.get_field(field.source_attrs[0])
            except FieldDoesNotExist:
                return None
            if not model_field.concrete or model_field.many_to_many:
                return None
            names.add(cast(Any, model_field).attname)
        return names

    # What this connection was shown

    def remember_shown(self, *objects: Model) -> None:
        for obj in objects:
            self.remember_shown_pk(str(obj.pk))

    def remember_shown_pk(self, pk: str) -> None:
        self.known_objects[pk] = None
        self.known_objects.move_to_end(pk)
        while len(self.known_objects) > websocket_api_settings.MAX_KNOWN_OBJECTS:
            self.known_objects.popitem(last=False)

    def get_object(self) -> Model:
        obj = super().get_object()
        self.remember_shown(obj)
        return obj

    def paginate_queryset(self, queryset: QuerySet) -> Any:
        page = super().paginate_queryset(queryset)
        self.remember_shown(*page)  # evaluates the page once; serializing reuses the rows
        return page

    # Subscribing

    async def add_subscription(self, request: ActionRequest, pk: Any) -> None:
        limit = websocket_api_settings.MAX_SUBSCRIPTIONS
        request_id = request.message.get("request_id")
        key = json.dumps(request_id, sort_keys=True)
        if key not in self.subscriptions and len(self.subscriptions) >= limit:
            problem = f"This connection has {limit} subscriptions (MAX_SUBSCRIPTIONS), the most."
            raise ActionError(429, [problem])
        try:
            await self.join_group(self.subscription_group(pk))
        except ChannelLayerError:
            raise ActionError(503, [LAYER_DOWN]) from None
        if key not in self.subscriptions:
            instrumentation().subscriptions_changed(self.scope, +1)
        self.subscriptions[key] = Subscription(request_id, None if pk is None else str(pk))

    def subscription_group(self, pk: Any) -> str:
        """The group a subscription listens to: the model's for a list, else the object's."""
        model = self.subscribed_model()
        return model_group(model) if pk is None else instance_group(model, pk)

    async def remove_subscription(self, request: ActionRequest, whole_list: bool) -> None:
        """Drop the subscription made with this request's ``request_id``, and only that one."""
        key = json.dumps(request.message.get("request_id"), sort_keys=True)
        subscription = self.subscriptions.get(key)
        if subscription is None or (subscription.pk is None) != whole_list:
            kind = "list" if whole_list else "instance"
            raise ActionError(404, [f"No {kind} subscription has this request_id."])
        del self.subscriptions[key]
        instrumentation().subscriptions_changed(self.scope, -1)
        if not any(other.pk == subscription.pk for other in self.subscriptions.values()):
            await self.leave_group(self.subscription_group(subscription.pk))

    async def disconnect(self, code: int) -> None:
        if self.subscriptions:
            instrumentation().subscriptions_changed(self.scope, -len(self.subscriptions))
            self.subscriptions.clear()
        await super().disconnect(code)

    # Pushing

    async def websocket_api_change(self, event: dict) -> None:
        """Called with each change of the observed model; pushes it to matching subscriptions."""
        if not self.first_sight(event.get("id")):
            return  # the same change through another of this connection's groups
        pk = str(event["pk"])
        targets = [
            subscription
            for subscription in self.subscriptions.values()
            if subscription.pk is None or (subscription.pk == pk and event["change"] != "create")
        ]
        if not targets:
            return
        if event["change"] == "delete" and pk not in self.known_objects:
            return
        try:
            if self.credentials.due():
                await run_in_database_thread(self.perform_authentication, None)
        except SessionEnded:
            await self.close(code=SESSION_ENDED_CLOSE_CODE)
            return
        for action_name in sorted({subscription.action for subscription in targets}):
            try:
                allowed, data, gone = await self.shared_push_decision(event, action_name)
            except Exception:  # noqa: BLE001 - one failed check must not end the connection
                logger.exception("Could not check a %s push", event["change"])
                continue
            self.note_visibility(pk, event["change"], allowed, gone)
            if not allowed:
                continue
            status = PUSH_STATUS[event["change"]]
            for subscription in targets:
                if subscription.action == action_name:
                    push = envelope(event["change"], subscription.request_id, status, data)
                    await self.send_reply(push)
                    instrumentation().push_sent(self.scope)

    def first_sight(self, event_id: Any) -> bool:
        """False for an event this connection already handled."""
        if event_id is None:
            return True
        if event_id in self.seen_events:
            return False
        self.seen_events[event_id] = None
        while len(self.seen_events) > 256:
            self.seen_events.popitem(last=False)
        return True

    def note_visibility(self, pk: str, change: str, allowed: bool, gone: bool) -> None:
        """Keep ``known_objects`` to what this connection may see, for later delete pushes."""
        if change == "delete" or (not allowed and not gone):
            self.known_objects.pop(pk, None)
        elif allowed:
            self.remember_shown_pk(pk)

    def push_decision_key(self, event: dict, action_name: str) -> tuple:
        """What a push decision depends on; connections with the same key share it."""
        route_kwargs = self.scope.get("url_route", {}).get("kwargs", {})
        return (
            event.get("id"),
            observer_key(type(self)),
            self.user.pk,
            action_name,
            tuple(sorted((str(k), str(v)) for k, v in route_kwargs.items())),
        )

    async def shared_push_decision(self, event: dict, action_name: str) -> tuple[bool, Any, bool]:
        """``push_data_for``'s answer, computed once per process for all connections that
        share a ``push_decision_key`` (the same user on the same consumer, typically)."""
        if event.get("id") is None:
            return await run_in_database_thread(self.push_data_for, event, action_name)
        return await _decisions.get_or_compute(
            self.push_decision_key(event, action_name),
            lambda: run_in_database_thread(self.push_data_for, event, action_name),
        )

    def push_data_for(self, event: dict, action_name: str) -> tuple[bool, Any, bool]:
        """Whether this user may see the change, the data to push, and whether it is gone.

        The checks run as the subscribing action, on a copy of the consumer, so that the
        action and request of the connection's own requests stay as they are. They depend
        only on the user, the consumer class and the route (see ``push_decision_key``).
        """
        checker = copy.copy(self)
        checker.action, checker.args, checker.kwargs = action_name, (), {}
        checker.request = self.make_request(action_name, "GET", {})
        model = apps.get_model(event["model"])
        try:
            checker.check_permissions(checker.request)
            instance: Model | None
            if event["change"] == "delete" or checker.may_skip_lookup():
                instance = rebuild(model, event["fields"])
            else:
                instance = checker.get_queryset().filter(pk=event["pk"]).first()
                if instance is None:
                    # Out of this user's queryset, unless it is gone: then the delete that
                    # follows decides.
                    gone = not model._default_manager.filter(pk=event["pk"]).exists()
                    return False, None, gone
            checker.check_object_permissions(checker.request, instance)
        except (APIException, DjangoPermissionDenied):
            return False, None, False
        if event["change"] == "delete":
            return True, {"pk": event["pk"]}, False
        data = event["data"].get(observer_key(type(self)))
        return True, checker.get_push_data(instance, data), False

    def may_skip_lookup(self) -> bool:
        """Whether a changed object can be checked without loading it.

        True when the consumer keeps the stock ``get_queryset()`` over an unfiltered
        queryset (every saved object belongs to it) and no permission class looks at the
        object; then only the user's own permissions decide.
        """
        queryset = getattr(type(self), "queryset", None)
        stock_queryset = type(self).get_queryset is GenericAsyncAPIConsumer.get_queryset
        if not stock_queryset or queryset is None or queryset.query.has_filters():
            return False
        return all(
            type(permission).has_object_permission is BasePermission.has_object_permission
            for permission in self.get_permissions()
        )

    def get_push_data(self, instance: Model, broadcast: Any) -> Any:
        """The data pushed to this connection: the change's shared representation by default."""
        return broadcast if broadcast is not None else self.get_serializer(instance).data


class SharedDecisions:
    """Push decisions being made or just made, so that connections that share one wait for
    the same database trip instead of making their own. Bounded; oldest forgotten first."""

    SIZE = 4096

    def __init__(self) -> None:
        self.futures: OrderedDict[tuple, asyncio.Future] = OrderedDict()

    async def get_or_compute(self, key: tuple, compute: Any) -> Any:
        future = self.futures.get(key)
        if future is None or future.get_loop() is not asyncio.get_running_loop():
            future = asyncio.ensure_future(compute())
            self.futures[key] = future
            while len(self.futures) > self.SIZE:
                self.futures.popitem(last=False)
        return await asyncio.shield(future)


_decisions = SharedDecisions()


class InstanceSubscriptionMixin(SubscriptionMixin):
    """Adds ``subscribe_instance`` and ``unsubscribe_instance``: pushes for one object."""

    @extend_action_schema(
        reply_status=201,
        reply_data=NO_DATA,
        pushes=("update", "delete"),
        request_example={"request_id": "instance-1", "pk": 1},
    )
    @action(method="GET", detail=True, data="none")
    async def subscribe_instance(self, request: ActionRequest, **kwargs: Any) -> tuple[None, int]:
        """Push each later change of the object (update, delete) with this `request_id`."""
        instance = await run_in_database_thread(self.get_object)
        await self.add_subscription(request, instance.pk)
        return None, 201

    @extend_action_schema(
        reply_status=204,
        reply_data=NO_DATA,
        params={"pk": {"description": "Accepted and ignored."}},
        request_example={"request_id": "instance-1"},
    )
    @action(method="GET", data="none", params=("pk",))
    async def unsubscribe_instance(self, request: ActionRequest, **kwargs: Any) -> tuple[None, int]:
        """Stop the subscription made with this `request_id`; a `pk` is accepted and ignored."""
        await self.remove_subscription(request, whole_list=False)
        return None, 204


class ListSubscriptionMixin(SubscriptionMixin):
    """Adds ``subscribe_list`` and ``unsubscribe_list``: pushes for the whole queryset."""

    @extend_action_schema(
        reply_status=201,
        reply_data=NO_DATA,
        pushes=("create", "update", "delete"),
        request_example={"request_id": "list-1"},
        errors=(400, 401, 403, 405, 413, 429, 500, 503),
    )
    @action(method="GET", data="none")
    async def subscribe_list(self, request: ActionRequest, **kwargs: Any) -> tuple[None, int]:
        """Push each later create, update and delete in the queryset with this `request_id`."""
        await self.add_subscription(request, None)
        return None, 201

    @extend_action_schema(
        reply_status=204, reply_data=NO_DATA, request_example={"request_id": "list-1"}
    )
    @action(method="GET", data="none")
    async def unsubscribe_list(self, request: ActionRequest, **kwargs: Any) -> tuple[None, int]:
        """Stop the list subscription made with this `request_id`."""
        await self.remove_subscription(request, whole_list=True)
        return None, 204
