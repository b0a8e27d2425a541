"""The layout the README describes holds: one job per module, each readable in a minute. (The import contracts, the
other half, run in `make lint` with import-linter.)"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("alignment_fund", "projects", "funders", "grants")
LONGEST = 400


def test_no_module_is_longer_than_about_four_hundred_lines():
    long = {
        str(path.relative_to(ROOT)): lines
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts and (lines := len(path.read_text().splitlines())) > LONGEST
    }
    assert long == {}


def test_the_readme_names_every_package_of_grants():
    readme = (ROOT / "README.md").read_text()
    conventional = {"migrations", "management"}  # where Django looks for them
    packages = sorted(
        p.name for p in (ROOT / "grants").iterdir() if (p / "__init__.py").exists() and p.name not in conventional
    )
    assert [name for name in packages if f"grants/{name}/" not in readme] == []
