"""Enumerate every URL pattern of the project and build concrete URLs for it (used by the URL-walk test)."""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

_ROUTE_PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>\w+)>")


@dataclass(frozen=True)
class Route:
    """One URL pattern: `template` has `{name:kind}` placeholders (kind: int, str, slug, uuid, path, any)."""

    template: str
    name: str  # "namespace:name" or the view's dotted path when unnamed
    params: tuple[tuple[str, str], ...]

    def build(self, values: dict[str, str]) -> str:
        url = self.template
        for name, kind in self.params:
            url = url.replace(f"{{{name}:{kind}}}", values[name], 1)
        return "/" + url.lstrip("/")


def _regex_to_template(regex: str) -> tuple[str, list[tuple[str, str]]]:
    """A regex pattern (admin, i18n) -> template. Named groups become placeholders; an alternation's first branch
    is used when the group is a plain `a|b|c` list (admin's app_label)."""
    out, params, i = [], [], 0
    regex = regex.lstrip("^").rstrip("$").replace("\\Z", "")
    while i < len(regex):
        if regex.startswith("(?P<", i):
            end_name = regex.index(">", i)
            name = regex[i + 4 : end_name]
            depth, j = 1, end_name + 1
            while depth:
                depth += {"(": 1, ")": -1}.get(regex[j], 0)
                j += 1
            body = regex[end_name + 1 : j - 1]
            if re.fullmatch(r"[\w|-]+", body):
                out.append(body.split("|")[0])
            else:
                kind = "int" if body in (r"\d+", "[0-9]+") else "any"
                out.append(f"{{{name}:{kind}}}")
                params.append((name, kind))
            i = j
        elif regex[i] == "\\" and i + 1 < len(regex):
            out.append(regex[i + 1])
            i += 2
        elif regex[i] in "?*+":
            i += 1
        else:
            out.append(regex[i])
            i += 1
    return "".join(out), params


def _pattern_part(pattern) -> tuple[str, list[tuple[str, str]]]:
    if isinstance(pattern, RoutePattern):
        route = str(pattern._route)
        params = [(m["name"], m["conv"] or "str") for m in _ROUTE_PARAM.finditer(route)]
        template = _ROUTE_PARAM.sub(lambda m: f"{{{m['name']}:{m['conv'] or 'str'}}}", route)
        return template, params
    if isinstance(pattern, RegexPattern):
        return _regex_to_template(str(pattern._regex))
    return str(pattern), []


def all_routes() -> list[Route]:
    routes: list[Route] = []

    def walk(patterns, prefix: str, params: list, namespace: str) -> None:
        for entry in patterns:
            part, part_params = _pattern_part(entry.pattern)
            if isinstance(entry, URLResolver):
                ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, prefix + part, params + part_params, ns)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}{entry.name}" if entry.name else entry.lookup_str
                routes.append(Route(prefix + part, name, tuple(params + part_params)))

    walk(get_resolver().url_patterns, "", [], "")
    unique = {r.template: r for r in routes}
    return sorted(unique.values(), key=lambda r: r.template)
