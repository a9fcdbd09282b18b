"""CloudWatch metric math and GetMetricData, pure: expressions parsed to trees
(:mod:`parser`), evaluated over time series (:mod:`evaluate`), MetricDataQueries checked and
answered (:mod:`queries`). No Kafka here: the CLI reads the data and hands them in."""

from pipeline.metricmath.errors import MetricMathError
from pipeline.metricmath.evaluate import Context, Series, evaluate
from pipeline.metricmath.parser import parse_expression, references
from pipeline.metricmath.queries import Query, answer_queries, get_metric_data, parse_queries

__all__ = ["MetricMathError", "Context", "Series", "evaluate", "parse_expression", "references", "Query",
           "answer_queries", "get_metric_data", "parse_queries"]
