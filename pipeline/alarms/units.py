"""Which period buckets of a metric a datum goes to, by unit.

CloudWatch: an alarm with ``Unit`` evaluates only data published with that unit; an alarm without
one reads the metric's data whatever their unit (AWS calls mixing units "not defined"; we
aggregate them all). So a metric's data are kept in one series per *unit view*: ``None`` (all
units) when some alarm of the metric has no Unit, and one per Unit its alarms name. A metric
whose alarms name no unit has only the all-units series, under the metric key itself, as before
units were told apart.
"""

from __future__ import annotations

from typing import Any, Iterable

__all__ = ["series_key", "unit_views", "view_of"]

# between the metric key and the unit: a control character no namespace, metric name or
# dimension (printable ASCII in CloudWatch) contains, so two series never share a key
_SEPARATOR = "\x1f"


def series_key(metric_key: str, unit: str | None) -> str:
    """The key of one unit view's buckets: the metric key, plus the unit when there is one."""
    return metric_key if unit is None else f"{metric_key}{_SEPARATOR}{unit}"


def view_of(alarm: Any) -> str | None:
    """The unit view an alarm reads (its Unit, or None for all units)."""
    return alarm.unit or None


def unit_views(alarms: Iterable[Any], datum_unit: str | None) -> list[str | None]:
    """The views a datum of ``datum_unit`` (missing means ``"None"``, as CloudWatch stores it)
    is added to, given the alarms that read its metric."""
    unit = datum_unit or "None"
    views: list[str | None] = []
    for alarm in alarms:
        view = view_of(alarm)
        if view in views:
            continue
        if view is None or view == unit:
            views.append(view)
    return views
