"""Fingerprints of a submission's code, blind to what a copier changes, for finding copied work.

``fingerprint(source, stub)`` parses the code (a notebook's code cells joined,
as ``grader.checking.submission`` reads them) and walks each *unit* (a top-level
function, a method, any other top-level or class-level statement) in
preorder, one token per AST node, each with its source line. Normalising,
so that a copy reads the same as its original:

- comments, formatting and cell boundaries are gone with the parse;
  docstrings and other bare strings, ``pass``, and annotations are dropped;
- the order of functions, methods and top-level statements does not count:
  units are fingerprinted one by one, and a submission is the set of them;
- a function's parameters and local variables are numbered by first use;
  the student's own top-level names (helpers, constants, extra methods, the
  attributes it assigns) become one placeholder; import aliases resolve to
  the module (``np.mean`` reads ``numpy.mean``); the assignment's names (the
  stub's functions, classes, methods, attributes) and builtins stay.
  The signature of a function the stub declares is the stub's: it is left out.

A unit's fingerprints are the hashes of every ``K`` consecutive tokens (a
shorter unit: one hash of it all); a submission's are those of its units, a
fingerprint that occurs twice counted twice. What the stub gives is removed: units
identical to one of the stub's, and every fingerprint the stub has.
Winnowing would keep a sample of these; a class's submissions are small
enough to keep them all.

Code run from a string (``exec``, ``eval``, ``compile``) is text to the
parse, which cannot see it: ``Fingerprint.unseen`` says where a submission
does so, and `grade similar` does not take such a fingerprint for its code.
"""

import ast
import builtins
import zlib
from dataclasses import dataclass, field

K = 8  # tokens per fingerprint: about one short statement
TOP_LEVEL = "<module>"  # the name of a unit that is a top-level statement, not a function
GLOBAL = "G"    # a name the student defined at the top level (helper, constant, method, attribute)
KEYWORD = "K"   # a keyword argument named like one of the student's parameters
_BUILTINS = frozenset(dir(builtins))
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
_SKIPPED_FIELDS = {"ctx", "type_comment", "annotation", "returns", "kind", "type_params"}
_RUNS_TEXT = frozenset({"exec", "eval", "compile"})  # builtins that run code given as a string


@dataclass
class Unit:
    """One function, method or other statement, normalised."""

    name: str                                    # as the student wrote it: "fit", "Dense.forward", TOP_LEVEL
    first_line: int
    last_line: int
    tokens: tuple = ()                           # token ids
    lines: tuple = ()                            # the source line of each token
    hashes: dict = field(default_factory=dict)   # fingerprint -> [(first line, last line), ...]


@dataclass
class Fingerprint:
    """A submission's units and all their fingerprints, the stub's removed."""

    units: list
    hashes: frozenset   # each fingerprint with its occurrence number: the set is the multiset of them
    key: tuple          # the normalised code as a whole: equal keys, the same code after normalising
    unseen: tuple = ()  # (builtin, line) of each call that runs code from a string: "exec", 12

    @property
    def digests(self):
        """The fingerprints, each once."""
        return frozenset().union(*(unit.hashes.keys() for unit in self.units))


def fingerprint(source, stub=None):
    """The ``Fingerprint`` of a parsed ``Source`` (see ``grader.checking.submission``); ``stub``: the stub's."""
    return fingerprint_text(source.text, stub)


def fingerprint_text(text, stub=None):
    """The ``Fingerprint`` of Python code ``text``; ``SyntaxError`` where it does not parse."""
    tree = ast.parse(text)
    names = _Names(tree, stub.api if stub is not None else None)
    units = [unit for unit in _units(tree, names) if unit.tokens]
    if stub is not None:
        units = [u for u in units if u.tokens not in stub.unit_tokens]
    for unit in units:
        unit.hashes = _kgrams(unit, stub.hashes if stub is not None else frozenset())
    units = [u for u in units if u.hashes]
    # Numbering repeats keeps two copies of a k-gram apart from one: set intersections count like multisets.
    counts, hashes = {}, set()
    for unit in units:
        for digest, spans in unit.hashes.items():
            for _ in spans:
                hashes.add(hash((digest, counts.get(digest, 0))))
                counts[digest] = counts.get(digest, 0) + 1
    return Fingerprint(units, frozenset(hashes), tuple(sorted(u.tokens for u in units)), _runs_text(tree, names))


def _runs_text(tree, names):
    """``(builtin, line)`` of each call of ``exec``, ``eval`` or ``compile`` (not the student's own of that name)."""
    found = []
    for node in ast.walk(tree):
        function = node.func if isinstance(node, ast.Call) else None
        if isinstance(function, ast.Name) and function.id not in names.own_globals | names.api:
            called = function.id
        elif isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name) \
                and function.value.id in ("builtins", "__builtins__"):
            called = function.attr
        else:
            continue
        if called in _RUNS_TEXT:
            found.append((called, node.lineno))
    return tuple(sorted(found, key=lambda call: call[1]))


@dataclass(frozen=True)
class Stub:
    """What the stub gives: its names, its units' tokens, its fingerprints."""

    api: frozenset
    unit_tokens: frozenset
    hashes: frozenset


def stub_fingerprint(text):
    """The ``Stub`` of an assignment's stub code ``text``."""
    tree = ast.parse(text)
    names = _Names(tree, None)
    api = frozenset(names.api)
    units = [u for u in _units(tree, names) if u.tokens]
    hashes = set()
    for unit in units:
        hashes.update(_kgrams(unit, frozenset()))
    return Stub(api, frozenset(u.tokens for u in units), frozenset(hashes))


# -- names ---------------------------------------------------------------------


def _defined_names(tree):
    """``(globals, attributes)`` that ``tree`` defines: top-level defs, classes and names; methods and attributes."""
    names = {node.name for node in tree.body if isinstance(node, (*_DEFS, ast.ClassDef))}
    names.update(_stored_names(tree.body))
    attributes = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store)}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            attributes.update(n.name for n in node.body if isinstance(n, (*_DEFS, ast.ClassDef)))
            attributes.update(_stored_names(node.body))
    return names, attributes


def _stored_names(statements):
    """Names that these statements themselves assign (not inside functions)."""
    found = set()
    for statement in statements:
        if isinstance(statement, (*_DEFS, ast.ClassDef)):
            continue
        for node in ast.walk(statement):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                found.add(node.id)
    return found


class _Names:
    """How a submission's names read once normalised."""

    def __init__(self, tree, api):
        names, attributes = _defined_names(tree)
        self.api = names | attributes if api is None else api
        self.own_globals = names - self.api
        self.own_attributes = attributes - self.api
        self.aliases = {}
        self.parameters = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.aliases[alias.asname] = alias.name
            elif isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    self.aliases[alias.asname or alias.name] = f"{node.module or ''}.{alias.name}"
            elif isinstance(node, ast.arg):
                self.parameters.add(node.arg)

    def resolve(self, name, local, bound=frozenset()):
        """``name`` as it reads in a unit: ``local`` numbers its variables (extended here), ``bound`` are its own."""
        if name in local:
            return local[name]
        if name not in bound:
            if name in self.api:
                return name
            if name in self.own_globals:
                return GLOBAL
            if name in self.aliases:
                return self.aliases[name]
            if name in _BUILTINS:
                return name
        local[name] = f"v{len(local)}"
        return local[name]

    def attribute(self, name):
        return GLOBAL if name in self.own_attributes else name


def _bound_names(function):
    """The names a function binds itself: parameters, assigned names, nested definitions (less ``global`` ones)."""
    bound, declared = set(), set()
    for node in ast.walk(function):
        if isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, (*_DEFS, ast.ClassDef)) and node is not function:
            bound.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            declared.update(node.names)
    return bound - declared


# -- units and tokens ----------------------------------------------------------


def _units(tree, names):
    for node in tree.body:
        if isinstance(node, _DEFS):
            yield _unit(node.name, node, names, signature=node.name not in names.api)
        elif isinstance(node, ast.ClassDef):
            for member in node.body:
                if isinstance(member, _DEFS):
                    yield _unit(f"{node.name}.{member.name}", member, names, method=True,
                                signature=member.name not in names.api or node.name not in names.api)
                elif not _is_bare_string(member):
                    yield _unit(node.name, member, names)
        elif not _is_bare_string(node):
            yield _unit(TOP_LEVEL, node, names)


def _unit(name, node, names, signature=True, method=False):
    walker = _Walker(names)
    if isinstance(node, _DEFS):
        walker.bound = _bound_names(node)
        if signature:
            own = names.attribute(node.name) if method else names.resolve(node.name, {})
            walker.add(f"def:{own}", node.lineno)
            walker.walk(node.args, node.lineno)
        else:
            walker.bind_parameters(node.args)
        for statement in node.body:
            walker.walk(statement, statement.lineno)
        for decorator in node.decorator_list:
            walker.walk(decorator, decorator.lineno)
    else:
        walker.walk(node, node.lineno)
    return Unit(name, node.lineno, node.end_lineno or node.lineno, tuple(walker.tokens), tuple(walker.lines))


class _Walker:
    """Preorder over one unit's nodes: a token id and a line per node, names normalised."""

    def __init__(self, names):
        self.names = names
        self.local, self.bound = {}, frozenset()
        self.tokens, self.lines = [], []

    def add(self, label, line):
        self.tokens.append(zlib.crc32(label.encode()))  # stable across processes, unlike hash(str)
        self.lines.append(line)

    def bind_parameters(self, arguments):
        """Number the parameters without emitting the signature's tokens."""
        for arg in (*arguments.posonlyargs, *arguments.args, arguments.vararg, *arguments.kwonlyargs,
                    arguments.kwarg):
            if arg is not None:
                self.names.resolve(arg.arg, self.local, self.bound)

    def walk(self, node, line):
        """Emit ``node`` and its subtree in preorder, on a stack of its own: a sum of a thousand terms
        is a thousand nodes deep, past Python's recursion limit."""
        stack = [(node, line)]
        while stack:
            node, line = stack.pop()
            line = getattr(node, "lineno", line)
            if isinstance(node, ast.Pass) or _is_bare_string(node):
                continue
            if isinstance(node, ast.AnnAssign):  # x: T = v reads as x = v
                if node.value is not None:
                    self.add("Assign", line)
                    stack += [(node.value, line), (node.target, line)]
                continue
            self.add(self.label(node), line)
            stack += [(child, line) for child in reversed(_children(node))]

    def label(self, node):
        kind = type(node).__name__
        def resolve(name):
            return self.names.resolve(name, self.local, self.bound)

        if isinstance(node, ast.Name):
            return f"N:{resolve(node.id)}"
        if isinstance(node, ast.Attribute):
            return f"A:{self.names.attribute(node.attr)}"
        if isinstance(node, ast.arg):
            return f"arg:{resolve(node.arg)}"
        if isinstance(node, ast.Constant):
            return f"C:{type(node.value).__name__}" if isinstance(node.value, (str, bytes)) else f"C:{node.value!r}"
        if isinstance(node, ast.keyword):
            if node.arg is None:
                return "keyword:**"
            return f"keyword:{KEYWORD if node.arg in self.names.parameters else node.arg}"
        if isinstance(node, (*_DEFS, ast.ClassDef)):
            return f"{kind}:{resolve(node.name)}"
        if isinstance(node, ast.alias):
            return f"alias:{node.name}"
        if isinstance(node, ast.ImportFrom):
            return f"ImportFrom:{node.module}"
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            return f"{kind}:{','.join(resolve(n) for n in node.names)}"
        if isinstance(node, ast.ExceptHandler) and node.name:
            return f"{kind}:{resolve(node.name)}"
        return kind


def _children(node):
    """The nodes ``walk`` visits below ``node``, in order."""
    if isinstance(node, (*_DEFS, ast.ClassDef, ast.Lambda)):
        body = node.body if isinstance(node.body, list) else [node.body]
        heads = node.bases if isinstance(node, ast.ClassDef) else [node.args]
        return [*heads, *_without_docstring(body), *getattr(node, "decorator_list", ())]
    return [item for name, value in ast.iter_fields(node) if name not in _SKIPPED_FIELDS
            for item in (value if isinstance(value, list) else [value]) if isinstance(item, ast.AST)]


def _is_bare_string(node):
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and \
        isinstance(node.value.value, str)


def _without_docstring(body):
    return [s for s in body if not _is_bare_string(s)]


def _kgrams(unit, removed):
    """``{fingerprint: [(first line, last line), ...]}`` of ``unit``, less the ``removed`` ones."""
    tokens, lines = unit.tokens, unit.lines
    spans = [(0, len(tokens))] if len(tokens) <= K else [(i, i + K) for i in range(len(tokens) - K + 1)]
    found = {}
    for start, end in spans:
        digest = hash(tokens[start:end])  # a tuple of ints hashes the same in every process
        if digest not in removed:
            found.setdefault(digest, []).append((min(lines[start:end]), max(lines[start:end])))
    return found
