#!/usr/bin/python3
"""Runs this folder's pytest suite; under Bazel (tests/BUILD) with the
runfiles' reward_client (sources + generated stubs) and reward-server, and a
JUnit report in $XML_OUTPUT_FILE so that each case counts."""
import os
import pathlib
import sys

sys.dont_write_bytecode = True  # the runfiles are links into the source tree
HERE = pathlib.Path(__file__).absolute().parent
sys.path.insert(0, str(HERE.parent))  # client/python: the package

import pytest  # noqa: E402

args = [str(HERE), "-p", "no:cacheprovider", "-q", "-rfE", "-W", "error::pytest.PytestUnraisableExceptionWarning"]
args += sys.argv[1:]  # e.g. -k http
if os.environ.get("XML_OUTPUT_FILE"):
    args.append("--junitxml=" + os.environ["XML_OUTPUT_FILE"])
sys.exit(pytest.main(args))
