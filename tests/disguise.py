"""Disguised copies of a submission, made the ways a copier would, for the tests of `grade similar`.

Each works on the text with ``ast`` positions and ``tokenize``, not with the
grader's own normaliser (``grader.classroom.fingerprints``), so that the tests do not
grade that code by itself:

- ``rename``: parameters and local variables of each function (those of the
  assignment's own functions excepted: the grader calls them by keyword),
  helpers, module constants, attributes set on ``self``, import aliases;
- ``recomment``: comments dropped and others added, docstrings rewritten;
- ``reformat``: two-space indents, no spaces around operators, bracketed
  lines joined, blank lines moved; the same AST as before (checked);
- ``reorder``: top-level functions and classes, and the methods in each
  class, shuffled;
- ``notebook``: the code spread over notebook cells, one or two definitions
  per cell in a shuffled order, markdown cells between (an ``.ipynb`` text).

``disguise_all`` applies them all, in that order. ``partial`` replaces some
functions with another submission's own.
"""

import ast
import builtins
import io
import random
import tokenize

import nbformat

WORDS = ("alpha", "beta", "gamma", "delta", "omega", "kappa", "sigma", "tau", "rho", "zeta", "eta_", "iota")
COMMENTS = ("compute the next value here", "this part took me a while", "see the lecture notes",
            "vectorised for speed", "TODO tidy up", "shapes checked by hand", "as in the slides")
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)


# -- rename ----------------------------------------------------------------------


def rename(text, api, seed=0):
    """``text`` with the student's own names changed consistently; ``api``: the stub's names."""
    rng = random.Random(seed)
    tree = ast.parse(text)
    keep = set(api) | set(dir(builtins)) | {"self", "cls"}
    fresh = _fresh_names(tree, rng)
    edits = []

    own_globals = {n.name for n in tree.body if isinstance(n, (*_DEFS, ast.ClassDef))} - keep
    own_globals |= {t.id for n in tree.body if isinstance(n, (ast.Assign, ast.AnnAssign, ast.AugAssign))
                    for t in _targets(n) if isinstance(t, ast.Name)} - keep
    aliases = {a.asname for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names if a.asname}
    methods = {m.name for c in tree.body if isinstance(c, ast.ClassDef) for m in c.body if isinstance(m, _DEFS)}
    own_attributes = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and _on_self(n)
                      and isinstance(n.ctx, ast.Store)}
    own_attributes = (own_attributes | methods) - keep
    keywords = {k.arg for n in ast.walk(tree) if isinstance(n, ast.Call) for k in n.keywords if k.arg}
    module_map = {name: next(fresh) for name in sorted(own_globals | aliases)}
    attribute_map = {name: next(fresh) for name in sorted(own_attributes)}

    for function, api_function in _functions(tree, api):
        local = set()
        for node in ast.walk(function):
            if isinstance(node, ast.arg):
                local.add(node.arg)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                local.add(node.id)
        if api_function:
            local -= {a.arg for a in _arguments(function.args)}
        local -= keep | keywords | set(module_map)
        local_map = {name: next(fresh) for name in sorted(local)}
        for node in ast.walk(function):
            if isinstance(node, ast.Name) and node.id in local_map:
                edits.append((node.lineno, node.col_offset, node.id, local_map[node.id]))
            elif isinstance(node, ast.arg) and node.arg in local_map:
                edits.append((node.lineno, node.col_offset, node.arg, local_map[node.arg]))
    seen = {(line, col) for line, col, _, _ in edits}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in module_map and (node.lineno, node.col_offset) not in seen:
            edits.append((node.lineno, node.col_offset, node.id, module_map[node.id]))
        elif isinstance(node, (*_DEFS, ast.ClassDef)):
            new = module_map.get(node.name) or attribute_map.get(node.name)
            if new and (node.name in own_globals or node.name in methods):
                edits.append(_def_name(text, node, new))
        elif isinstance(node, ast.Attribute) and _on_self(node) and node.attr in attribute_map:
            edits.append((node.end_lineno, node.end_col_offset - len(node.attr.encode()), node.attr,
                          attribute_map[node.attr]))
        elif isinstance(node, ast.alias) and node.asname in module_map:
            line = text.split("\n")[node.lineno - 1].encode()
            col = line.index(f" as {node.asname}".encode(), node.col_offset) + 4
            edits.append((node.lineno, col, node.asname, module_map[node.asname]))
    return _apply(text, edits)


def _fresh_names(tree, rng):
    taken = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | {
        n.arg for n in ast.walk(tree) if isinstance(n, ast.arg)}
    words = list(WORDS)
    rng.shuffle(words)
    number = 0
    while True:
        for word in words:
            name = f"{word}{number}"
            if name not in taken:
                yield name
        number += 1


def _targets(node):
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return [t for target in targets for t in ast.walk(target)]


def _on_self(node):
    return isinstance(node.value, ast.Name) and node.value.id == "self"


def _functions(tree, api):
    """Every top-level function and method, and whether it is one of the assignment's."""
    for node in tree.body:
        if isinstance(node, _DEFS):
            yield node, node.name in api
        elif isinstance(node, ast.ClassDef):
            for member in node.body:
                if isinstance(member, _DEFS):
                    yield member, node.name in api and member.name in api


def _arguments(arguments):
    return [a for a in (*arguments.posonlyargs, *arguments.args, arguments.vararg, *arguments.kwonlyargs,
                        arguments.kwarg) if a is not None]


def _def_name(text, node, new):
    line = text.split("\n")[node.lineno - 1].encode()
    keyword = b"class " if isinstance(node, ast.ClassDef) else b"def "
    col = line.index(keyword, node.col_offset) + len(keyword)
    return node.lineno, col, node.name, new


def _apply(text, edits):
    """Replace, at each (line, byte column), the old name by the new one."""
    lines = text.split("\n")
    by_line = {}
    for line, col, old, new in set(edits):
        by_line.setdefault(line, []).append((col, old, new))
    for line, changes in by_line.items():
        data = lines[line - 1].encode()
        for col, old, new in sorted(changes, reverse=True):
            assert data[col:col + len(old.encode())] == old.encode(), (line, col, old, data)
            data = data[:col] + new.encode() + data[col + len(old.encode()):]
        lines[line - 1] = data.decode()
    return "\n".join(lines)


# -- comments and docstrings -------------------------------------------------------


def recomment(text, seed=0):
    """``text`` with its comments dropped, new ones added, and every docstring rewritten."""
    rng = random.Random(seed)
    lines = text.split("\n")
    tree = ast.parse(text)
    for node in sorted(_with_docstrings(tree), key=lambda n: -n.body[0].lineno):
        doc = node.body[0]
        indent = " " * doc.col_offset
        new = f'{indent}"""{rng.choice(COMMENTS).capitalize()}."""'
        lines[doc.lineno - 1:doc.end_lineno] = [new]
    text = _strip_comments("\n".join(lines))
    lines = text.split("\n")
    statements = sorted({(n.lineno, n.col_offset) for n in ast.walk(ast.parse(text))
                         if isinstance(n, ast.stmt) and not _is_docstring_expr(n)}, reverse=True)
    for lineno, col in statements:
        if rng.random() < 0.35:
            lines.insert(lineno - 1, " " * col + "# " + rng.choice(COMMENTS))
    return "\n".join(lines)


def _with_docstrings(tree):
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, *_DEFS)) and node.body and _is_docstring_expr(node.body[0]):
            yield node


def _is_docstring_expr(node):
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _strip_comments(text):
    lines = text.split("\n")
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            row, col = token.start
            lines[row - 1] = lines[row - 1][:col].rstrip()
    return "\n".join(lines)


# -- formatting -----------------------------------------------------------------------

_WORDISH = {tokenize.NAME, tokenize.NUMBER, tokenize.STRING}


def reformat(text):
    """``text`` laid out anew from its tokens; its AST is unchanged (asserted)."""
    source_lines = text.split("\n")
    out, words, depth, line_depth = [], [], 0, 0
    previous = None
    tokens = iter(tokenize.generate_tokens(io.StringIO(text).readline))
    for token in tokens:
        kind = token.type
        if kind == tokenize.INDENT:
            depth += 1
            continue
        if kind == tokenize.DEDENT:
            depth -= 1
            continue
        if kind in (tokenize.NL, tokenize.ENDMARKER, tokenize.ENCODING):
            continue
        if kind == tokenize.COMMENT:
            if not words:
                out.append("  " * depth + token.string)
            continue
        if kind == tokenize.NEWLINE:
            if line_depth == 0 and out and words[0] in ("def", "class", "@"):
                out.append("")
            out.append("  " * line_depth + "".join(words))
            words, previous = [], None
            continue
        if kind == getattr(tokenize, "FSTRING_START", None):  # Python 3.12: keep an f-string as written
            start = token.start
            for token in tokens:
                if token.type == tokenize.FSTRING_END:
                    break
            string = source_lines[start[0] - 1][start[1]:token.end[1]]
            token = tokenize.TokenInfo(tokenize.STRING, string, start, token.end, token.line)
        if not words:
            line_depth = depth
        elif previous is not None and (previous.type in _WORDISH and token.type in _WORDISH
                                        or previous.string == ","):
            words.append(" ")
        words.append(token.string)
        previous = token
    result = "\n".join(out) + "\n"
    assert ast.dump(ast.parse(result)) == ast.dump(ast.parse(text)), "reformat changed the code"
    return result


# -- order and notebooks -----------------------------------------------------------------


def reorder(text, seed=0):
    """``text`` with its top-level functions and classes, and each class's methods, shuffled."""
    rng = random.Random(seed)
    lines = text.split("\n")
    head, chunks, tail = _chunks(lines, ast.parse(text).body, 1, len(lines))
    chunks = [_reorder_class(chunk, rng) if isinstance(node, ast.ClassDef) else chunk for node, chunk in chunks]
    rng.shuffle(chunks)
    return "\n".join(head + [line for chunk in chunks for line in chunk] + tail)


def _reorder_class(lines, rng):
    node = ast.parse("\n".join(lines)).body[-1]
    first = node.body[0].lineno
    head, chunks, tail = _chunks(lines, node.body, first, node.end_lineno)
    methods = [chunk for _, chunk in chunks]
    rng.shuffle(methods)
    return lines[:first - 1] + head + [line for chunk in methods for line in chunk] + tail + lines[node.end_lineno:]


def _chunks(lines, body, first, last):
    """``(head, [(definition, its lines)], tail)`` of the statements ``body`` spanning lines first..last.

    A definition's lines start after the previous statement (its comments and
    decorators travel with it); the statements before the first definition
    are the head, those after the last the tail.
    """
    definitions = [i for i, node in enumerate(body) if isinstance(node, (*_DEFS, ast.ClassDef))]
    if not definitions:
        return lines[first - 1:last], [], []
    start = first
    head_end = body[definitions[0] - 1].end_lineno if definitions[0] > 0 else first - 1
    head = lines[first - 1:head_end]
    start = head_end + 1
    chunks = []
    for i in definitions:
        if i > definitions[0] and i - 1 not in definitions:
            break  # a statement between definitions: it and what follows are the tail
        chunks.append((body[i], lines[start - 1:body[i].end_lineno]))
        start = body[i].end_lineno + 1
    return head, chunks, lines[start - 1:last]


def notebook(text, seed=0):
    """``text`` as an ``.ipynb``: the imports in a first cell, then definitions one or two per cell, shuffled."""
    rng = random.Random(seed)
    lines = text.split("\n")
    head, chunks, tail = _chunks(lines, ast.parse(text).body, 1, len(lines))
    bodies = [chunk for _, chunk in chunks]
    rng.shuffle(bodies)
    cells = [nbformat.v4.new_markdown_cell("# My solution\n\nWorked through in a notebook."),
             nbformat.v4.new_code_cell("\n".join(head).strip())]
    while bodies:
        take = 2 if len(bodies) > 1 and rng.random() < 0.4 else 1
        code = "\n\n".join("\n".join(chunk).strip("\n") for chunk in bodies[:take])
        bodies = bodies[take:]
        cells.append(nbformat.v4.new_markdown_cell(f"Next: {rng.choice(COMMENTS)}."))
        cells.append(nbformat.v4.new_code_cell(code))
    if "".join(tail).strip():
        cells.append(nbformat.v4.new_code_cell("\n".join(tail).strip()))
    return nbformat.writes(nbformat.v4.new_notebook(cells=cells))


def disguise_all(text, api, seed=0):
    """Every disguise, one after the other: a notebook's text."""
    return notebook(reorder(reformat(recomment(rename(text, api, seed), seed)), seed), seed)


def partial(text, donor, names):
    """``text`` with the top-level functions ``names`` replaced by ``donor``'s functions of those names."""
    def spans(code):
        return {n.name: n for n in ast.parse(code).body if isinstance(n, (*_DEFS, ast.ClassDef))}
    lines, donor_lines = text.split("\n"), donor.split("\n")
    ours, theirs = spans(text), spans(donor)
    for name in sorted(names, key=lambda n: -ours[n].lineno):
        node, other = ours[name], theirs[name]
        lines[node.lineno - 1:node.end_lineno] = donor_lines[other.lineno - 1:other.end_lineno]
    return "\n".join(lines)


# Each disguise as ``f(text, api, seed)``; "notebook" and "all" give an .ipynb's text.
DISGUISES = {
    "renamed": lambda text, api, seed=0: rename(text, api, seed),
    "recommented": lambda text, api, seed=0: recomment(text, seed),
    "reformatted": lambda text, api, seed=0: reformat(text),
    "reordered": lambda text, api, seed=0: reorder(text, seed),
    "notebook": lambda text, api, seed=0: notebook(text, seed),
    "all": disguise_all,
}
NOTEBOOKS = {"notebook", "all"}
