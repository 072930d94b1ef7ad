"""One mixin per action, to combine with ``GenericAsyncAPIConsumer``."""

# % if cookiecutter.include_create
from .create import CreateModelMixin
# % endif
# % if cookiecutter.include_delete
from .delete import DeleteModelMixin
# % endif
# % if cookiecutter.include_list
from .list import ListModelMixin
# % endif
# % if cookiecutter.include_patch
from .patch import PatchModelMixin
# % endif
# % if cookiecutter.include_retrieve
from .retrieve import RetrieveModelMixin
# % endif
# % if cookiecutter.include_subscriptions
from .subscriptions import InstanceSubscriptionMixin, ListSubscriptionMixin
# % endif
# % if cookiecutter.include_update
from .update import UpdateModelMixin
# % endif
