#!/usr/bin/env python3
"""Checks ports/kcoro without the vcpkg tool: vcpkg.json parses and says what vcpkg needs, every
feature maps to a KCORO_WITH_* option of CMakeLists.txt in the portfile's vcpkg_check_features (and
every such option has a feature), each feature depends on the vcpkg port kcoro's CMake looks for,
and usage names the targets. Prints the feature list; exits 1 naming each problem."""
import json
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
port = root / "ports" / "kcoro"
problems = []
manifest = json.loads((port / "vcpkg.json").read_text())
for key, want in (("name", "kcoro"), ("license", "MIT"), ("version", (root / "VERSION").read_text().strip())):
    if manifest.get(key) != want:
        problems.append(f"vcpkg.json: {key} is {manifest.get(key)!r}, want {want!r}")
hosts = {d["name"] for d in manifest.get("dependencies", []) if isinstance(d, dict) and d.get("host")}
for tool in ("vcpkg-cmake", "vcpkg-cmake-config"):
    if tool not in hosts:
        problems.append(f"vcpkg.json: {tool} must be a host dependency (the portfile uses it)")

options = set(re.findall(r"^set\((KCORO_WITH_[A-Z0-9]+) ", (root / "CMakeLists.txt").read_text(), re.M))
portfile = (port / "portfile.cmake").read_text()
m = re.search(r"vcpkg_check_features\((.*?)\)", portfile, re.S)
if not m:
    problems.append("portfile.cmake: no vcpkg_check_features")
    pairs = {}
else:
    words = re.sub(r"#.*", "", m.group(1)).split()
    words = words[words.index("FEATURES") + 1:]
    pairs = dict(zip(words[0::2], words[1::2]))
features = manifest.get("features", {})
# The vcpkg port each CMake finder of cmake/kcoro_find_optional.cmake is satisfied by.
wanted_dependency = {"zstd": "zstd", "lz4": "lz4", "zlib": "zlib", "snappy": "snappy", "openssl": "openssl", "asio": "asio"}
for name, body in features.items():
    option = pairs.get(name)
    if option is None:
        problems.append(f"feature {name}: not passed to CMake by vcpkg_check_features")
    elif option not in options:
        problems.append(f"feature {name}: maps to {option}, which CMakeLists.txt does not define")
    elif option != "KCORO_WITH_" + name.upper():
        problems.append(f"feature {name}: maps to {option}")
    deps = [d if isinstance(d, str) else d["name"] for d in body.get("dependencies", [])]
    if deps != [wanted_dependency.get(name)]:
        problems.append(f"feature {name}: depends on {deps}, want [{wanted_dependency.get(name)!r}]")
for option in sorted(options - set(pairs.values())):
    problems.append(f"{option}: no vcpkg feature turns it on")
for name in sorted(set(pairs) - set(features)):
    problems.append(f"portfile.cmake: feature {name} is not in vcpkg.json")
usage = (port / "usage").read_text()
for needed in ("find_package(kcoro CONFIG REQUIRED)", "kcoro::kcoro", "kcoro::asio"):
    if needed not in usage:
        problems.append(f"usage: does not mention {needed}")
for p in problems:
    print("vcpkg port: " + p, file=sys.stderr)
print(" ".join(sorted(features)))
sys.exit(1 if problems else 0)
