"""All metric filters of one log group, as the worker uses them.

Writes build a fresh tuple and swap it in, so a refused definition leaves the running set as it
was and a reader never sees half an update.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from .definitions import MetricFilter, metric_filter_from_body
from .errors import MetricFilterError, MetricFilterLimitError
from .json_selector import MISSING, text_at
from .parser import LogMessage, Match
from .transform import should_emit_default

__all__ = ["MetricFilterSet", "MAX_FILTERS_PER_LOG_GROUP", "MAX_REGEX_FILTERS_PER_LOG_GROUP"]

MAX_FILTERS_PER_LOG_GROUP = 100  # not adjustable (AWS quota)
MAX_REGEX_FILTERS_PER_LOG_GROUP = 5  # AWS counts metric + subscription filters; we see metric ones


class _Candidates:
    """Which filters an event can match, by one look-up per selector: a JSON pattern that needs
    its document to hold one of some texts at a selector (``$.eventName = A || ... = B``, the
    CIS pack's shape) is only tried on documents holding one of them there."""

    def __init__(self, filters: tuple[MetricFilter, ...]) -> None:
        self.always: list[int] = []
        gates: dict[str, tuple[Any, dict[str, list[int]]]] = {}
        for index, metric_filter in enumerate(filters):
            required = metric_filter.pattern.required_literals
            if required is None:
                self.always.append(index)
                continue
            selector, texts = required
            table = gates.setdefault(selector.text, (selector, {}))[1]
            for text in texts:
                table.setdefault(text, []).append(index)
        self.gates = list(gates.values())

    def of(self, view: LogMessage) -> list[int] | None:
        """Indexes of the filters to try, in order (None: all of them)."""
        if not self.gates:
            return None
        doc = view.json
        if doc is MISSING:  # gated filters are JSON ones: they cannot match
            return self.always
        picked = list(self.always)
        for selector, table in self.gates:
            text = text_at(selector, doc)
            if text is not None:
                found = table.get(text)
                if found:
                    picked.extend(found)
        if len(picked) != len(self.always):
            picked.sort()
        return picked


class MetricFilterSet:
    """Metric filters of ``log_group_name``, by filter name."""

    def __init__(self, log_group_name: str):
        self.log_group_name = log_group_name
        self._filters: tuple[MetricFilter, ...] = ()
        self._candidates: _Candidates | None = None  # built on first use after a change

    def __len__(self) -> int:
        return len(self._filters)

    def __iter__(self) -> Iterator[MetricFilter]:
        return iter(self._filters)

    def __contains__(self, filter_name: object) -> bool:
        return any(f.filter_name == filter_name for f in self._filters)

    def get(self, filter_name: str) -> MetricFilter | None:
        return next((f for f in self._filters if f.filter_name == filter_name), None)

    def put(self, metric_filter: MetricFilter | Mapping[str, Any]) -> MetricFilter:
        """Add or replace (same filterName) a filter; a PutMetricFilter body is validated first.

        Raises MetricFilterLimitError past 100 filters or 5 regex-containing patterns.
        """
        if not isinstance(metric_filter, MetricFilter):
            metric_filter = metric_filter_from_body(metric_filter)
        if metric_filter.log_group_name != self.log_group_name:
            raise MetricFilterError(
                f"filter {metric_filter.name!r} belongs to log group "
                f"{metric_filter.log_group_name!r}, not {self.log_group_name!r}")
        kept = [f for f in self._filters if f.filter_name != metric_filter.filter_name]
        candidate = (*kept, metric_filter)
        if len(candidate) > MAX_FILTERS_PER_LOG_GROUP:
            raise MetricFilterLimitError(
                f"Resource limit exceeded: log group {self.log_group_name!r} already has "
                f"{MAX_FILTERS_PER_LOG_GROUP} metric filters")
        if sum(1 for f in candidate if f.pattern.regex_count) > MAX_REGEX_FILTERS_PER_LOG_GROUP:
            raise MetricFilterLimitError(
                f"Resource limit exceeded: log group {self.log_group_name!r} can have at most "
                f"{MAX_REGEX_FILTERS_PER_LOG_GROUP} filter patterns containing regular expressions")
        # keep the original position when replacing, so output order is stable
        if len(kept) != len(self._filters):
            candidate = tuple(metric_filter if f.filter_name == metric_filter.filter_name else f
                              for f in self._filters)
        self._filters, self._candidates = candidate, None
        return metric_filter

    def remove(self, filter_name: str) -> bool:
        """Delete by filter name; returns whether it existed."""
        kept = tuple(f for f in self._filters if f.filter_name != filter_name)
        existed = len(kept) != len(self._filters)
        self._filters, self._candidates = kept, None
        return existed

    # -- per event ------------------------------------------------------------------------

    @property
    def has_default_values(self) -> bool:
        """Whether some filter reports a defaultValue (which needs the per-minute event count)."""
        return any(f.transformation.default_value is not None for f in self._filters)

    def matches_for(self, log_event: Mapping[str, Any], document: Any = None
                    ) -> list[tuple[MetricFilter, Match]]:
        """(filter, match) for every filter the event's message matches.

        :param document: the message's JSON object if the caller decoded it already (CloudTrail
            delivery has the record it serialised): equal to decoding the message, parsed once less
        """
        group = log_event.get("logGroupName")
        if group is not None and group != self.log_group_name:
            return []
        message = log_event.get("message")
        if not isinstance(message, str):
            return []
        view = LogMessage(message, document)
        filters = self._filters
        candidates = self._candidates
        if candidates is None:
            candidates = self._candidates = _Candidates(filters)
        indexes = candidates.of(view)
        out = []
        for metric_filter in filters if indexes is None else [filters[i] for i in indexes]:
            match = metric_filter.pattern.match(view)
            if match is not None:
                out.append((metric_filter, match))
        return out

    def datapoints_for(self, log_event: Mapping[str, Any]) -> list[dict[str, Any]]:
        """MetricDatum dicts for one log event (Timestamp = the event's timestamp, ms)."""
        return self.evaluate(log_event)[0]

    def evaluate(self, log_event: Mapping[str, Any], document: Any = None
                 ) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
        """(data, names of the filters that matched) for one log event.

        A filter can match without producing a datum (non-numeric value, missing dimension);
        it still counts as a match for :meth:`default_datapoints`.
        """
        timestamp_ms = int(log_event.get("timestamp", 0))
        data = []
        matched = []
        for metric_filter, match in self.matches_for(log_event, document):
            matched.append(metric_filter.filter_name)
            datum = metric_filter.transformation.datum(match, timestamp_ms)
            if datum is not None:
                data.append(datum)
        return data, tuple(matched)

    def default_datapoints(self, minute_start_ms: int, events_in_minute: int,
                           matches_by_filter: Mapping[str, int]) -> list[dict[str, Any]]:
        """defaultValue data for one minute of this log group.

        :param matches_by_filter: filterName -> matches in that minute (missing means 0)
        """
        out = []
        for metric_filter in self._filters:
            matched = matches_by_filter.get(metric_filter.filter_name, 0)
            if should_emit_default(events_in_minute, matched):
                datum = metric_filter.transformation.default_datum(minute_start_ms)
                if datum is not None:
                    out.append(datum)
        return out
