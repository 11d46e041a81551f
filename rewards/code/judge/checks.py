# The judge, part 6 of 8: check code as tests, and the names it binds.

def _check_units(source):
    """The check code as tests: each top-level assert (with the statements
    before it) is one; check code without top-level asserts is one test.
    Also the names the check code binds at module level."""
    tree = _ShowValues().visit(ast.parse(source, "check.py"))
    units, pending = [], []
    for stmt in tree.body:
        pending.append(stmt)
        if isinstance(stmt, ast.Assert):
            units.append(("check.py line %d" % stmt.lineno, pending))
            pending = []
    if not units:
        units = [("check", pending)]
    elif pending:  # statements after the last assert run with it
        units[-1] = (units[-1][0], units[-1][1] + pending)
    compiled = [(name, compile(ast.fix_missing_locations(ast.Module(body, [])), "check.py", "exec"))
                for name, body in units]
    return compiled, _bound_names(tree)


def _bound_names(tree):
    """Names bound at module level (assignments, imports, `from m import *`,
    defs, loop and with targets, except-as, match captures, walrus targets
    also inside comprehensions) or declared `global` anywhere."""
    bound = set()

    def visit(node, top, in_function):
        if isinstance(node, ast.Global):
            bound.update(node.names)
        if isinstance(node, ast.NamedExpr) and not in_function and isinstance(node.target, ast.Name):
            bound.add(node.target.id)  # a walrus in a comprehension binds in the enclosing scope
        if top:
            if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                bound.add(node.id)
            elif isinstance(node, ast.Import):
                bound.update((a.asname or a.name).split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                for a in node.names:
                    if a.name == "*":
                        bound.update(_star_names(node))
                    else:
                        bound.add(a.asname or a.name)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                bound.add(node.name)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                bound.add(node.name)
            elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
                bound.add(node.name)
            elif isinstance(node, ast.MatchMapping) and node.rest:
                bound.add(node.rest)
        function = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef))
        nested = function or isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp))
        for child in ast.iter_child_nodes(node):
            visit(child, top and not nested, in_function or function)

    visit(tree, True, False)
    return bound


def _star_names(node):
    """The names `from module import *` binds (the check's import, done now)."""
    if node.level or not node.module:
        return set()
    try:
        module = __import__(node.module, fromlist=["*"])
    except Exception:
        return set()
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in dir(module) if not n.startswith("_")]
    return {n for n in names if isinstance(n, str)}


