"""The Jinja2 environment for reporting's HTML pages (the monitoring report, the subject access
export): templates shipped in a package's ``templates/`` directory, every value escaped unless it
is passed in as ``Markup``, and a missing value an error rather than an empty space."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined


def html_environment(package: str) -> Environment:
    return Environment(
        loader=PackageLoader(package, "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
