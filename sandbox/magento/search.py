"""searchCriteria from bracketed query parameters, filtering/sorting/paging, and `?fields=` trimming."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sandbox.magento.schema import snake

_KEY = re.compile(r"\[([^\]]*)\]")


@dataclass
class Filter:
    field: str
    value: str | None
    condition_type: str = "eq"

    def echo(self) -> dict[str, Any]:
        return {"field": self.field, "value": self.value, "condition_type": self.condition_type}


@dataclass
class SearchCriteria:
    filter_groups: list[list[Filter]] = field(default_factory=list)
    sort_orders: list[tuple[str, str]] = field(default_factory=list)
    page_size: int | None = None
    current_page: int | None = None

    def echo(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "filter_groups": [{"filters": [f.echo() for f in g]} for g in self.filter_groups]
        }
        if self.sort_orders:
            out["sort_orders"] = [{"field": f, "direction": d} for f, d in self.sort_orders]
        if self.page_size is not None:
            out["page_size"] = self.page_size
        if self.current_page is not None:
            out["current_page"] = self.current_page
        return out

    def eq_value(self, column: str) -> str | None:
        """The value of a lone `eq` filter on `column` forming its own group (index lookup), else None."""
        for group in self.filter_groups:
            if len(group) == 1 and group[0].field == column and group[0].condition_type == "eq":
                return group[0].value
        return None


def _nest(pairs: Iterable[tuple[str, str]], root: str) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for key, value in pairs:
        if not key.startswith(root + "["):
            continue
        path = [snake(p) for p in _KEY.findall(key[len(root) :])]
        node = tree
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        else:
            if path:
                node[path[-1]] = value
    return tree


def _ordered(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return [node[k] for k in sorted(node, key=lambda k: int(k) if str(k).isdigit() else 0)]
    return []


def parse(pairs: Iterable[tuple[str, str]]) -> SearchCriteria:
    tree = _nest(pairs, "searchCriteria")
    crit = SearchCriteria()
    for group in _ordered(tree.get("filter_groups")):
        filters = []
        for f in _ordered(group.get("filters") if isinstance(group, dict) else None):
            if isinstance(f, dict) and "field" in f:
                filters.append(
                    Filter(snake(str(f["field"])), f.get("value"), f.get("condition_type") or "eq")
                )
        if filters:
            crit.filter_groups.append(filters)
    for s in _ordered(tree.get("sort_orders")):
        if isinstance(s, dict) and "field" in s:
            crit.sort_orders.append((str(s["field"]), str(s.get("direction") or "ASC").upper()))
    for attr in ("page_size", "current_page"):
        raw = tree.get(attr)
        if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
            setattr(crit, attr, int(raw))
    return crit


def _num(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def _cmp(a: Any, b: Any) -> int:
    na, nb = _num(a), _num(b)
    if na is not None and nb is not None:
        return (na > nb) - (na < nb)
    sa, sb = str(a), str(b)
    return (sa > sb) - (sa < sb)


def _like(pattern: str) -> re.Pattern[str]:
    return re.compile("^" + ".*".join(re.escape(p) for p in pattern.split("%")) + "$", re.IGNORECASE | re.S)


def matches(row: dict[str, Any], f: Filter) -> bool:
    v = row.get(f.field)
    cond = f.condition_type.lower()
    target = f.value if f.value is not None else ""
    if cond == "null":
        return v is None
    if cond == "notnull":
        return v is not None
    if cond in ("in", "nin"):
        found = v is not None and any(_cmp(v, t.strip()) == 0 for t in target.split(","))
        return found if cond == "in" else not found
    if cond in ("finset", "nfinset"):
        found = v is not None and target in str(v).split(",")
        return found if cond == "finset" else not found
    if v is None:
        return False
    if cond in ("like", "nlike"):
        hit = bool(_like(target).match(str(v)))
        return hit if cond == "like" else not hit
    c = _cmp(v, target)
    checks: dict[str, Callable[[int], bool]] = {
        "eq": lambda x: x == 0,
        "neq": lambda x: x != 0,
        "gt": lambda x: x > 0,
        "gteq": lambda x: x >= 0,
        "moreq": lambda x: x >= 0,
        "from": lambda x: x >= 0,
        "lt": lambda x: x < 0,
        "lteq": lambda x: x <= 0,
        "to": lambda x: x <= 0,
    }
    check = checks.get(cond)
    return check(c) if check else False


def apply(rows: list[dict[str, Any]], crit: SearchCriteria) -> tuple[list[dict[str, Any]], int]:
    """Filter (OR inside a group, AND across groups), sort, page. Magento clamps a page past the end to
    the last page (Data\\Collection::getCurPage)."""
    hits = [r for r in rows if all(any(matches(r, f) for f in group) for group in crit.filter_groups)]
    for column, direction in reversed(crit.sort_orders):
        present = [r for r in hits if r.get(column) is not None]
        missing = [r for r in hits if r.get(column) is None]
        present.sort(
            key=lambda r: (_num(r[column]) is None, _num(r[column]) or 0.0, str(r[column])),
            reverse=direction == "DESC",
        )
        hits = missing + present if direction != "DESC" else present + missing
    total = len(hits)
    if crit.page_size:
        last = max(1, math.ceil(total / crit.page_size))
        page = min(max(crit.current_page or 1, 1), last)
        start = (page - 1) * crit.page_size
        hits = hits[start : start + crit.page_size]
    return hits, total


def parse_fields(spec: str) -> dict[str, Any]:
    """'items[entity_id,payment[method]],total_count' ->
    {'items': {'entity_id': {}, 'payment': {'method': {}}}, 'total_count': {}}"""
    pos = 0

    def level() -> dict[str, Any]:
        nonlocal pos
        out: dict[str, Any] = {}
        name = ""
        while pos < len(spec):
            ch = spec[pos]
            pos += 1
            if ch == "[":
                out[name.strip()] = level()
                name = ""
            elif ch == "]":
                break
            elif ch == ",":
                if name.strip():
                    out[name.strip()] = {}
                name = ""
            else:
                name += ch
        if name.strip():
            out[name.strip()] = {}
        return out

    return level()


def trim(value: Any, spec: dict[str, Any]) -> Any:
    if not spec:
        return value
    if isinstance(value, list):
        return [trim(v, spec) for v in value]
    if isinstance(value, dict):
        return {k: trim(value[k], sub) for k, sub in spec.items() if k in value}
    return value
