"""``view_as_consumer``: serve an existing DRF view or viewset over a WebSocket."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, cast

from rest_framework.viewsets import ViewSetMixin

from .actions import LIST_PARAMS, MODEL_ACTIONS, PAGING_PARAMS, ActionSpec
from .conf import websocket_api_settings
from .consumers import AsyncAPIConsumer
from .exceptions import ActionError, RequestError
from .replies import error_list
from .requests import ActionRequest, check_paging, http_request_from_scope

DEFAULT_MAPPED_ACTIONS: dict[str, str] = {row.name: row.method for row in MODEL_ACTIONS.values()}


class ViewConsumer(AsyncAPIConsumer):
    """Runs a DRF view for each request, as if it had come over HTTP."""

    permission_classes: ClassVar[list] = []
    throttle_classes: ClassVar[list] = []
    lookup_kwarg: ClassVar[str] = "pk"
    views: ClassVar[dict[str, Callable]] = {}
    # The ViewSet or APIView class served, for describing the route.
    view_class: ClassVar[type | None] = None

    @classmethod
    def get_lookup_kwarg(cls) -> str:
        return cls.lookup_kwarg

    def run_view(self, request: ActionRequest, **kwargs: Any) -> tuple[Any, int]:
        """Called on the database thread with the checked request for any action."""
        message = request.message
        problems = check_paging(message, websocket_api_settings.MAX_PAGE_SIZE)
        if problems:
            raise RequestError(problems)
        lookup_kwarg = self.get_lookup_kwarg()
        if lookup_kwarg in message:
            kwargs.setdefault(lookup_kwarg, message[lookup_kwarg])
        query = request.query_params.copy()
        query.update({key: str(message[key]) for key in PAGING_PARAMS if key in message})
        http_request: Any = http_request_from_scope(
            self.scope, request.method, body=message.get("data"), query=query
        )
        http_request.user = self.user
        if "session" in self.scope:
            http_request.session = self.scope["session"]
        # The handshake authenticated the connection once; the view's authentication
        # classes see that result instead of authenticating every frame again.
        if self.user.is_authenticated:
            http_request._force_auth_user = self.user
            http_request._force_auth_token = self.scope.get("auth")
        else:
            http_request.META.pop("HTTP_AUTHORIZATION", None)
        # The handshake passed the Origin check, which stands in for CSRF on a WebSocket.
        http_request._dont_enforce_csrf_checks = True
        return response_result(self.views[request.action](http_request, **kwargs))


def response_result(response: Any) -> tuple[Any, int]:
    """A view's response as ``(data, status)``; error statuses raise ``ActionError``."""
    if hasattr(response, "data"):
        data = response.data
    elif getattr(response, "streaming", False) or not response.content:
        data = None
    elif response.get("Content-Type", "").startswith("application/json"):
        data = json.loads(response.content)
    else:
        data = response.content.decode(response.charset or "utf-8")
    if response.status_code >= 400:
        raise ActionError(response.status_code, error_list(data))
    return data, response.status_code


def view_as_consumer(
    view: Callable | type[ViewSetMixin],
    mapped_actions: Mapping[str, str] | None = None,
    actions: Iterable[str] | None = None,
    **initkwargs: Any,
):
    """An ASGI app that serves ``view`` over a WebSocket, one consumer per connection.

    ``view`` is a view function (``SomeAPIView.as_view()``) or a ViewSet class. For a view
    function, ``mapped_actions`` maps action names to HTTP methods (list and retrieve GET,
    create POST, update PUT, patch PATCH, delete DELETE by default). For a ViewSet, the
    actions are its standard ones (``patch`` for ``partial_update``, ``delete`` for
    ``destroy``) plus its extra ``@action`` methods. ``actions`` keeps only the named ones.
    """
    if isinstance(view, type) and issubclass(view, ViewSetMixin):
        routes = viewset_routes(view, initkwargs)
        lookup_kwarg = getattr(view, "lookup_url_kwarg", None) or getattr(
            view, "lookup_field", "pk"
        )
        name, view_class = view.__name__, cast(type | None, view)
    else:
        if initkwargs:
            raise TypeError("initkwargs are only for ViewSet classes; pass them to as_view().")
        routes = view_routes(view, mapped_actions or DEFAULT_MAPPED_ACTIONS)
        lookup_kwarg = "pk"
        name = getattr(view, "__name__", "View")
        view_class = getattr(view, "cls", None)
    if actions is not None:
        routes = {key: routes[key] for key in actions if key in routes}
    consumer_class: Any = type(
        f"{name}Consumer",
        (ViewConsumer,),
        {"lookup_kwarg": lookup_kwarg, "view_class": view_class},
    )
    consumer_class.views = {key: route_view for key, (_, route_view) in routes.items()}
    consumer_class.available_actions = {
        key: (spec, "run_view") for key, (spec, _) in routes.items()
    }
    return consumer_class.as_asgi()


def view_routes(view: Callable, mapped_actions: Mapping[str, str]) -> dict[str, tuple]:
    """Routes for a view function: any action may name an object with ``pk``."""
    return {
        name: (
            ActionSpec(
                name=name,
                method=method.upper(),
                params=frozenset({"pk", *LIST_PARAMS}),
            ),
            view,
        )
        for name, method in mapped_actions.items()
    }


def viewset_routes(viewset: type[ViewSetMixin], initkwargs: dict) -> dict[str, tuple]:
    """Routes for a ViewSet class: the table's actions it implements, then its extra ones.

    The table's actions take the table's method, detail flag, data rule and parameters, so
    requests are checked exactly as the generic consumer checks them.
    """
    basename = initkwargs.pop("basename", viewset.__name__.lower())
    specs = [
        (row.spec(), row.viewset_method)
        for row in MODEL_ACTIONS.values()
        if hasattr(viewset, row.viewset_method)
    ]
    extra: Any
    for extra in viewset.get_extra_actions():
        http_method = next(iter(extra.mapping))
        spec = ActionSpec(
            name=extra.__name__,
            method=http_method.upper(),
            detail=extra.detail,
            data="optional",
            params=frozenset(() if extra.detail else LIST_PARAMS),
            description=inspect.getdoc(extra) or "",
        )
        specs.append((spec, extra.mapping[http_method]))
    routes = {}
    for spec, method_name in specs:
        view = viewset.as_view(
            {spec.method.lower(): method_name},
            basename=basename,
            detail=spec.detail,
            **initkwargs,
        )
        routes[spec.name] = (spec, view)
    return routes
