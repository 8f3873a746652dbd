from .connections import (  # noqa: F401
    connection_calls,
    connection_create,
    connection_edit,
    connection_list,
    connection_test_view,
)
