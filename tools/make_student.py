#!/usr/bin/env python
"""Write student notebooks (``make student``): solutions stubbed, outputs cleared, all of it zipped.

Usage: ``python tools/make_student.py --out _build/student [--zip PATH] [--book book]``

For every chapter ``book/ch*.ipynb`` a copy goes to ``--out`` with

- every output and execution count cleared;
- every code cell tagged ``solution`` replaced by a stub (see :func:`stub_solution`): each top-level
  function keeps its ``def`` line(s) and docstring and gets the body
  ``raise NotImplementedError("Exercise: write this function")``; other top-level code becomes
  ``# YOUR CODE HERE``. The stub loses the ``hide-input`` tag so that it is visible;
- every markdown cell tagged ``solution`` (a written answer) replaced by a prompt.

Beside the notebooks go ``README.md`` (how to use them), ``requirements.txt``, a copy of ``lecturelib``
(the checks import it) and ``images/``. Everything is zipped, deterministically, into
``--zip`` (default ``<out>/../student_download/student-notebooks.zip``), which the HTML book serves at its
root (``html_extra_path`` in ``_config.yml``). Only ``nbformat`` is needed.
"""

from __future__ import annotations

import argparse
import ast
import io
import pathlib
import re
import shutil
import sys
import tokenize
import zipfile

import nbformat

ROOT = pathlib.Path(__file__).resolve().parent.parent
STUB_BODY = 'raise NotImplementedError("Exercise: write this function")'
YOUR_CODE = "# YOUR CODE HERE"
MARKDOWN_PROMPT = "*Write your answer here.*"
ZIP_NAME = "student-notebooks.zip"
ZIP_TOP = "student-notebooks"
MARKER = ".student-notebooks"  # marks an output folder this tool may wipe and rewrite
_MAGIC = re.compile(r"^(\s*)[%!].*$")
_ZIP_DATE = (2024, 1, 1, 0, 0, 0)


# --------------------------------------------------------------------------------------------- stubbing
def _header_end(lines: list[str], node: ast.AST) -> tuple[int, int]:
    """(line, col) just after the ``:`` that ends a ``def``/``class`` header (1-based line, 0-based col)."""
    first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
    last = node.body[0].lineno
    text = "\n".join(lines[first - 1 : last]) + "\n"
    depth = 0
    seen_keyword = False
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.NAME and tok.string in ("def", "class") and depth == 0:
            seen_keyword = True
        elif tok.type == tokenize.OP:
            if tok.string in "([{":
                depth += 1
            elif tok.string in ")]}":
                depth -= 1
            elif tok.string == ":" and depth == 0 and seen_keyword:
                return first - 1 + tok.end[0], tok.end[1]
    raise ValueError(f"cannot find the end of the header of {getattr(node, 'name', node)!r}")


def _docstring_node(node: ast.AST) -> ast.Expr | None:
    body = getattr(node, "body", [])
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        return body[0]
    return None


def _body_indent(lines: list[str], node: ast.AST, header_line: int) -> str:
    first = node.body[0]
    if first.lineno > header_line:
        line = lines[first.lineno - 1]
        return line[: len(line) - len(line.lstrip())]
    own = lines[node.lineno - 1]
    return own[: len(own) - len(own.lstrip())] + "    "


def _stub_definition(lines: list[str], node: ast.AST) -> list[str]:
    """Header (decorators, signature) + docstring + stub body of one function or class."""
    first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
    end_line, end_col = _header_end(lines, node)
    header = lines[first - 1 : end_line]
    header[-1] = header[-1][:end_col]
    out = list(header)
    indent = _body_indent(lines, node, end_line)
    doc = _docstring_node(node)
    if doc is not None:
        if doc.lineno > end_line:
            out.extend(lines[doc.lineno - 1 : doc.end_lineno])
        else:  # ``def f(): """doc"""`` on one line
            out.append(indent + lines[doc.lineno - 1][doc.col_offset : doc.end_col_offset])
    if isinstance(node, ast.ClassDef):
        methods = [n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        others = [n for n in node.body if n is not doc and n not in methods]
        if others:
            out.append(indent + YOUR_CODE)
        for method in methods:
            out.append("")
            out.extend(_stub_definition(lines, method))
        if not methods and not others and doc is None:
            out.append(indent + "pass")
    else:
        out.append(indent + STUB_BODY)
    return out


def stub_solution(source: str) -> str:
    """Replace a solution cell's source by the stub a student completes.

    Every top-level function keeps its decorators, signature (however many lines) and docstring; its body
    becomes ``raise NotImplementedError("Exercise: write this function")``. A top-level class keeps its
    header and docstring and each method is stubbed the same way. Any other top-level code (assignments,
    calls, imports, comments) becomes one ``# YOUR CODE HERE`` line per run of such statements. IPython
    magics (``%…``, ``!…``) count as other code.
    """
    raw_lines = source.splitlines()
    # Magics are not Python: parse them as ``pass`` (same indentation), they become ``# YOUR CODE HERE``.
    lines = [_MAGIC.sub(r"\1pass", line) for line in raw_lines]
    tree = ast.parse("\n".join(lines) + "\n")
    blocks: list[list[str]] = []
    pending_code = False
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if pending_code:
                blocks.append([YOUR_CODE])
                pending_code = False
            blocks.append(_stub_definition(lines, node))
        else:
            pending_code = True
    if pending_code or not blocks:
        blocks.append([YOUR_CODE])
    separator = "\n\n\n" if any(len(b) > 1 for b in blocks) else "\n\n"
    return separator.join("\n".join(block) for block in blocks)


# ------------------------------------------------------------------------------------------- notebooks
def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def student_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return a student copy of a chapter: outputs cleared, solutions stubbed."""
    nb = nbformat.from_dict(nb)  # deep copy
    for cell in nb.cells:
        tags = _tags(cell)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            if "solution" in tags:
                cell.source = stub_solution(cell.source)
                cell.metadata["tags"] = [t for t in tags if t != "hide-input"]
        elif cell.cell_type == "markdown" and "solution" in tags:
            cell.source = MARKDOWN_PROMPT
        for key in ("execution", "collapsed", "scrolled"):
            cell.metadata.pop(key, None)
    nb.metadata.pop("widgets", None)
    return nb


README = """\
# Student notebooks — Deep Learning, Executable

These are the chapters of the book *Deep Learning, Executable: from the Perceptron to ResNet* with every
output cleared and every exercise solution replaced by a stub:

```python
def relu_backward(du, u):
    \"\"\"...the docstring says what to compute...\"\"\"
    raise NotImplementedError("Exercise: write this function")
```

## Install (once)

You need Python 3.10 or newer. In this folder:

```bash
python -m venv .venv
source .venv/bin/activate            # Windows: .venv\\Scripts\\activate
python -m pip install -r requirements.txt
```

`requirements.txt` holds everything the notebooks import (NumPy, PyTorch, Matplotlib, tqdm) and JupyterLab.
`lecturelib/` — the course's library, with the exercise checks in `lecturelib/checks/` — is included here, so
`import lecturelib` works when you start Jupyter in this folder. PyTorch's default wheel may be large; for a
CPU-only install, first run `python -m pip install torch --index-url https://download.pytorch.org/whl/cpu`.

## Data

The chapters that train on images use Fashion-MNIST (four files, 30 MB), through `lecturelib.data`. It looks,
in order, in the folder named by the environment variable `LECTURELIB_DATA`, in
`/usr/share/datasets/fashion-mnist/` (Debian/Ubuntu: `sudo apt-get install dataset-fashion-mnist`), and in
`~/.cache/lecturelib/`; only if none has the files does it download them once into that cache, checking
their published MD5 sums. Photographs come with Matplotlib; nothing else is downloaded.

## Run one chapter

```bash
jupyter lab ch02_single_neuron.ipynb
```

and choose *Run → Run All Cells*. Each chapter runs in a few minutes on a laptop; training cells show a
live progress bar and print one line per epoch.

## Work through the exercises

1. At each exercise, replace `raise NotImplementedError(...)` (and every `# YOUR CODE HERE`) with your code.
   Keep the function's name and signature: the next cell passes your function to a check.
2. Run the check cell below it. It tests your function on inputs it generates, against the course's
   reference implementation. It prints `✔ ...` when your code is right, or raises an `AssertionError` that
   says what is wrong (the shape, or the first element that differs, with the expected value).
3. An exercise you skip makes only its own check (and cells that use your function) fail; the rest of the
   chapter still runs. Change anything else too — the chapters are meant to be experimented with.

The solutions are in the HTML book, collapsed under each exercise. Try first.

## Contents

{contents}
"""


#: What a student needs besides lecturelib's own dependencies: somewhere to run the notebooks.
STUDENT_EXTRAS = ("jupyterlab",)


def _requirements() -> str:
    """lecturelib's dependencies and its ``chapters`` extra (``pyproject.toml``) and JupyterLab: all that the
    notebooks import."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python < 3.11
        return "numpy\ntorch\nmatplotlib\ntqdm\njupyterlab\n"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    chapters = project.get("optional-dependencies", {}).get("chapters", [])
    return "\n".join([*project.get("dependencies", []), *chapters, *STUDENT_EXTRAS]) + "\n"


def _copy_tree(src: pathlib.Path, dst: pathlib.Path, suffixes: tuple[str, ...] | None = None) -> None:
    for path in sorted(src.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or path.name.startswith("."):
            continue
        if suffixes and path.suffix not in suffixes:
            continue
        target = dst / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)


def _prepare_out(out: pathlib.Path) -> None:
    if out.exists():
        if any(out.iterdir()) and not (out / MARKER).exists():
            raise SystemExit(f"refusing to overwrite {out}: it is not empty and was not written by this tool")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / MARKER).write_text("written by tools/make_student.py; wiped on every run\n", encoding="utf-8")


def _write_zip(out: pathlib.Path, zip_path: pathlib.Path) -> None:
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = zip_path.with_suffix(".zip.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(p for p in out.rglob("*") if p.is_file() and p.name != MARKER):
            info = zipfile.ZipInfo(f"{ZIP_TOP}/{path.relative_to(out).as_posix()}", date_time=_ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
    tmp.replace(zip_path)


def make_student(book: pathlib.Path, out: pathlib.Path, zip_path: pathlib.Path,
                 library: pathlib.Path | None = None) -> list[pathlib.Path]:
    """Write the student copies of ``book/ch*.ipynb`` into ``out`` and zip them; return the notebooks."""
    chapters = sorted(book.glob("ch*.ipynb"))
    _prepare_out(out)
    written = []
    for path in chapters:
        nb = nbformat.read(path, as_version=4)
        target = out / path.name
        nbformat.write(student_notebook(nb), target)
        written.append(target)
    if (book / "images").is_dir():
        _copy_tree(book / "images", out / "images")
    library = ROOT / "lecturelib" if library is None else library
    if library.is_dir():
        _copy_tree(library, out / "lecturelib", suffixes=(".py", ".npz", ".json"))
    (out / "requirements.txt").write_text(_requirements(), encoding="utf-8")
    contents = "\n".join(f"- `{p.name}`" for p in written) or "- (no chapters yet)"
    (out / "README.md").write_text(README.format(contents=contents), encoding="utf-8")
    _write_zip(out, zip_path)
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "_build" / "student",
                        help="folder for the student notebooks (default: _build/student)")
    parser.add_argument("--zip", type=pathlib.Path, default=None,
                        help=f"zip to write (default: <out>/../student_download/{ZIP_NAME})")
    parser.add_argument("--book", type=pathlib.Path, default=ROOT / "book", help="folder of ch*.ipynb")
    args = parser.parse_args(argv)
    zip_path = args.zip or args.out.parent / "student_download" / ZIP_NAME
    written = make_student(args.book, args.out, zip_path)
    print(f"{len(written)} student notebook(s) in {args.out}; zip: {zip_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
