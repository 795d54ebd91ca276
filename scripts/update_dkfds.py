#!/usr/bin/env python3
"""Vendor a pinned release of Det Fælles Designsystem (npm package `dkfds`) into civicpanel/static/dkfds/.

    python3 scripts/update_dkfds.py            # the version pinned below
    python3 scripts/update_dkfds.py 11.3.0     # another version (then change DKFDS_VERSION below and commit)

Needs `npm` (only to fetch the package; the committed files are all the project needs to run).
Copies only what the pages use: the minified CSS and JS, the IBM Plex Sans woff2 files the CSS
names, the icon files the CSS names, the icon sprite, and the licence texts. The CSS is rewritten
so that each @font-face names only its woff2 file (every browser the project supports reads
woff2; the eot/ttf/woff copies would add megabytes) and so that it names no source map.
After an update: run the browser tests (tests/browser/) and look at the screenshots.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

DKFDS_VERSION = "11.2.0"
ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "civicpanel" / "static" / "dkfds"

FONT_FACE = re.compile(r"@font-face\{[^}]*\}")
URL = re.compile(r"url\(([^)]+)\)")
SOURCE_MAP = re.compile(r"/\*# sourceMappingURL=[^*]*\*/\s*$|//# sourceMappingURL=\S+\s*$")


def fetch(version: str, workdir: Path) -> Path:
    """`npm pack` the release into workdir and return its unpacked dist/ folder."""
    subprocess.run(["npm", "pack", f"dkfds@{version}", "--silent"], cwd=workdir, check=True,
                   stdout=subprocess.DEVNULL)
    tarball = next(workdir.glob("dkfds-*.tgz"))
    with tarfile.open(tarball) as archive:
        archive.extractall(workdir, filter="data")
    return workdir / "package" / "dist"


def woff2_only(css: str) -> str:
    """Each @font-face keeps only its woff2 source."""
    def rewrite(match: re.Match) -> str:
        block = match.group(0)
        woff2 = [u for u in URL.findall(block) if u.strip("'\"").endswith(".woff2")]
        if not woff2:
            return block
        return re.sub(r"src:[^;}]*", f'src:url({woff2[0]}) format("woff2")', block)
    return FONT_FACE.sub(rewrite, css)


def vendor(dist: Path, version: str) -> list[Path]:
    if TARGET.exists():
        shutil.rmtree(TARGET)
    (TARGET / "css").mkdir(parents=True)
    (TARGET / "js").mkdir()
    css = woff2_only((dist / "css" / "dkfds.min.css").read_text(encoding="utf-8"))
    css = SOURCE_MAP.sub("", css)
    (TARGET / "css" / "dkfds.min.css").write_text(css, encoding="utf-8")
    js = SOURCE_MAP.sub("", (dist / "js" / "dkfds.min.js").read_text(encoding="utf-8"))
    (TARGET / "js" / "dkfds.min.js").write_text(js, encoding="utf-8")
    copied = [TARGET / "css" / "dkfds.min.css", TARGET / "js" / "dkfds.min.js"]
    # Every file the stylesheet names, relative to css/.
    for ref in sorted(set(URL.findall(css))):
        ref = ref.strip("'\"")
        if ref.startswith(("data:", "#", "http")):
            continue
        source = (dist / "css" / ref).resolve()
        target = (TARGET / "css" / ref).resolve()
        if not source.is_file():
            sys.exit(f"the stylesheet names {ref}, which the package does not contain")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        copied.append(target)
    extras = {
        dist / "img" / "all-svg-icons.svg": TARGET / "img" / "all-svg-icons.svg",
        dist / "LICENSE.md": TARGET / "LICENSE.md",
        dist / "fonts" / "IBMPlexSans" / "complete" / "woff2" / "license.txt":
            TARGET / "fonts" / "IBMPlexSans" / "LICENSE-OFL.txt",
    }
    for source, target in extras.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        copied.append(target)
    (TARGET / "VERSION").write_text(f"dkfds {version} (npm), copied by scripts/update_dkfds.py\n")
    return copied


def main() -> None:
    version = sys.argv[1] if len(sys.argv) > 1 else DKFDS_VERSION
    with tempfile.TemporaryDirectory() as tmp:
        files = vendor(fetch(version, Path(tmp)), version)
    size = sum(f.stat().st_size for f in files)
    print(f"dkfds {version}: {len(files)} files, {size / 1024:.0f} KiB in {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
