"""What the API description adds to the users API: the README's examples, so that the docs
page shows requests that work and the contract tests send them."""

from websocket_api.actions import ActionSchema

PASSWORD_EXAMPLE = "correct-horse-battery-staple"

# Read by UserConsumer and UserViewSet (``action_schemas``); actions a route does not offer
# are left out of its description.
USER_ACTION_SCHEMAS = {
    "list": ActionSchema(request_example={"limit": 20, "offset": 0}),
    "retrieve": ActionSchema(
        request_example={"request_id": 42, "pk": 2},
        reply_example={"id": 2, "username": "demo2", "email": "demo2@example.com"},
    ),
    "patch": ActionSchema(request_example={"pk": 2, "data": {"email": "new@example.com"}}),
    "update": ActionSchema(request_example={"pk": 2, "data": {"username": "user_2"}}),
    "create": ActionSchema(
        request_example={
            "data": {"username": "ada", "email": "ada@example.com", "password": PASSWORD_EXAMPLE}
        }
    ),
    "delete": ActionSchema(request_example={"pk": 4}),
    "subscribe_instance": ActionSchema(request_example={"request_id": "u2", "pk": 2}),
    "unsubscribe_instance": ActionSchema(request_example={"request_id": "u2"}),
    "subscribe_list": ActionSchema(request_example={"request_id": "all"}),
    "unsubscribe_list": ActionSchema(request_example={"request_id": "all"}),
}
