"""Root pytest configuration: what nbval compares when it re-executes the chapters."""


def pytest_collectstart(collector):
    # Progress bars (tqdm) and warnings go to stderr and vary from run to run; compare stdout and results only.
    if collector.fspath and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("stderr", "application/javascript", "application/vnd.jupyter.widget-view+json")
