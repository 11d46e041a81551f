#!/usr/bin/python3
"""Counts test cases in Bazel's JUnit XML reports and prints one line,
"N passed, M failed". Exits non-zero when anything failed, when Bazel itself
failed (its exit code is the second argument), or when no test ran."""
import pathlib
import sys
import xml.etree.ElementTree as ET


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "bazel-testlogs")
    bazel_rc = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    passed = failed = skipped = 0
    broken = []
    # Only the reports of the test targets that exist now (labels on stdin),
    # so that a deleted target's old report is not counted.
    labels = [l.strip() for l in sys.stdin if l.strip().startswith("//")]
    reports = []
    for label in labels:
        pkg, _, name = label[2:].partition(":")
        xml = root.resolve() / pkg / name / "test.xml"
        if xml.exists():
            reports.append(xml)
        else:
            broken.append(f"{label} (no report)")
    for xml in reports:
        try:
            tree = ET.parse(xml)
        except ET.ParseError:
            broken.append(str(xml))
            continue
        cases = tree.getroot().iter("testcase")
        any_case = False
        for case in cases:
            any_case = True
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
            elif case.find("skipped") is not None or case.get("status") == "notrun":
                skipped += 1
            else:
                passed += 1
        if not any_case:
            # A target without test cases (e.g. it crashed before reporting).
            suite = tree.getroot()
            if int(suite.get("failures", "0")) or int(suite.get("errors", "0")):
                failed += 1
    for b in broken:
        print(f"no readable report: {b}", file=sys.stderr)
    failed += len(broken)
    if bazel_rc != 0 and failed == 0:
        # Bazel failed without a failing test case: a build error or a target
        # that died before writing its report.
        failed = 1
        print(f"bazel test exited with {bazel_rc}", file=sys.stderr)
    line = f"{passed} passed, {failed} failed"
    if skipped:
        line += f", {skipped} skipped"
    print(line)
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
