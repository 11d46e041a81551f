"""unsanitized_binary: a cc_binary built without the sanitizers of
--config=asan / --config=tsan, for the one program that cannot run under
them: sandbox-runner. Every run it starts is a fork of it (the warm Python
zygote, or the child before exec) under an address-space limit, which
ASan's shadow reservation (terabytes) and TSan's allocator cannot live
with, and TSan's runtime makes system calls the run's seccomp filter
forbids. Built this way, the runner is the same program as in production
while everything around it (the server, the verifiers, the sandbox's
client side, the tests) stays sanitized. Outside the sanitizer configs the
transition changes nothing.
"""

_COPT = "//command_line_option:copt"
_LINKOPT = "//command_line_option:linkopt"

def _sanitizer_flag(flag):
    return flag.startswith("-fsanitize") or flag.startswith("-fno-sanitize")

def _strip_sanitizers(settings, attr):
    return {
        _COPT: [f for f in settings[_COPT] if not _sanitizer_flag(f)],
        _LINKOPT: [f for f in settings[_LINKOPT] if not _sanitizer_flag(f)],
    }

_unsanitized = transition(
    implementation = _strip_sanitizers,
    inputs = [_COPT, _LINKOPT],
    outputs = [_COPT, _LINKOPT],
)

def _unsanitized_binary_impl(ctx):
    binary = ctx.attr.binary[0][DefaultInfo].files_to_run.executable
    out = ctx.actions.declare_file(ctx.label.name)
    ctx.actions.run_shell(
        inputs = [binary],
        outputs = [out],
        command = 'cp "$1" "$2"',
        arguments = [binary.path, out.path],
        mnemonic = "CopyUnsanitized",
    )
    return [DefaultInfo(
        executable = out,
        files = depset([out]),
        runfiles = ctx.runfiles(files = [out]),
    )]

unsanitized_binary = rule(
    implementation = _unsanitized_binary_impl,
    executable = True,
    attrs = {
        "binary": attr.label(cfg = _unsanitized, executable = True, mandatory = True),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
    },
)
