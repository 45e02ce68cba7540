"""The proxy only ever reaches paths under the account's base URL."""

from __future__ import annotations

import pytest

from parley.errors import InvalidRequestError
from parley.proxy import safe_path


@pytest.mark.parametrize("path", ["api/v1/users/me", "v3/engagements", "api/v1/a%2Fb"])
def test_a_relative_path_goes_under_the_base_url(path: str) -> None:
    assert safe_path(path) == "/" + path


@pytest.mark.parametrize(
    "path",
    [
        "",
        "/evil.example/x",
        "https://evil.example/x",
        "https%3A%2F%2Fevil.example%2Fx",
        "api/../../secret",
        "api/%2e%2e/%2e%2e/secret",
        "api\\..\\secret",
        "%5Cevil.example",
    ],
)
def test_a_path_that_could_leave_the_base_url_is_refused(path: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        safe_path(path)
    assert (caught.value.code, caught.value.param) == ("invalid_proxy_path", "path")
