import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voc._align import Alignment, apply_edits


def test_identity_maps_each_span_to_itself():
    a = Alignment.identity(5)
    assert a.is_identity
    assert a.to_raw(1, 4) == (1, 4)
    assert a.to_raw(2, 2) == (2, 2)


def test_deletion_and_block_replacement():
    raw = "<b>記憶體</b>很好"
    text, a = apply_edits(raw, [(0, 3, ""), (3, 6, "内存"), (6, 10, "")])
    assert text == "内存很好"
    assert raw[slice(*a.to_raw(0, 2))] == "記憶體"
    assert raw[slice(*a.to_raw(0, 1))] == "記憶體"  # inside a phrase rewrite: the whole phrase
    assert raw[slice(*a.to_raw(2, 4))] == "很好"
    assert raw[slice(*a.to_raw(1, 3))] == "記憶體</b>很"


def test_out_of_range_span_is_an_error():
    with pytest.raises(IndexError):
        Alignment.identity(3).to_raw(2, 4)


def test_pickle_round_trip():
    _, a = apply_edits("ＡＢ好", [(0, 2, "AB")])
    assert pickle.loads(pickle.dumps(a)) == a


def test_insertion_inside_an_earlier_phrase_rewrite_keeps_the_phrase():
    # found by Hypothesis: "a" -> "YZ" at 3, then "X" inserted between Y and Z
    mid, inner = apply_edits("aaaaaaaa", [(3, 4, "YZ")])
    out, outer = apply_edits(mid, [(4, 4, "X")])
    both = outer.compose(inner)
    assert out == "aaaYXZaaaa"
    assert both.to_raw(0, 5) == (0, 4)  # "aaaYX" still covers the rewritten "a" at 3
    assert both.to_raw(4, 5) == (3, 4)  # the inserted "X" belongs to that phrase


@st.composite
def edited(draw):
    raw = draw(st.text(alphabet="abcdef體軟", max_size=30))
    edits, pos = [], 0
    while pos < len(raw):
        start = draw(st.integers(pos, len(raw)))
        if start == len(raw):
            break
        end = draw(st.integers(start, min(len(raw), start + 4)))
        rep = draw(st.sampled_from(["", "X", "YZ", raw[start:end].upper()]))
        if end == start and not rep:
            pos = start + 1
            continue
        edits.append((start, end, rep))
        pos = max(end, start + 1)
    return raw, edits


@given(edited(), edited())
def test_compose_equals_mapping_through_both_stages(first, second_seed):
    raw, edits = first
    mid, inner = apply_edits(raw, edits)
    # second stage: edits on mid drawn by reusing the shape of another random edit list
    second = [(s, e, r) for s, e, r in second_seed[1] if e <= len(mid)]
    out, outer = apply_edits(mid, second)
    both = outer.compose(inner)
    assert both.out_len == len(out) and both.in_len == len(raw)
    for s in range(len(out) + 1):
        for e in range(s + 1, len(out) + 1):
            ms, me = outer.to_raw(s, e)
            expected = inner.to_raw(ms, me)
            got = both.to_raw(s, e)
            # composing may only widen a span inside a block, never lose characters
            assert got[0] <= expected[0] <= expected[1] <= got[1] or got == expected
            assert 0 <= got[0] <= got[1] <= len(raw)
        empty = both.to_raw(s, s)
        assert empty[0] == empty[1] and 0 <= empty[0] <= len(raw)
