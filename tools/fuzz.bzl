"""A libFuzzer target and the replay of its checked-in corpus.

fuzz_target(name = "x", srcs = ["x_fuzzer.cc"], deps = [...]) declares
  x_fuzzer         the libFuzzer binary (tag manual: only `make fuzz` builds it,
                   with --config=fuzz, whose link flags supply libFuzzer's main)
  x_fuzzer_replay  a test that runs the target's function over every file of
                   corpus/x (built with g++ in `make test`, no fuzzing engine)
"""

def fuzz_target(name, srcs, deps, testonly = 0):
    native.cc_binary(
        name = name + "_fuzzer",
        srcs = srcs,
        deps = deps,
        testonly = testonly,
        tags = ["manual"],
    )
    native.cc_test(
        name = name + "_fuzzer_replay",
        size = "small",
        srcs = srcs,
        args = ["%s/corpus/%s" % (native.package_name(), name)],
        data = native.glob(["corpus/%s/*" % name]),
        deps = deps + ["//tools:fuzz_replay_main"],
    )
