"""Unit tests of the judge's parts, on the script the build joins
(rewards/code/code_harness.py). The judge as a whole, against hostile
programs, is tested through the verifier (rewards/code/code_verifier_test.cc)
and the attack suite (tests/sandbox/attack_test.py)."""

import collections
import decimal
import fractions
import importlib.util
import math
import os
import struct
import time
import unittest

_spec = importlib.util.spec_from_file_location("judge_script", "rewards/code/code_harness.py")
judge = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(judge)


class ClipTest(unittest.TestCase):
    def test_one_line_and_cut(self):
        self.assertEqual(judge._clip("a \n  b\tc"), "a b c")
        self.assertEqual(judge._clip("x" * 10, 6), "xxx...")
        self.assertEqual(judge._clip("short", 6), "short")


class FramesTest(unittest.TestCase):
    def setUp(self):
        self.r, self.w = os.pipe()

    def tearDown(self):
        for fd in (self.r, self.w):
            try:
                os.close(fd)
            except OSError:
                pass

    def test_round_trip(self):
        judge._write_frame(self.w, {"a": [1, 2, "x"]})
        self.assertEqual(judge._read_frame(self.r), {"a": [1, 2, "x"]})

    def test_oversized_frame_is_refused(self):
        os.write(self.w, struct.pack("<I", judge._MAX_FRAME + 1))
        with self.assertRaises(judge._Died):
            judge._read_frame(self.r)

    def test_malformed_frame_is_refused(self):
        os.write(self.w, struct.pack("<I", 3) + b"{{{")
        with self.assertRaises(judge._Died):
            judge._read_frame(self.r)

    def test_end_of_stream(self):
        os.write(self.w, struct.pack("<I", 10) + b"[1")
        os.close(self.w)
        with self.assertRaises(judge._Died):
            judge._read_frame(self.r)

    def test_deadline(self):
        with self.assertRaises(judge._Timeout):
            judge._read_frame(self.r, time.monotonic() + 0.01)

    def test_writing_to_a_closed_pipe(self):
        os.close(self.r)
        with self.assertRaises(judge._Died):
            judge._write_frame(self.w, "x" * (1 << 20))


class EveryEq(list):
    def __eq__(self, other):
        return True

    __hash__ = None


class PlainDataTest(unittest.TestCase):
    def round_trip(self, value):
        other = lambda v: {"ref": [7, type(v).__name__]}
        encoded = judge._encode(value, other)
        return judge._decode(encoded, lambda i, t: ("handle", i, t))

    def test_values_cross_exactly(self):
        Point = collections.namedtuple("Point", ["x", "y"])
        values = [None, True, "text", 1, -(1 << 70), 1.5, -0.0, [1, (2, 3)], {"a": {1, 2}}, frozenset([3]),
                  b"\x00\xff", complex(1, -2), range(1, 10, 3), fractions.Fraction(1, 3),
                  decimal.Decimal("0.1"), Point(1, 2), collections.Counter("aab"),
                  collections.OrderedDict([("b", 1), ("a", 2)])]
        for value in values:
            got = self.round_trip(value)
            self.assertEqual(got, value)
            self.assertIs(type(got), type(value) if type(value).__name__ != "Point" else type(got))
        self.assertTrue(math.isnan(self.round_trip(float("nan"))))
        self.assertEqual(self.round_trip(Point(1, 2))._fields, ("x", "y"))

    def test_subclasses_cross_as_plain_values(self):
        got = self.round_trip(EveryEq([1, 2]))
        self.assertIs(type(got), list)
        self.assertNotEqual(got, [3])

    def test_other_objects_cross_as_handles(self):
        self.assertEqual(self.round_trip(object()), ("handle", 7, "object"))

    def test_malformed_data_is_refused(self):
        for data in [{"int": "10", "float": "1"}, {"nope": 1}, {"callback": 1}]:
            with self.assertRaises(ValueError):
                judge._decode(data, lambda i, t: None)


class SameTest(unittest.TestCase):
    def test_numbers(self):
        self.assertTrue(judge._same(1.0000001, 1.0, 1e-6))
        self.assertFalse(judge._same(1.01, 1.0, 1e-6))
        self.assertFalse(judge._same(2.0000001, 2, 1e-6))  # an integer is expected exactly
        self.assertTrue(judge._same(2, 2.0))
        self.assertTrue(judge._same(float("nan"), float("nan")))
        self.assertFalse(judge._same(True, 1))
        self.assertFalse(judge._same(1, True))

    def test_structures(self):
        self.assertTrue(judge._same((1, 2), [1, 2]))
        self.assertFalse(judge._same([1, 2], [2, 1]))
        self.assertTrue(judge._same({1: "a", None: [1.0]}, {"1": "a", "null": [1]}))
        self.assertFalse(judge._same({1: "a"}, {"1": "a", "2": "b"}))
        self.assertFalse(judge._same("1", 1))


class CheckUnitsTest(unittest.TestCase):
    def test_each_top_level_assert_is_a_test(self):
        units, bound = judge._check_units("x = 1\nassert x == 1\ny = 2\nassert y\nz = 3\n")
        self.assertEqual([name for name, _ in units], ["check.py line 2", "check.py line 4"])
        self.assertEqual(bound, {"x", "y", "z"})

    def test_check_without_asserts_is_one_test(self):
        units, bound = judge._check_units("def check(f):\n    assert f(1) == 2\nimport math\n")
        self.assertEqual([name for name, _ in units], ["check"])
        self.assertEqual(bound, {"check", "math"})

    def test_bound_names(self):
        units, bound = judge._check_units(
            "for i in range(3): pass\n"
            "with open('f') as fh: pass\n"
            "try:\n    pass\nexcept ValueError as err:\n    pass\n"
            "[w := 1 for _ in range(1)]\n"
            "def f():\n    global g\n    local = 1\n")
        self.assertTrue({"i", "fh", "err", "w", "f", "g"} <= bound)
        self.assertNotIn("local", bound)
        self.assertNotIn("_", bound)


class ValidTextTest(unittest.TestCase):
    def test_lone_surrogates_are_replaced(self):
        self.assertEqual(judge._valid_text({"k\ud800": ["v\udfff", 1]}), {"k?": ["v?", 1]})


if __name__ == "__main__":
    unittest.main()
