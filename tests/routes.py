"""The routes a running Jupyter server really serves, read from its tornado application.

The OpenAPI and authentication tests build their lists from here rather than from a hand
list or the ``default_handlers`` modules, so a handler registered anywhere (by the platform,
jupyter-server or another extension) is seen by them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tornado import web, websocket
from tornado.routing import PathMatches, Rule

METHODS = ("get", "head", "post", "put", "patch", "delete", "options")


@dataclass(frozen=True)
class Route:
    pattern: str
    """The path regex as tornado matches it (with the base URL, ending in ``$``)."""
    handler: type[web.RequestHandler]

    @property
    def module(self) -> str:
        return self.handler.__module__

    @property
    def is_websocket(self) -> bool:
        return issubclass(self.handler, websocket.WebSocketHandler)

    @property
    def methods(self) -> list[str]:
        """The HTTP methods the handler implements itself (not tornado's 405 default)."""
        return [
            m
            for m in METHODS
            if getattr(self.handler, m) is not getattr(web.RequestHandler, m)
            and m in {s.lower() for s in self.handler.SUPPORTED_METHODS}
        ]

    def path(self, params: dict[str, str]) -> str:
        """A concrete path the pattern matches: named groups from ``params`` (else a
        placeholder), the first branch of each alternative, the fewest repeats."""
        tree = re._parser.parse(self.pattern)  # type: ignore[attr-defined]
        names = {group: name for name, group in tree.state.groupdict.items()}
        # a value that does not fit this route's group (contents paths start with "/")
        # gives way to a sampled one
        fitting = {
            name: value
            for name, value in params.items()
            if re.fullmatch(self.pattern, _sample(tree, {name: value}, names))
        }
        path = _sample(tree, fitting, names)
        assert re.fullmatch(self.pattern, path), (self.pattern, path)
        return path


def registered_routes(web_app: web.Application) -> list[Route]:
    """Every path route of the application, in matching order, nested routers flattened."""
    routes: list[Route] = []

    def walk(rules: list[Rule]) -> None:
        for rule in rules:
            target: Any = rule.target
            if hasattr(target, "rules"):
                walk(target.rules)
            elif isinstance(rule.matcher, PathMatches) and isinstance(target, type):
                routes.append(Route(rule.matcher.regex.pattern, target))

    walk(web_app.default_router.rules)
    return routes


def _sample(parsed: Any, params: dict[str, str], names: dict[int, str]) -> str:
    from re import _constants as c  # type: ignore[attr-defined]

    out = []
    for op, arg in parsed:
        if op is c.LITERAL:
            out.append(chr(arg))
        elif op is c.NOT_LITERAL:
            out.append("x" if arg != ord("x") else "y")
        elif op is c.ANY:
            out.append(".")
        elif op is c.IN:
            out.append(_sample_class(arg))
        elif op is c.BRANCH:
            out.append(_sample(arg[1][0], params, names))
        elif op is c.SUBPATTERN:
            name = names.get(arg[0])
            out.append(params[name] if name in params else _sample(arg[3], params, names))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, _high, sub = arg
            out.append(_sample(sub, params, names) * low)
        elif op is c.AT:
            continue
        else:  # pragma: no cover - a construct no route uses yet
            raise AssertionError(f"cannot sample regex construct {op}")
    return "".join(out)


def _sample_class(items: Any) -> str:
    from re import _constants as c  # type: ignore[attr-defined]

    op, arg = items[0]
    if op is c.LITERAL:
        return chr(arg)
    if op is c.RANGE:
        return chr(arg[0])
    if op is c.CATEGORY:
        return "0" if arg is c.CATEGORY_DIGIT else "a"
    return "a"
