"""A 1 MB message against adversarial patterns finishes quickly (no backtracking blow-up).

Each case has a pytest timeout; the bounds are generous (machines differ) but an exponential
or quadratic matcher would blow through them by orders of magnitude.
"""

import json
import random

import pytest

from pipeline.metricfilters import compile_filter_pattern

MB = 1_000_000
_rng = random.Random(7)
A_RUN = "a" * MB
AX_RANDOM = "".join(_rng.choice("ax") for _ in range(MB))
WORDS = " ".join(["a"] * (MB // 2 + 1))  # 500,000 one-letter fields
DISTINCT_WORDS = " ".join(f"a{i}" for i in range(MB // 6))  # ~166,000 distinct fields
UNCLOSED = "[a " * (MB // 3 + 1)  # every field opens a group that never closes
JSON_BIG = json.dumps({"a": "a" * MB, "b": list(range(50_000)), "c": {"d": "x" * 1000}})
CJK = "".join(chr(_rng.randint(0x4E00, 0x9FFF)) for _ in range(MB // 3 + 1))  # 3 bytes each
DEEP_JSON = '{"a": ' * 200_000 + "1" + "}" * 200_000

CASES = [
    ("%a*a*a*a*a*a*a*a*a*a*b%", A_RUN, False),
    ("%\\w*\\w*\\w*\\w*\\w*=%", A_RUN, False),
    ("%a{0,1000}a{1000}b%", A_RUN, False),
    ("%.*.*.*.*.*=%", A_RUN, False),
    ("%a.{1000}b%", AX_RANDOM, False),  # the classic exponential-DFA case
    ("%a.{100}b|a[ax]{50}b|x{1,1000}=%", AX_RANDOM, False),
    ("%[ax]{1000}$%", AX_RANDOM, True),
    ("%a*a*a*a*a*b%", A_RUN + "b", True),
    ("%[^a]{3}x|\\W{5}=%", CJK, False),  # many distinct characters, every one non-ASCII
    ("aaaaaaaaaaaaaaaaaaaaaaaaaaaab", A_RUN, False),
    ('?"aaaaaaaaab" ?"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"', AX_RANDOM, False),
    ("{ $.a = %a*a*a*a*a*b% }", JSON_BIG, False),
    ('{ $.a = "*a*a*a*a*a*b*" }', JSON_BIG, False),
    ("{ $.b[*] = 49999 }", JSON_BIG, True),
    ("{ $.a NOT EXISTS }", DEEP_JSON, False),  # too deep to decode: not JSON, no match
    ("[..., x = a*, ..., y = b*, ...]", WORDS, False),
    ("[..., p1=a*, p2=a*, p3=a*, p4=a*, p5=a*, p6=a*, p7=a*, p8=a*, p9=a*, p10=b*, ...]",
     WORDS, False),
    ("[..., p1=a*, p2=a*, p3=a*, p4=a*, p5=a*, p6=a*, p7=a*, p8=a*, p9=a*, p10=b*, ...]",
     DISTINCT_WORDS, False),
    ("[..., w=%a.{100}b%, ...]", DISTINCT_WORDS, False),
    ("[first, ..., last = a]", WORDS, True),
    ("[a, b, c]", WORDS, False),
    ("[..., z]", UNCLOSED, True),
]


@pytest.mark.slow
@pytest.mark.timeout(15)
@pytest.mark.parametrize("pattern,message,expected", CASES, ids=[c[0][:50] for c in CASES])
def test_one_megabyte_message(pattern, message, expected):
    assert len(message.encode()) >= MB
    assert compile_filter_pattern(pattern).matches(message) is expected
