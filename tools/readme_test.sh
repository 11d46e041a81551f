#!/bin/sh
# Fails when README.md's verifier table differs from what the code declares.
cd "$TEST_SRCDIR/$TEST_WORKSPACE" || exit 1
tools/verifier_table --check README.md
