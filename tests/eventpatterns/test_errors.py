"""Invalid patterns are refused with AWS's reason texts (LocalStack's AWS-recorded snapshots)."""

from __future__ import annotations

import pytest

from pipeline.errors import PipelineError
from pipeline.eventpatterns import EventPatternError, check_pattern

AWS_RECORDED = [
    ('{"int": 42}', '"int" must be an object or an array'),
    ('{"string": "my-value"}', '"string" must be an object or an array'),
    ('{"resources": []}', "Empty arrays are not allowed"),
    ('["not", "a", "dict", "but valid json"]', "Filter is not an object"),
    ('{"detail": {"equal": [{"NUMERIC": ["=", 5]}]}}', "Unrecognized match type NUMERIC"),
    ('{"my_key": [{"EXISTS": true}]}', "Unrecognized match type EXISTS"),
    ('{"detail": {"c-count": [{"numeric": [">", 0, ">", 0]}]}}', "Bad numeric range operator: >"),
    ('{"detail": {"c-count": [{"numeric": [">", 0, "<"]}]}}', "Value of < must be numeric"),
    ('{"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:**:event-bus/*"}]}',
     "Consecutive wildcard characters at pos 26"),
    ('{"EventBusArn": [{"wildcard": "*:*:*:*:*:event-bus/*"}]}',
     "Rule is too complex - try using fewer wildcard characters or fewer repeating character "
     "sequences after a wildcard character"),
    ('{"detail-type": [{"equals-ignore-case": ["ec2 instance state-change notification"]}]}',
     "equals-ignore-case match pattern must be a string"),
    ('{"detail-type": [{"equals-ignore-case": {"prefix": "ec2"}}]}',
     "equals-ignore-case match pattern must be a string"),
    ('{"ip": [{"cidr": "10.0.0.0"}]}', "Malformed CIDR, one '/' required"),
    ('{"ip": [{"cidr": "10.0.0.0/xx"}]}', "Malformed CIDR, mask bits must be an integer"),
    ('{"ip": [{"cidr": "xx.11.xx/24"}]}', "Nonstandard IP address: xx.11.xx"),
    ('{"ip": [{"cidr": "xxxx:db8:1234:1a00::/64"}]}', "Nonstandard IP address: xxxx:db8:1234:1a00::"),
    ('{"detail": {"sourceIPAddress": [{"cidr": ["bad-type"]}]}}', "prefix match pattern must be a string"),
    ('{"detail": {"state": [{"anything-but": {"equals-ignore-case": 123}}]}}',
     "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."),
    ('{"detail": {"state": [{"anything-but": {"equals-ignore-case": [123, 456]}}]}}',
     "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."),
    ('{"EventBusArn": [{"wildcard": 123}]}', "wildcard match pattern must be a string"),
    ('{"EventBusArn": [{"wildcard": ["a*"]}]}', "wildcard match pattern must be a string"),
    ('{"detail": {"state": [{"anything-but": {"wildcard": [123, "*/dir/*"]}}]}}',
     "wildcard match pattern must be a string"),
    ('{"detail": {"FilePath": [{"anything-but": {"wildcard": 123}}]}}', "wildcard match pattern must be a string"),
    ('{"detail": {"FileName": [{"anything-but": {"suffix": [123, ".txt"]}}]}}',
     "prefix/suffix match pattern must be a string"),
    ('{"detail": {"FileName": [{"anything-but": {"suffix": 123}}]}}', "prefix/suffix match pattern must be a string"),
    ('{"detail": {"state": [{"anything-but": {"prefix": [123, "test"]}}]}}',
     "prefix/suffix match pattern must be a string"),
    ('{"detail": {"state": [{"anything-but": {"prefix": 123}}]}}', "prefix/suffix match pattern must be a string"),
    ('{"detail": {"state": [{"anything-but": {"prefix": ""}}]}}', "Null prefix/suffix not allowed"),
    ('{"time": [{"prefix": ["2022-07-13"]}]}', "prefix match pattern must be a string"),
    ('{"time": [{"prefix": 123}]}', "prefix match pattern must be a string"),
    ('{"FileName": [{"suffix": 123}]}', "suffix match pattern must be a string"),
    ('{"FileName": [{"suffix": [".png"]}]}', "suffix match pattern must be a string"),
    ('{"detail": {"FileName": [{"anything-but": {"prefix": {"equals-ignore-case": "file"}}}]}}',
     "Value of anything-but must be an array or single string/number value."),
    ('{"detail": {"FileName": [{"anything-but": {"suffix": {"equals-ignore-case": ".png"}}}]}}',
     "Value of anything-but must be an array or single string/number value."),
    ('{"a": [{"anything-but": null}]}', "Value of anything-but must be an array or single string/number value."),
    ('{"a": [{"anything-but": ["x", null]}]}', "Inside anything but list, start|null|boolean is not supported."),
    ('{"a": [{"numeric": 5}]}', "Value of numeric must be an array."),
    ("this is valid json but not a dict",
     "Unrecognized token 'this': was expecting (JSON String, Number, Array, Object or token 'null', "
     "'true' or 'false')"),
    ("{'bad': 'quotation'}",
     "Unexpected character (''' (code 39)): was expecting double-quote to start field name"),
    ('{"not": closed mark"',
     "Unrecognized token 'closed': was expecting (JSON String, Number, Array, Object or token 'null', "
     "'true' or 'false')"),
    # event-ruler behaviour: a one-element $or is a field called "$or"
    ('{"$or": [{"a": [1]}]}', "Unrecognized match type a"),
    ("{}", "Empty objects are not allowed"),
]


@pytest.mark.parametrize("pattern,reason", AWS_RECORDED, ids=[r for _, r in AWS_RECORDED])
def test_reason(pattern, reason):
    with pytest.raises(EventPatternError) as caught:
        check_pattern(pattern)
    assert str(caught.value) == "Event pattern is not valid. Reason: " + reason
    assert caught.value.reason == reason
    assert isinstance(caught.value, PipelineError)


def test_or_combination_limit():
    ten = [{"f%d" % i: [i]} for i in range(10)]
    check_pattern({"a": {"$or": ten}, "b": {"$or": ten}, "c": {"$or": ten}})  # exactly 1000
    with pytest.raises(EventPatternError, match="1000"):
        check_pattern({"a": {"$or": ten}, "b": {"$or": ten}, "c": {"$or": ten}, "d": {"$or": ten[:2]}})


@pytest.mark.parametrize("pattern", [
    {"a": [{"wildcard": "/Users/*/dir/dir/dir/dir/dir/doc.txt"}]},
    {"a": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]},
    {"a": [{"wildcard": "*a*b*c*"}]},
    {"a": [{"numeric": [">", 0, "<", 1]}], "b": [{"cidr": "::/0"}], "c": [None, True, 1.5, "s"]},
])
def test_valid(pattern):
    check_pattern(pattern)
