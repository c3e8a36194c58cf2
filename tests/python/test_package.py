import attune
import pytest


def test_version_matches_library():
    assert attune.__version__ == "0.1.0"


def test_status_names():
    assert attune.status_name(-2) == "invalid_utf8"
    assert attune.status_name(0) == "ok"


def test_attune_error_is_an_exception_class():
    assert issubclass(attune.AttuneError, Exception)
