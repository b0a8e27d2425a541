"""`make mutants`: mutation testing of the code that moves money (docs/mutants.md).

mutmut copies the project into mutants/, changes one thing at a time in the targets below (a `<` for a `<=`, a
constant, a dropped argument...) and runs, for each such mutant, the tests among those named in pyproject.toml
([tool.mutmut]) that call the function it changed. A mutant some test notices is killed; one that every test lets
through has survived. This prints, per target, the kill rate and each survivor with its diff, and says which survivors
docs/mutants.md lists as equivalent (no test can tell them apart from the real code) and which are gaps to close.

    python .ci/mutants.py                  # a fresh run of every target (what `make mutants` does)
    python .ci/mutants.py 'grants.reads.position.*'   # run again only these mutants, keeping mutants/

It exits non-zero when a survivor is not listed as equivalent, or a listed one no longer exists.

What is adjusted for this project (none of it changes what a test asserts):
- mutmut leaves decorated functions alone. Our `@operation`s (the award and termination themselves) and the
  `@property` figures of the position are the code that matters most, and both decorators are safe to keep on the
  trampoline while the copies mutmut makes go undecorated, so those are mutated too.
- Every mutant runs in a new process. Migrating a test database there costs more than most tests, so the first
  process migrates one into mutants/var/ and every later one starts from a copy.
- A test's time, by which mutmut runs the quickest first and bounds a mutant's run, includes its setup.
- The small world most tests start from is built by each test itself, not once per module: mutmut picks a mutant's
  tests by the functions each test calls, and a world built before the module's first test would hide them.
- Hypothesis does not shrink a failing example (a mutant only needs to fail) and has no deadline (workers share the
  machine, and a slow mutant must not count as killed for being slow).
"""

from __future__ import annotations

import difflib
import functools
import json
import os
import re
import shutil
import sys
from fnmatch import fnmatch
from pathlib import Path

import libcst as cst
from mutmut.mutation import file_mutation

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENTS = ROOT / "docs" / "mutants.md"

# What each target is: the mutant names (module.function) it holds. The rate book is the part of the rates module that
# values money; the model's own bookkeeping (__str__, the held rates) is not in it.
TARGETS = {
    "alignment_fund/money.py": ["alignment_fund.money.*"],
    "grants/actions/awards.py": ["grants.actions.awards.*"],
    "grants/reads/attribution.py": ["grants.reads.attribution.*"],
    "alignment_fund/rates/models.py (QuotedRate, RateBook, quote)": [
        "alignment_fund.rates.models.xǁQuotedRateǁ*",
        "alignment_fund.rates.models.xǁRateBookǁ*",
        "alignment_fund.rates.models.xǁExchangeRateQuerySetǁquote__mutmut_*",
    ],
    "grants/reads/position.py": ["grants.reads.position.*"],
}
MUTABLE_DECORATORS = {"property", "operation"}
KILLED = {"killed", "caught by type check"}


# --- Decorated functions -----------------------------------------------------------------------------------------


def _mutable_decorated(node: cst.CSTNode) -> bool:
    return (
        isinstance(node, cst.FunctionDef)
        and bool(node.decorators)
        and all(isinstance(d.decorator, cst.Name) and d.decorator.value in MUTABLE_DECORATORS for d in node.decorators)
    )


_skip_node_and_children = file_mutation.MutationVisitor._skip_node_and_children
_arrange = file_mutation.function_trampoline_arrangement


def _skip_unless_mutable(self, node):
    return _skip_node_and_children(self, node.with_changes(decorators=[]) if _mutable_decorated(node) else node)


def _arrange_undecorated_copies(function, mutants, class_name):
    """The trampoline keeps the decorators; the original's copy and the mutants, which it calls, carry none."""
    if not _mutable_decorated(function):
        return _arrange(function, mutants, class_name)
    declarations, (trampoline, *copies), assignments, names = _arrange(
        function.with_changes(decorators=[]), mutants, class_name
    )
    trampoline = trampoline.with_changes(decorators=[*function.decorators, *trampoline.decorators])
    return declarations, [trampoline, *copies], assignments, names


file_mutation.MutationVisitor._skip_node_and_children = _skip_unless_mutable
file_mutation.function_trampoline_arrangement = _arrange_undecorated_copies


# --- One migrated test database, copied ------------------------------------------------------------------------


class MutantsPlugin:
    """Loaded into every pytest run mutmut starts (its working directory is mutants/)."""

    def __init__(self):
        self.copy: Path | None = None

    def pytest_configure(self, config):
        from django.db import connections
        from hypothesis import Phase, settings

        settings.register_profile("mutants", phases=[Phase.explicit, Phase.reuse, Phase.generate], deadline=None)
        settings.load_profile("mutants")

        connection = connections["default"]
        if connection.vendor != "sqlite":
            return
        template = Path("var/mutants-test-db.sqlite3").resolve()
        test_settings = connection.settings_dict.setdefault("TEST", {})
        if not template.exists():
            from pytest_django.plugin import blocking_manager_key

            test_settings["NAME"] = str(template)
            name = connection.settings_dict["NAME"]
            with config.stash[blocking_manager_key].unblock():
                connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=False)
                connection.creation.destroy_test_db(name, verbosity=0, keepdb=True)
        self.copy = template.with_name(f"mutants-test-db-{os.getpid()}.sqlite3")
        shutil.copyfile(template, self.copy)
        test_settings["NAME"] = str(self.copy)
        config.option.reuse_db = True

    def pytest_runtest_makereport(self, item, call):
        """mutmut times a test by its call alone, to run the quickest first and to bound a mutant's run; here the
        setup (the test database, the world fixture) is most of it, so count that too."""
        from mutmut.mutation.trampoline import get_mutant_under_test
        from mutmut.state import state

        if call.when == "setup" and get_mutant_under_test() == "stats":
            state().duration_by_test[item.nodeid] += call.duration

    def pytest_unconfigure(self, config):
        if self.copy is not None:
            for path in (self.copy, Path(f"{self.copy}-wal"), Path(f"{self.copy}-shm")):
                path.unlink(missing_ok=True)
            self.copy = None


def _load_plugin():
    from mutmut.runners.harness import PytestRunner

    execute_pytest = PytestRunner.execute_pytest

    def with_plugin(self, params, **kwargs):
        kwargs["plugins"] = [*kwargs.get("plugins", []), MutantsPlugin()]
        return execute_pytest(self, params, **kwargs)

    PytestRunner.execute_pytest = with_plugin


# --- The report ----------------------------------------------------------------------------------------------------


def function_of(mutant: str) -> str:
    """'grants.reads.position.xǁRoundPositionǁheadroom_gbp__mutmut_3' -> 'RoundPosition.headroom_gbp'."""
    name = mutant.rpartition(".")[2].rpartition("__mutmut_")[0]
    return name.removeprefix("x_").replace("xǁ", "").replace("ǁ", ".")


def changed_lines(diff: str) -> str:
    """What the mutant says instead: its new lines, or the lines it drops."""
    added = [line[1:].strip() for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    if added:
        return " / ".join(added)
    return "drops " + " / ".join(
        line[1:].strip() for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")
    )


# "- `function`: `the mutated line` — why no test can tell it from the original"
_LISTED = re.compile(r"^- `(?P<function>[\w.]+)`: `(?P<line>.+)` — (?P<why>.+)$")


def listed_equivalents() -> set[tuple[str, str]]:
    if not EQUIVALENTS.exists():
        return set()
    return {(m["function"], m["line"]) for m in map(_LISTED.match, EQUIVALENTS.read_text().splitlines()) if m}


def report() -> int:
    from mutmut.__main__ import status_by_exit_code

    os.chdir(ROOT)
    exit_codes = {}
    for meta in Path("mutants").rglob("*.py.meta"):
        exit_codes.update(json.loads(meta.read_text())["exit_code_by_key"])
    equivalents = listed_equivalents()
    seen_equivalents = set()
    rows, gaps = [], 0
    for target, patterns in TARGETS.items():
        mutants = sorted(name for name in exit_codes if any(fnmatch(name, p) for p in patterns))
        statuses = {name: status_by_exit_code[exit_codes[name]] for name in mutants}
        killed = sum(status in KILLED for status in statuses.values())
        survivors = [name for name in mutants if statuses[name] not in KILLED | {"not checked"}]
        equivalent = 0
        print(f"\n{target}")
        for name in survivors:
            diff = diff_of(name)
            key = (function_of(name), changed_lines(diff))
            if key in equivalents:
                equivalent += 1
                seen_equivalents.add(key)
                print(f"  equivalent  {name}: {key[1]}")
                continue
            gaps += 1
            print(f"  {statuses[name].upper()}  {name}")
            print(
                "\n".join(
                    "      " + line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("---", "+++")
                )
            )
        rate = killed / (len(mutants) - equivalent) if len(mutants) > equivalent else 1.0
        rows.append((target, len(mutants), killed, len(survivors), equivalent, rate))
    print("\n| Target | Mutants | Killed | Survived | Equivalent | Kill rate |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for target, count, killed, survived, equivalent, rate in rows:
        print(f"| {target} | {count} | {killed} | {survived} | {equivalent} | {rate:.1%} |")
    print("\nKill rate: killed / (mutants - equivalent). A timeout is a survivor here until someone looks at it.")
    stale = equivalents - seen_equivalents
    for function, line in sorted(stale):
        print(
            f"docs/mutants.md lists an equivalent mutant that did not survive or no longer exists: {function}: {line}"
        )
    if gaps:
        print(f"{gaps} survivor(s) not listed as equivalent in docs/mutants.md: a test is missing, or add it there.")
    return 1 if gaps or stale else 0


@functools.cache
def _mutated_module(path: str) -> cst.Module:
    return cst.parse_module((Path("mutants") / path).read_text())


def diff_of(mutant: str) -> str:
    """The mutant against the original, read from the mutated module itself (mutmut's index of where each copy lies
    does not allow for the decorators kept on a trampoline)."""
    from mutmut.mutation.diff_apply import read_mutant_function, read_original_function

    path = mutant.rpartition(".")[0].replace(".", "/") + ".py"
    module = _mutated_module(path)
    original, mutated = (
        cst.Module([function]).code.strip().splitlines()
        for function in (read_original_function(module, mutant), read_mutant_function(module, mutant))
    )
    return "\n".join(difflib.unified_diff(original, mutated, fromfile=path, tofile=path, lineterm=""))


def main(argv: list[str]) -> int:
    from mutmut.__main__ import cli

    os.chdir(ROOT)
    names = argv or [pattern for patterns in TARGETS.values() for pattern in patterns]
    if not argv:
        shutil.rmtree("mutants", ignore_errors=True)
    _load_plugin()
    # Each test builds its own world (tests/conftest.py), so that the operations building it count as called by it.
    os.environ["WORLD_PER_TEST"] = "1"
    workers = os.environ.get("MUTANTS_WORKERS", "2")
    try:
        cli.main(["run", "--max-children", workers, *names], prog_name="mutmut", standalone_mode=False)
    except SystemExit as exc:
        if exc.code:
            return int(exc.code)
    return report()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
