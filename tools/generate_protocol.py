#!/usr/bin/env python3
"""Generates kcoro's Kafka protocol messages from Kafka's own definitions.

Reads common/message/*.json from the kafka-clients jar (Kafka's definition of every request and
response) and tools/protocol.toml (kcoro's choices: which APIs, which versions, names, types), and
writes, per API:

  include/kcoro/protocol/<api>.hpp         the messages; request encoders, response decoders (client)
  include/kcoro/protocol/broker/<api>.hpp  request decoders, response encoders (a broker's side)

plus messages.hpp on each side, which includes them all and lists the APIs; then it regenerates the
single header (tools/amalgamate.py), which inlines the client side.

  generate_protocol.py [--jar PATH] [--out DIR] [--check]

The jar is by default the one `scripts/kafka fetch` caches for the Kafka version protocol.toml names.

--out writes under DIR instead of the repository (DIR/include/kcoro/protocol/...); --check writes
nothing and exits 1 when a checked-in file differs from what would be generated.
"""
import argparse
import json
import os
import pathlib
import re
import subprocess
import sys
import tomllib
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
DESCRIPTION = ROOT / "tools" / "protocol.toml"

def default_jar(kafka_version: str) -> pathlib.Path:
    """Where `scripts/kafka fetch` puts the kafka-clients jar of that version."""
    cache = pathlib.Path(os.environ.get("KCORO_CACHE", pathlib.Path.home() / ".cache/kcoro"))
    return cache / f"kafka-{kafka_version}" / "libs" / f"kafka-clients-{kafka_version}.jar"

OUT_DIR = pathlib.PurePosixPath("include/kcoro/protocol")
INF = 0x7FFF

KEYWORDS = {
    "default", "delete", "new", "class", "struct", "template", "operator", "register", "union",
    "namespace", "private", "public", "protected", "this", "throw", "try", "catch", "typename",
    "using", "virtual", "volatile", "const", "static", "auto", "int", "long", "short", "char",
    "bool", "float", "double", "signed", "unsigned", "void", "case", "switch", "for", "while",
    "do", "if", "else", "break", "continue", "return", "goto", "enum", "explicit", "export",
    "extern", "friend", "inline", "mutable", "sizeof", "typedef", "typeid", "and", "or", "not",
    "xor", "concept", "requires",
}

PRIMITIVE = {
    "int8": "std::int8_t", "int16": "std::int16_t", "int32": "std::int32_t", "int64": "std::int64_t",
    "uint16": "std::uint16_t", "uint32": "std::uint32_t", "float64": "double", "bool": "bool",
    "uuid": "uuid",
}
WIRE_WRITE = {"int8": "i8", "int16": "i16", "int32": "i32", "int64": "i64", "uint32": "u32", "float64": "f64",
              "bool": "boolean", "uuid": "uuid_value"}


class GenerationError(Exception):
    pass


def snake(name: str) -> str:
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    s = re.sub(r"(?<=[A-Z])(?=[A-Z][a-z])", "_", s)
    s = s.lower()
    return s + "_" if s in KEYWORDS else s


def parse_versions(text):
    """'3+', '0-12', '5', 'none' -> (lo, hi) or None."""
    if text is None or text == "none":
        return None
    if text.endswith("+"):
        return (int(text[:-1]), INF)
    if "-" in text:
        lo, hi = text.split("-")
        return (int(lo), int(hi))
    return (int(text), int(text))


def intersect(a, b):
    if a is None or b is None:
        return None
    lo, hi = max(a[0], b[0]), min(a[1], b[1])
    return (lo, hi) if lo <= hi else None


def condition(rng, within, var="version"):
    """A C++ condition for `var` in rng, given that var is always in `within`; '' when always true."""
    rng = intersect(rng, within)
    if rng is None:
        return "false"
    parts = []
    if rng[0] > within[0]:
        parts.append(f"{var} >= {rng[0]}")
    if rng[1] < within[1]:
        parts.append(f"{var} <= {rng[1]}")
    if len(parts) == 2 and rng[0] == rng[1]:
        return f"{var} == {rng[0]}"
    return " && ".join(parts)


def load_definitions(jar: pathlib.Path):
    defs = {}
    with zipfile.ZipFile(jar) as z:
        for info in z.infolist():
            if info.filename.startswith("common/message/") and info.filename.endswith(".json"):
                text = z.read(info).decode("utf-8")
                text = re.sub(r"^\s*//.*$", "", text, flags=re.M)  # Kafka's files carry // comments
                d = json.loads(text)
                defs[d["name"]] = d
    if not defs:
        raise GenerationError(f"{jar}: no common/message/*.json inside")
    return defs


# ---------------------------------------------------------------------------------------------
# The model: a message is a tree of structs; each field knows its versions within kcoro's range.

class Field:
    def __init__(self, msg, path, j, scope):
        self.msg = msg
        self.kafka_name = j["name"]
        self.path = f"{path}.{self.kafka_name}"
        self.type = j["type"]
        self.versions = intersect(parse_versions(j["versions"]), msg.range)
        self.nullable = intersect(parse_versions(j.get("nullableVersions")), self.versions) if self.versions else None
        self.tagged = intersect(parse_versions(j.get("taggedVersions")), self.versions) if "tag" in j else None
        self.tag = j.get("tag")
        if "tag" in j and self.versions and self.tagged != self.versions:
            raise GenerationError(f"{self.path}: a field tagged in some of its versions only")
        fv = j.get("flexibleVersions")
        self.flexible = parse_versions(fv) if fv is not None else msg.flexible
        self.default = j.get("default")
        msg.api.used_paths.add(self.path)
        self.cname = msg.api.rename.get(self.path, snake(self.kafka_name))
        self.splice = self.path in msg.api.splice
        self.nonnegative = self.path in msg.api.nonnegative
        self.cpp_default = msg.api.defaults.get(self.path)
        self.mapping = None
        mapped = msg.api.types.get(self.path)
        if mapped is not None:
            self.mapping = msg.gen.types[mapped]
        else:
            for t in msg.gen.types.values():
                if t.get("suffix") and self.kafka_name.endswith(t["suffix"]) and self.type == t["wire"]:
                    self.mapping = t
        if self.mapping is not None and self.mapping["wire"] != self.type:
            raise GenerationError(f"{self.path}: mapped to {self.mapping['cpp']} but is a {self.type}")
        self.is_array = self.type.startswith("[]")
        self.elem = self.type[2:] if self.is_array else self.type
        self.struct = None
        if self.elem not in PRIMITIVE and self.elem not in ("string", "bytes", "records"):
            self.struct = scope.struct_for(self.elem, j.get("fields"), self.path)

    @property
    def present(self):
        return self.versions is not None


class Struct:
    def __init__(self, msg, kafka_name, fields_json, path):
        self.msg = msg
        self.kafka_name = kafka_name
        self.path = path
        self.cname = snake(kafka_name)
        self.alias = msg.api.alias.get(f"{msg.name}.{kafka_name}")
        msg.api.used_paths.add(f"{msg.name}.{kafka_name}")
        self.fields = []
        self._fields_json = fields_json

    def build(self, scope):
        for j in self._fields_json:
            f = Field(self.msg, self.path, j, scope)
            if f.present:
                self.fields.append(f)
        names = [f.cname for f in self.fields]
        # Fields of disjoint versions may share a C++ name only if nothing else tells them apart.
        if len(set(names)) != len(names):
            raise GenerationError(f"{self.path}: two fields named {names}")

    @property
    def tagged_fields(self):
        return sorted((f for f in self.fields if f.tagged), key=lambda f: f.tag)

    @property
    def plain_fields(self):
        return [f for f in self.fields if not f.tagged]


class Message:
    """One request, response or header definition, within kcoro's version range."""

    def __init__(self, gen, api, j):
        self.gen = gen
        self.api = api
        self.json = j
        self.name = j["name"]
        self.kind = j["type"]
        self.valid = parse_versions(j["validVersions"])
        self.range = api.range if api.range else self.valid
        if intersect(self.range, self.valid) != self.range:
            raise GenerationError(f"{self.name}: kcoro's versions {self.range} are not all in Kafka's {self.valid}")
        self.flexible = parse_versions(j.get("flexibleVersions"))
        self.common = {c["name"]: c for c in j.get("commonStructs", [])}
        self.structs = {}  # kafka struct name -> Struct, in definition order (children first)
        self.order = []
        self.root = Struct(self, self.name, j["fields"], self.name)
        self.root.cname = api.cname + ("_request" if self.kind == "request" else "_response" if self.kind == "response" else "")
        self._building = set()
        self.root.build(self)
        for s in self.order:
            if s.cname in {f.cname for f in self.root.fields} or any(
                    s.cname in {f.cname for f in t.fields} for t in self.order):
                s.cname += "_entry"

    def struct_for(self, kafka_name, fields_json, path):
        if kafka_name in self.structs:
            return self.structs[kafka_name]
        if fields_json is None:
            if kafka_name not in self.common:
                raise GenerationError(f"{path}: unknown type {kafka_name}")
            fields_json = self.common[kafka_name]["fields"]
        s = Struct(self, kafka_name, fields_json, path)
        self.structs[kafka_name] = s
        s.build(self)
        self.order.append(s)
        return s

    # C++ types --------------------------------------------------------------------------------
    def elem_type(self, f):
        if f.struct is not None:
            return f.struct.cname
        if f.elem == "string":
            return "string_type"
        if f.elem in ("bytes", "records"):
            return "bytes_type"
        return PRIMITIVE[f.elem]

    def value_type(self, f):
        if f.mapping is not None:
            return f.mapping["cpp"]
        if f.is_array:
            return f"array_type<{self.elem_type(f)}>"
        return self.elem_type(f)

    def member_type(self, f):
        t = self.value_type(f)
        return f"std::optional<{t}>" if f.nullable else t


class Api:
    def __init__(self, gen, name, opts):
        self.gen = gen
        self.name = name
        self.cname = snake(name)
        self.range = parse_versions(opts["versions"]) if "versions" in opts else None
        self.response_views = opts.get("response", "copies") == "views"
        self.fallback_to_v0 = bool(opts.get("fallback_to_v0", False))
        self.rename = dict(opts.get("rename", {}))
        self.alias = dict(opts.get("alias", {}))
        self.defaults = dict(opts.get("default", {}))
        self.splice = set(opts.get("splice", []))
        self.types = dict(opts.get("types", {}))
        self.nonnegative = set(opts.get("nonnegative", []))
        self.used_paths = set()


# ---------------------------------------------------------------------------------------------
# C++ output

def int_literal(value, ctype):
    v = int(value, 0) if isinstance(value, str) else int(value)
    limits = {"std::int32_t": (-(2**31), 2**31 - 1), "std::int64_t": (-(2**63), 2**63 - 1)}
    if ctype in limits and v == limits[ctype][0]:
        return f"std::numeric_limits<{ctype}>::min()"
    if ctype in limits and v == limits[ctype][1]:
        return f"std::numeric_limits<{ctype}>::max()"
    return str(v)


def default_init(msg, f):
    """The member's initializer (with its leading ' = ' or '{}')."""
    if f.cpp_default is not None:
        return f" = {f.cpp_default}"
    d = f.default
    if f.nullable and (d == "null" or (d is None and f.elem == "records")):
        return "{}"
    if f.struct is not None or f.is_array or f.elem in ("uuid", "bytes", "records"):
        return "{}" if not f.nullable else f" = {msg.value_type(f)}{{}}"
    if f.elem == "string":
        if d in (None, ""):
            return "{}" if not f.nullable else " = string_type{}"
        return f" = string_type{{{json.dumps(d)}}}"
    if f.elem == "bool":
        return " = true" if str(d).lower() == "true" else " = false"
    if f.elem == "float64":
        return f" = {float(d) if d is not None else 0.0!r}"
    ctype = PRIMITIVE[f.elem]
    lit = int_literal(d if d is not None else 0, ctype)
    if f.mapping is not None:
        return " = " + f.mapping["from_wire"].format(lit)
    return f" = {lit}"


def default_value_expr(msg, f):
    """A C++ expression equal to the field's default, for deciding whether a tagged field is written."""
    init = default_init(msg, f)
    return init[3:] if init.startswith(" = ") else None


class Emitter:
    def __init__(self):
        self.lines = []
        self.depth = 0

    def __call__(self, text=""):
        for line in text.split("\n") if text else [""]:
            self.lines.append(("    " * self.depth + line) if line else "")

    def indent(self):
        self.depth += 1

    def dedent(self):
        self.depth -= 1

    def text(self):
        return "\n".join(self.lines) + "\n"


def ver(rng, within=None):
    if rng is None:
        return "never"
    lo, hi = rng
    if hi == INF or (within is not None and hi >= within[1]):
        return f"v{lo}+"
    return f"v{lo}" if lo == hi else f"v{lo}-{hi}"


def emit_struct(e, msg, s, top=False):
    if not top:
        e(f"struct {s.cname} {{")
        e.indent()
    for f in s.fields:
        notes = []
        if f.versions != msg.range:
            notes.append(ver(f.versions, msg.range))
        if f.nullable and f.nullable != f.versions:
            notes.append(f"null only {ver(f.nullable, msg.range)}")
        if f.tagged:
            notes.append(f"tag {f.tag}")
        comment = f"  // {', '.join(notes)}" if notes else ""
        e(f"{msg.member_type(f)} {f.cname}{default_init(msg, f)};{comment}")
    if not top:
        e.dedent()
        e("};")


# Writers ------------------------------------------------------------------------------------

class Writer:
    def __init__(self, msg):
        self.msg = msg

    def flexible_expr(self, f):
        """Whether field f is written compact at `version`: the message's flexibility, unless the
        field says otherwise (RequestHeader's ClientId is never compact)."""
        if f.flexible == self.msg.flexible:
            return "flexible"
        fx = intersect(f.flexible, self.msg.range)
        if fx is None:
            return "false"
        c = condition(fx, self.msg.range)
        return c if c else "true"

    def value(self, e, f, expr, w="w", version_range=None):
        """Writes a present (non-null) value of field f held in expr."""
        msg = self.msg
        fx = self.flexible_expr(f)
        if f.mapping is not None:
            e(f"{w}.{WIRE_WRITE[f.elem]}({f.mapping['to_wire'].format(expr)});")
        elif f.is_array:
            sized = f"({expr})" if expr.startswith("*") else expr
            e(f"{w}.array_length(static_cast<std::int32_t>({sized}.size()), {fx});")
            e(f"for (const auto& e_ : {expr}) {{")
            e.indent()
            self.element(e, f, "e_", w)
            e.dedent()
            e("}")
        else:
            self.element(e, f, expr, w)

    def element(self, e, f, expr, w):
        fx = self.flexible_expr(f)
        if f.struct is not None:
            e(f"write({w}, version, {expr});")
        elif f.elem == "string":
            e(f"{w}.string({expr}, {fx});")
        elif f.elem in ("bytes", "records"):
            e(f"{w}.{'large_bytes' if f.splice else 'bytes'}({expr}, {fx});")
        elif f.elem == "uint16":
            e(f"{w}.i16(static_cast<std::int16_t>({expr}));")
        else:
            e(f"{w}.{WIRE_WRITE[f.elem]}({expr});")

    def null(self, e, f, w):
        fx = self.flexible_expr(f)
        if f.is_array:
            e(f"{w}.array_length(-1, {fx});")
        elif f.struct is not None:
            e(f"{w}.i8(-1);")
        elif f.elem == "string":
            e(f"{w}.nullable_string(std::nullopt, {fx});")
        else:
            e(f"{w}.nullable_bytes(std::nullopt, {fx});")

    def empty(self, e, f, w):
        """What a null is written as where the version cannot carry null: the empty value."""
        fx = self.flexible_expr(f)
        if f.is_array:
            e(f"{w}.array_length(0, {fx});")
        elif f.struct is not None:
            e(f"write({w}, version, typename M::{f.struct.cname}{{}});")
        elif f.elem == "string":
            e(f"{w}.string({{}}, {fx});")
        else:
            e(f"{w}.bytes({{}}, {fx});")

    def field(self, e, f, x, w="w"):
        expr = f"{x}.{f.cname}"
        if not f.nullable:
            self.value(e, f, expr, w)
            return
        e(f"if ({expr}) {{")
        e.indent()
        if f.struct is not None and not f.is_array:
            e(f"{w}.i8(1);")
        self.value(e, f, f"*{expr}", w)
        e.dedent()
        nc = condition(f.nullable, intersect(f.versions, self.msg.range))
        if nc == "":
            e("} else {")
            e.indent()
            self.null(e, f, w)
        else:
            e(f"}} else if ({nc}) {{")
            e.indent()
            self.null(e, f, w)
            e.dedent()
            e("} else {")
            e.indent()
            self.empty(e, f, w)
        e.dedent()
        e("}")

    def presence(self, f, expr):
        """A C++ condition: the tagged field holds something other than its default."""
        if f.nullable and (f.default == "null"):
            return f"{expr}.has_value()"
        if f.is_array or f.elem in ("bytes", "records") or (f.elem == "string" and not f.nullable):
            if f.nullable:
                return f"(!{expr} || !{expr}->empty())"
            return f"!{expr}.empty()"
        if f.struct is not None:
            parts = [self.presence(g, f"{expr}.{g.cname}") for g in f.struct.fields]
            return "(" + " || ".join(parts) + ")" if parts else "false"
        if f.elem == "uuid":
            return f"!{expr}.is_zero()"
        d = default_value_expr(self.msg, f)
        return f"{expr} != {d}"

    def body(self, e, s, x):
        msg = self.msg
        within = msg.range
        fxc = condition(msg.flexible, within) if msg.flexible else "false"
        if msg.flexible and fxc == "":
            fxc = "true"
        e(f"[[maybe_unused]] const bool flexible = {fxc};")
        for f in s.plain_fields:
            c = condition(f.versions, within)
            if c:
                e(f"if ({c}) {{")
                e.indent()
            self.field(e, f, x)
            if c:
                e.dedent()
                e("}")
        tagged = s.tagged_fields
        if fxc == "false":
            return
        if not tagged:
            e("w.tagged_fields(flexible);")
            return
        e("if (flexible) {")
        e.indent()
        e("std::uint32_t tags = 0;")
        conds = []
        for f in tagged:
            c = condition(f.tagged, within)
            p = self.presence(f, f"{x}.{f.cname}")
            full = f"{c} && {p}" if c else p
            conds.append((f, full))
            e(f"if ({full}) ++tags;")
        e("w.uvarint(tags);")
        for f, full in conds:
            e(f"if ({full}) {{")
            e.indent()
            e(f"w.uvarint({f.tag});")
            e("byte_buffer field_;")
            e("wire_writer fw(field_);")
            self.field(e, f, x, "fw")
            e("w.uvarint(field_.size());")
            e("w.raw(field_.view());")
            e.dedent()
            e("}")
        e.dedent()
        e("}")


class Reader:
    def __init__(self, msg):
        self.msg = msg

    def flexible_expr(self, f):
        return Writer(self.msg).flexible_expr(f)

    def element(self, e, f, target, r, assign):
        """Reads one value of f's element type from r and hands it to assign(expr) (a statement)."""
        fx = self.flexible_expr(f)
        if f.struct is not None:
            e(f"KCORO_TRY(read({r}, version, {target}));")
            return
        if f.elem == "string":
            e(f"KCORO_TRY_ASSIGN(auto v_, {r}.string({fx}));")
            e(assign("typename M::string_type(v_)"))
        elif f.elem in ("bytes", "records"):
            e(f"KCORO_TRY_ASSIGN(auto v_, {r}.bytes({fx}));")
            e(assign("typename M::bytes_type(v_)"))
        elif f.elem == "uint16":
            e(f"KCORO_TRY_ASSIGN(auto v_, {r}.i16());")
            e(assign("static_cast<std::uint16_t>(v_)"))
        else:
            e(f"KCORO_TRY_ASSIGN(auto v_, {r}.{WIRE_WRITE[f.elem]}());")
            if f.nonnegative:
                e(f'if (v_ < 0) return error(errc::malformed_response, "{self.msg.name}: negative {f.kafka_name}");')
            if f.mapping is not None:
                e(assign(f.mapping["from_wire"].format("v_")))
            else:
                e(assign("v_"))

    def array(self, e, f, target, r, nullable_here):
        fx = self.flexible_expr(f)
        e("{")
        e.indent()
        if nullable_here:
            e(f"KCORO_TRY_ASSIGN(auto n_, {r}.nullable_array_length({fx}));")
            e("if (n_ < 0) {")
            e.indent()
            e(f"{target}.reset();")
            e.dedent()
            e("} else {")
            e.indent()
            e(f"auto& a_ = {target}.emplace();")
        else:
            e(f"KCORO_TRY_ASSIGN(auto n_, {r}.array_length({fx}));")
            e(f"auto& a_ = {target if not f.nullable else target + '.emplace()'};")
        e("a_.clear();")
        e("a_.reserve(static_cast<std::size_t>(n_));")
        e("for (std::int32_t i_ = 0; i_ < n_; ++i_) {")
        e.indent()
        if f.struct is not None:
            e("auto& x_ = a_.emplace_back();")
            e(f"KCORO_TRY(read({r}, version, x_));")
        else:
            self.element(e, f, None, r, lambda v: f"a_.push_back({v});")
        e.dedent()
        e("}")
        if nullable_here:
            e.dedent()
            e("}")
        e.dedent()
        e("}")

    def field(self, e, f, x, r="r"):
        target = f"{x}.{f.cname}"
        fx = self.flexible_expr(f)
        within = intersect(f.versions, self.msg.range)
        nc = condition(f.nullable, within) if f.nullable else "false"

        def one(nullable_here):
            if f.is_array:
                self.array(e, f, target, r, nullable_here)
                return
            e("{")
            e.indent()
            if f.struct is not None:
                if nullable_here:
                    e(f"KCORO_TRY_ASSIGN(auto m_, {r}.i8());")
                    e("if (m_ < 0) {")
                    e.indent()
                    e(f"{target}.reset();")
                    e.dedent()
                    e("} else {")
                    e.indent()
                    e(f"KCORO_TRY(read({r}, version, {target}.emplace()));")
                    e.dedent()
                    e("}")
                else:
                    e(f"KCORO_TRY(read({r}, version, {target + '.emplace()' if f.nullable else target}));")
            elif nullable_here:
                kind = "nullable_string" if f.elem == "string" else "nullable_bytes"
                conv = "typename M::string_type" if f.elem == "string" else "typename M::bytes_type"
                e(f"KCORO_TRY_ASSIGN(auto v_, {r}.{kind}({fx}));")
                e("if (v_) {")
                e.indent()
                e(f"{target}.emplace({conv}(*v_));")
                e.dedent()
                e("} else {")
                e.indent()
                e(f"{target}.reset();")
                e.dedent()
                e("}")
            else:
                if f.nullable:
                    self.element(e, f, None, r, lambda v: f"{target}.emplace({v});")
                else:
                    self.element(e, f, target, r, lambda v: f"{target} = {v};")
            e.dedent()
            e("}")

        if not f.nullable or nc == "false":
            one(False)
        elif nc == "":
            one(True)
        else:
            e(f"if ({nc}) {{")
            e.indent()
            one(True)
            e.dedent()
            e("} else {")
            e.indent()
            one(False)
            e.dedent()
            e("}")

    def body(self, e, s, x):
        msg = self.msg
        within = msg.range
        fxc = condition(msg.flexible, within) if msg.flexible else "false"
        if msg.flexible and fxc == "":
            fxc = "true"
        e(f"[[maybe_unused]] const bool flexible = {fxc};")
        for f in s.plain_fields:
            c = condition(f.versions, within)
            if c:
                e(f"if ({c}) {{")
                e.indent()
            self.field(e, f, x)
            if c:
                e.dedent()
                e("}")
        tagged = s.tagged_fields
        if fxc == "false":
            e("return ok();")
            return
        if not tagged:
            e("return r.tagged_fields(flexible);")
            return
        e("return r.tagged_fields(flexible, [&](std::uint64_t tag, wire_reader& f) -> result<void> {")
        e.indent()
        e("switch (tag) {")
        for f in tagged:
            e(f"case {f.tag}: {{")
            e.indent()
            c = condition(f.tagged, within)
            if c:
                e(f"if (!({c})) break;")
            self.field(e, f, x, "f")
            e(f'if (!f.empty()) return error(errc::malformed_response, "{msg.name}: bytes left in tagged field {f.tag}");')
            e("break;")
            e.dedent()
            e("}")
        e("default: break;")
        e("}")
        e("return ok();")
        e.dedent()
        e("});")


# Files --------------------------------------------------------------------------------------

BANNER = """// Generated by tools/generate_protocol.py from Kafka's {sources} (kafka-clients {kafka})
// and tools/protocol.toml. Do not edit: change the description and run the script again.
"""


class Generator:
    def __init__(self, defs, description, kafka_version):
        self.defs = defs
        self.description = description
        self.kafka = kafka_version
        self.types = description.get("types", {})
        for name, t in self.types.items():
            t.setdefault("name", name)
        self.apis = []
        self.headers = []

    def message(self, api, name):
        if name not in self.defs:
            raise GenerationError(f"Kafka has no message {name}")
        return Message(self, api, self.defs[name])

    def run(self):
        files = {}
        for hname, cname in self.description.get("headers", {}).items():
            api = Api(self, hname, {})
            api.cname = cname
            msg = self.message(api, hname)
            msg.root.cname = cname
            self.headers.append((api, msg))
            files[f"{cname}.hpp"] = self.client_header_file(api, msg)
            files[f"broker/{cname}.hpp"] = self.broker_header_file(api, msg)
        for name, opts in self.description["apis"].items():
            api = Api(self, name, opts)
            req = self.message(api, name + "Request")
            resp = self.message(api, name + "Response")
            if req.json["apiKey"] != resp.json["apiKey"]:
                raise GenerationError(f"{name}: request and response disagree on the API key")
            # A path in the description that names no field (a typo, or a field Kafka renamed) would
            # silently change nothing.
            for kind in ("rename", "alias", "defaults", "splice", "types", "nonnegative"):
                for path in getattr(api, kind):
                    if path not in api.used_paths:
                        raise GenerationError(f"{name}: {kind} names {path}, which is no field or struct "
                                              f"within versions {opts['versions']}")
            self.apis.append((api, req, resp))
            files[f"{api.cname}.hpp"] = self.client_file(api, req, resp)
            files[f"broker/{api.cname}.hpp"] = self.broker_file(api, req, resp)
        files["messages.hpp"] = self.client_index()
        files["broker/messages.hpp"] = self.broker_index()
        return files

    # ---- pieces
    def includes(self, msgs):
        extra = set()
        for m in msgs:
            for s in [m.root] + m.order:
                for f in s.fields:
                    if f.mapping is not None and f.mapping.get("include"):
                        extra.add(f.mapping["include"])
        return sorted(extra)

    def aliases(self, msg, storage, top_name):
        out = [f"using {top_name} = basic_{msg.root.cname}<{storage}>;"]
        for s in msg.order:
            if s.alias:
                out.append(f"using {s.alias} = {top_name}::{s.cname};")
        return out

    def struct_template(self, e, msg, extra_members=()):
        name = msg.root.cname
        e("template <class S>")
        e(f"struct basic_{name} {{")
        e.indent()
        e("using string_type = typename S::string;")
        e("using bytes_type = typename S::bytes;")
        e("template <class T>")
        e("using array_type = typename S::template array<T>;")
        for line in extra_members:
            e(line)
        e()
        for s in msg.order:
            emit_struct(e, msg, s)
            e()
        emit_struct(e, msg, msg.root, top=True)
        e("// The frame the views point into, when they point into one (see message_storage.hpp).")
        e("[[no_unique_address]] typename S::frame owned_frame{};")

    def codec(self, e, msg, kind, name):
        """A class of static read or write functions, one per struct of msg."""
        e("template <class S>")
        e(f"struct {name} {{")
        e.indent()
        e(f"using M = basic_{msg.root.cname}<S>;")
        for s in msg.order + [msg.root]:
            t = "M" if s is msg.root else f"typename M::{s.cname}"
            if kind == "write":
                e(f"static void write(wire_writer& w, [[maybe_unused]] std::int16_t version, [[maybe_unused]] const {t}& x) {{")
                e.indent()
                Writer(msg).body(e, s, "x")
            else:
                e(f"static result<void> read(wire_reader& r, [[maybe_unused]] std::int16_t version, [[maybe_unused]] {t}& x) {{")
                e.indent()
                Reader(msg).body(e, s, "x")
            e.dedent()
            e("}")
        e.dedent()
        e("};")

    def flexible_predicate(self, msg):
        if msg.flexible is None:
            return "false"
        return f"version >= {msg.flexible[0]}" if msg.flexible[0] > 0 else "true"

    def api_constants(self, api, req, resp):
        key = req.json["apiKey"]
        lo, hi = req.range
        flex = self.flexible_predicate(req)
        if key == 18:
            resp_hdr = "0;  // ApiVersions answers in header v0 so that any client can read the error"
        else:
            resp_hdr = "flexible(version) ? 1 : 0;"
        req_hdr = "flexible(version) ? 2 : 1;"
        if key == 7:  # ControlledShutdown v0 predates client ids
            req_hdr = "version == 0 ? 0 : flexible(version) ? 2 : 1;"
        views = "frame_storage" if api.response_views else "owning_storage"
        return [
            f"static constexpr std::int16_t api_key = {key};",
            f"static constexpr std::int16_t min_version = {lo};",
            f"static constexpr std::int16_t max_version = {hi};",
            f"// Compact strings, bytes and arrays and tagged fields ({'never' if req.flexible is None else ver(req.flexible)}).",
            f"static constexpr bool flexible([[maybe_unused]] std::int16_t version) noexcept {{ return {flex}; }}",
            "static constexpr std::int16_t request_header_version([[maybe_unused]] std::int16_t version) noexcept {",
            f"    return {req_hdr}",
            "}",
            "static constexpr std::int16_t response_header_version([[maybe_unused]] std::int16_t version) noexcept {",
            f"    return {resp_hdr}",
            "}",
            f"using response_type = basic_{resp.root.cname}<{views}>;",
        ]

    def file_start(self, e, sources, includes, broker=False):
        e(BANNER.format(sources=", ".join(f"{s}.json" for s in sources), kafka=self.kafka).rstrip("\n"))
        e("#pragma once")
        e()
        up = "../../" if broker else "../"
        here = "../" if broker else ""
        for inc in [f"{up}bytes.hpp", f"{up}detail/prelude.hpp", f"{up}error.hpp", f"{up}result.hpp",
                    f"{here}message_storage.hpp", f"{here}wire.hpp"] + [here + i for i in includes]:
            e(f'#include "{inc}"')
        e()
        for inc in ["cstddef", "cstdint", "limits", "optional"]:
            e(f"#include <{inc}>")
        e()
        e("KCORO_NAMESPACE_BEGIN")
        e()

    def client_file(self, api, req, resp):
        e = Emitter()
        self.file_start(e, [req.name, resp.name], self.includes([req, resp]))
        e("template <class S>")
        e(f"struct basic_{resp.root.cname};")
        e()
        self.struct_template(e, req, self.api_constants(api, req, resp))
        e()
        e("// Appends the request body (after the request header) to w.")
        e("void encode(wire_writer& w, std::int16_t version) const;")
        e.dedent()
        e("};")
        e()
        self.struct_template(e, resp)
        e()
        if api.fallback_to_v0:
            e("// A broker answers a version it does not speak with UNSUPPORTED_VERSION in the v0 layout")
            e("// (KIP-511), so an error body that does not parse at the asked version is read again as v0;")
            e("// one holding only the error code is taken as that error.")
        e("static result<basic_" + resp.root.cname + "> decode(wire_reader& r, std::int16_t version);")
        e.dedent()
        e("};")
        e()
        e("namespace detail {")
        e()
        self.codec(e, req, "write", f"{req.root.cname}_writer")
        e()
        self.codec(e, resp, "read", f"{resp.root.cname}_reader")
        e()
        e("}  // namespace detail")
        e()
        e("template <class S>")
        e(f"void basic_{req.root.cname}<S>::encode(wire_writer& w, std::int16_t version) const {{")
        e(f"    detail::{req.root.cname}_writer<S>::write(w, version, *this);")
        e("}")
        e()
        rc = resp.root.cname
        e("template <class S>")
        e(f"result<basic_{rc}<S>> basic_{rc}<S>::decode(wire_reader& r, std::int16_t version) {{")
        e.indent()
        if api.fallback_to_v0:
            e("const wire_reader start = r;")
            e(f"basic_{rc} out;")
            e(f"auto full = detail::{rc}_reader<S>::read(r, version, out);")
            e("if (full) return out;")
            e("if (version == 0) return std::move(full).err();")
            e("r = start;")
            e("auto ec = r.i16();")
            e("if (!ec || *ec == 0) return std::move(full).err();")
            e("r = start;")
            e(f"basic_{rc} v0;")
            e(f"if (detail::{rc}_reader<S>::read(r, 0, v0)) return v0;")
            e(f"basic_{rc} bare;")
            e("bare.error_code = errc_from_kafka(*ec);")
            e("return bare;")
        else:
            e(f"basic_{rc} out;")
            e(f"KCORO_TRY(detail::{rc}_reader<S>::read(r, version, out));")
            e("return out;")
        e.dedent()
        e("}")
        e()
        for line in self.aliases(req, "spans_storage", req.root.cname):
            e(line)
        views = "frame_storage" if api.response_views else "owning_storage"
        for line in self.aliases(resp, views, resp.root.cname):
            e(line)
        e()
        e("KCORO_NAMESPACE_END")
        return e.text()

    def broker_file(self, api, req, resp):
        e = Emitter()
        self.file_start(e, [req.name, resp.name], [f"{api.cname}.hpp"], broker=True)
        e("namespace detail {")
        e()
        self.codec(e, req, "read", f"{req.root.cname}_reader")
        e()
        self.codec(e, resp, "write", f"{resp.root.cname}_writer")
        e()
        e("}  // namespace detail")
        e()
        e("// Reads a request body (after the request header) into out.")
        e("template <class S>")
        e(f"result<void> decode_request(wire_reader& r, std::int16_t version, basic_{req.root.cname}<S>& out) {{")
        e(f"    return detail::{req.root.cname}_reader<S>::read(r, version, out);")
        e("}")
        e()
        e("// Appends a response body (after the response header) to w.")
        e("template <class S>")
        e(f"void encode_response(wire_writer& w, std::int16_t version, const basic_{resp.root.cname}<S>& resp) {{")
        e(f"    detail::{resp.root.cname}_writer<S>::write(w, version, resp);")
        e("}")
        e()
        e(f"// A {req.name} as a broker receives it: strings and bytes point into the request frame.")
        e(f"using received_{req.root.cname} = basic_{req.root.cname}<frame_storage>;")
        e()
        e("KCORO_NAMESPACE_END")
        return e.text()

    def client_header_file(self, api, msg):
        e = Emitter()
        self.file_start(e, [msg.name], [])
        lo, hi = msg.range
        consts = [f"static constexpr std::int16_t min_version = {lo};",
                  f"static constexpr std::int16_t max_version = {hi};", ""]
        self.struct_template(e, msg, consts)
        e()
        writes = msg.kind == "header" and msg.name.startswith("Request")
        if writes:
            e("void encode(wire_writer& w, std::int16_t header_version) const;")
        else:
            e(f"static result<basic_{msg.root.cname}> decode(wire_reader& r, std::int16_t header_version);")
        e.dedent()
        e("};")
        e()
        e("namespace detail {")
        e()
        self.codec(e, msg, "write" if writes else "read", f"{msg.root.cname}_{'writer' if writes else 'reader'}")
        e()
        e("}  // namespace detail")
        e()
        c = msg.root.cname
        e("template <class S>")
        if writes:
            e(f"void basic_{c}<S>::encode(wire_writer& w, std::int16_t header_version) const {{")
            e(f"    detail::{c}_writer<S>::write(w, header_version, *this);")
        else:
            e(f"result<basic_{c}<S>> basic_{c}<S>::decode(wire_reader& r, std::int16_t header_version) {{")
            e(f"    basic_{c} out;")
            e(f"    KCORO_TRY(detail::{c}_reader<S>::read(r, header_version, out));")
            e("    return out;")
        e("}")
        e()
        for line in self.aliases(msg, "spans_storage" if writes else "frame_storage", c):
            e(line)
        e()
        e("KCORO_NAMESPACE_END")
        return e.text()

    def broker_header_file(self, api, msg):
        e = Emitter()
        c = msg.root.cname
        self.file_start(e, [msg.name], [f"{c}.hpp"], broker=True)
        writes = msg.name.startswith("Response")
        e("namespace detail {")
        e()
        self.codec(e, msg, "write" if writes else "read", f"{c}_{'writer' if writes else 'reader'}")
        e()
        e("}  // namespace detail")
        e()
        e("template <class S>")
        if writes:
            e(f"void encode_header(wire_writer& w, std::int16_t header_version, const basic_{c}<S>& h) {{")
            e(f"    detail::{c}_writer<S>::write(w, header_version, h);")
        else:
            e(f"result<void> decode_header(wire_reader& r, std::int16_t header_version, basic_{c}<S>& out) {{")
            e(f"    return detail::{c}_reader<S>::read(r, header_version, out);")
        e("}")
        e()
        if not writes:
            e(f"using received_{c} = basic_{c}<frame_storage>;")
            e()
        e("KCORO_NAMESPACE_END")
        return e.text()

    def index_start(self, e, broker):
        e(BANNER.format(sources="message definitions", kafka=self.kafka).rstrip("\n"))
        e("#pragma once")
        e()
        for api, _ in self.headers:
            e(f'#include "{api.cname}.hpp"')
        for api, _, _ in self.apis:
            e(f'#include "{api.cname}.hpp"')
        e()

    def client_index(self):
        e = Emitter()
        self.index_start(e, False)
        e("KCORO_NAMESPACE_BEGIN")
        e()
        e("// Every API kcoro speaks, for code that handles each in turn (dispatch by API key, tests).")
        e("template <class... Requests>")
        e("struct api_list {};")
        e("using kafka_apis = api_list<" + ", ".join(f"{a.cname}_request" for a, _, _ in self.apis) + ">;")
        e()
        e("KCORO_NAMESPACE_END")
        return e.text()

    def broker_index(self):
        e = Emitter()
        e(BANNER.format(sources="message definitions", kafka=self.kafka).rstrip("\n"))
        e("// The broker side of every API kcoro speaks: for tests, bench/sink_broker and simulated")
        e("// brokers. kcoro.hpp and the single header do not include it.")
        e("#pragma once")
        e()
        e('#include "../messages.hpp"')
        for api, _ in self.headers:
            e(f'#include "{api.cname}.hpp"')
        for api, _, _ in self.apis:
            e(f'#include "{api.cname}.hpp"')
        return e.text()


def kafka_version_of(jar: pathlib.Path) -> str:
    m = re.search(r"kafka-clients-([0-9][^/]*)\.jar$", jar.name)
    return m.group(1) if m else "unknown"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--jar", type=pathlib.Path, help="kafka-clients jar (default: the cached one of the "
                    "Kafka version tools/protocol.toml names)")
    ap.add_argument("--out", type=pathlib.Path, default=ROOT)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    with open(DESCRIPTION, "rb") as f:
        description = tomllib.load(f)
    jar = args.jar or default_jar(description["kafka"])
    if not jar.is_file():
        print(f"{jar}: not found (scripts/kafka fetch brings it)", file=sys.stderr)
        return 2
    try:
        gen = Generator(load_definitions(jar), description, kafka_version_of(jar))
        files = gen.run()
    except GenerationError as exc:
        print(f"generate_protocol: {exc}", file=sys.stderr)
        return 1
    out_root = args.out / OUT_DIR
    stale = []
    for rel, text in sorted(files.items()):
        path = out_root / rel
        if args.check:
            if not path.is_file() or path.read_text() != text:
                stale.append(str(path.relative_to(args.out)))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text() != text:
            path.write_text(text)
    if not args.check and args.out.resolve() == ROOT:
        # The single header inlines the client side: keep it in step.
        return subprocess.run([sys.executable, str(ROOT / "tools" / "amalgamate.py")]).returncode
    if args.check:
        # A generated file whose API left the description is stale too.
        for path in sorted((out_root / "broker").glob("*.hpp")) if (out_root / "broker").is_dir() else []:
            rel = path.relative_to(out_root).as_posix()
            if rel not in files:
                stale.append(str(path.relative_to(args.out)))
        if stale:
            for s in stale:
                print(f"{s} is stale: run tools/generate_protocol.py", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
