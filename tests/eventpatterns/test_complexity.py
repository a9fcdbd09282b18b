from pipeline.eventpatterns.complexity import MAX_COMPLEXITY, wildcard_complexity
from pipeline.eventpatterns.compiler import _wildcard


def score(*texts):
    return wildcard_complexity([_wildcard(t) for t in texts])


def test_calibration_against_aws_recordings():
    assert score("*:*:*:*:*:event-bus/*") > MAX_COMPLEXITY  # AWS refuses
    assert score("/Users/*/dir/dir/dir/dir/dir/doc.txt") <= MAX_COMPLEXITY  # AWS accepts
    assert score("arn:aws:events:us-east-1:*:event-bus/*") <= MAX_COMPLEXITY  # AWS accepts
    assert (score("*:*:*:*:*:event-bus/*"), score("/Users/*/dir/dir/dir/dir/dir/doc.txt"),
            score("arn:aws:events:us-east-1:*:event-bus/*")) == (12, 8, 4)


def test_simple_shapes():
    assert score() == 0
    assert score("abc") == 1
    assert score("*") == 1
    assert score("a*", "b*") == 2
