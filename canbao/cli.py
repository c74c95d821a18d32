"""The `canbao` command (filled in by the integration work)."""


def main() -> None:
    raise SystemExit("canbao: not implemented yet")
