"""Routes declared beside their views and added to a blueprint by the audience package that builds it.

Flask's own `@bp.route` wires a view into a blueprint when its module is imported; a table keeps the
declaration beside the view but leaves the wiring to one explicit `register` call in the package's
`build_blueprint`, so no module has to be imported for its side effects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Blueprint

View = TypeVar("View", bound=Callable[..., Any])


@dataclass(frozen=True)
class Route:
    """One URL rule and the view that answers it."""

    rule: str
    view: Callable[..., Any]
    options: dict[str, Any]


@dataclass
class RouteTable:
    """The routes of one module, in declaration order."""

    routes: list[Route] = field(default_factory=list)

    def route(self, rule: str, **options: Any) -> Callable[[View], View]:
        """Declare a view for `rule` (the same options as `Blueprint.route`)."""

        def declare(view: View) -> View:
            self.routes.append(Route(rule, view, options))
            return view

        return declare

    def get(self, rule: str, **options: Any) -> Callable[[View], View]:
        """Declare a GET view."""
        return self.route(rule, methods=["GET"], **options)

    def post(self, rule: str, **options: Any) -> Callable[[View], View]:
        """Declare a POST view."""
        return self.route(rule, methods=["POST"], **options)

    def register(self, blueprint: Blueprint) -> None:
        """Add every declared route to the blueprint."""
        for route in self.routes:
            blueprint.add_url_rule(route.rule, view_func=route.view, **route.options)
