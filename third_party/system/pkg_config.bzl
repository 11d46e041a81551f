"""A repository rule that wraps installed system libraries as one cc_library.

It runs `pkg-config` at fetch time (offline) and writes a BUILD file whose
cc_library carries the libraries' link options and defines. Headers come from
the system include path, so no `hdrs` are needed.
"""

def _words(s):
    out = []
    for w in s.replace("\n", " ").replace("\t", " ").split(" "):
        if w:
            out.append(w)
    return out

def _pkg_config(ctx, flag):
    if not ctx.attr.modules:
        return []
    res = ctx.execute(["pkg-config", flag] + ctx.attr.modules)
    if res.return_code != 0:
        fail("pkg-config %s %s failed: %s\nRun tools/bootstrap.sh to install the Debian packages." %
             (flag, " ".join(ctx.attr.modules), res.stderr))
    return _words(res.stdout)

def _impl(ctx):
    linkopts = _pkg_config(ctx, "--libs") + ctx.attr.extra_linkopts
    defines = []
    copts = []
    includes = []
    for f in _pkg_config(ctx, "--cflags"):
        if f.startswith("-D"):
            defines.append(f[2:])
        elif f.startswith("-I"):
            # A header directory outside /usr/include (e.g. python3.11) must
            # reach the targets that depend on this library: link it into the
            # repository and export it with `includes`.
            name = "include_%d" % len(includes)
            ctx.symlink(f[2:], name)
            includes.append(name)
        else:
            copts.append(f)
    ctx.file("WORKSPACE", 'workspace(name = "%s")\n' % ctx.name)
    ctx.file("BUILD", """
cc_library(
    name = "lib",
    linkopts = {linkopts},
    defines = {defines},
    copts = {copts},
    includes = {includes},
    hdrs = glob([{globs}]),
    visibility = ["//visibility:public"],
)
""".format(linkopts = repr(linkopts), defines = repr(defines), copts = repr(copts),
           includes = repr(includes), globs = ", ".join(['"%s/**/*.h"' % i for i in includes])))

pkg_config_library = repository_rule(
    implementation = _impl,
    local = True,
    attrs = {
        "modules": attr.string_list(),
        "extra_linkopts": attr.string_list(),
    },
)
