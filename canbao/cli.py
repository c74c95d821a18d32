"""`canbao`: the command-line interface scripts and people use.

    canbao generate --persons N --seed S --periods 2015-01:2015-03 --out DIR
    canbao run --landing DIR --home DIR [--periods A:B]
    canbao simulate-field --home DIR --truth DIR --landing DIR --period P
    canbao demo   (generate → run → field work, period by period: what `make run` does)
    canbao train  (retrain the linkage model explicitly)

Failures end with a non-zero exit and a one-line reason on stderr, never a traceback (set CANBAO_DEBUG=1 for one).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
import warnings
from pathlib import Path

from orchestration.partitions import period_range
from orchestration.settings import Settings


class CliError(Exception):
    """A user-facing failure: printed as one line."""


def _periods(spec: str) -> list[str]:
    try:
        return period_range(spec)
    except ValueError as exc:
        raise CliError(f"bad --periods {spec!r}: expected YYYY-MM or YYYY-MM:YYYY-MM ({exc})") from None


def _settings(home: Path, landing: Path, truth: Path | None = None) -> Settings:
    base = Settings.from_env()
    truth = truth or (landing.parent / "truth" if (landing.parent / "truth").is_dir() else None)
    return Settings(
        home=home.resolve(),
        landing=landing.resolve(),
        truth=truth.resolve() if truth else None,
        memory_limit=base.memory_limit,
        threads=base.threads,
        linkage_backend=base.linkage_backend,
        spark_master=base.spark_master,
    )


def cmd_generate(args: argparse.Namespace) -> None:
    from synthetic.generate import NoiseConfig, generate_city

    noise = NoiseConfig.from_file(Path(args.noise)) if args.noise else None
    out = Path(args.out).resolve()
    started = time.perf_counter()
    generate_city(out, args.persons, args.seed, _periods(args.periods), noise=noise, progress=_say)
    print(f"generated {args.persons} persons, periods {args.periods} in {time.perf_counter() - started:.1f}s")
    print(f"  landing: {out / 'landing'}\n  truth:   {out / 'truth'}")


def _landing_periods(landing: Path) -> list[str]:
    found: set[str] = set()
    for source in landing.iterdir():
        if source.is_dir():
            found.update(p.name for p in source.iterdir() if p.is_dir() and len(p.name) == 7)
    return sorted(found)


def cmd_run(args: argparse.Namespace) -> None:
    landing = Path(args.landing)
    if not landing.is_dir():
        raise CliError(f"landing folder {landing} does not exist")
    settings = _settings(Path(args.home), landing, Path(args.truth) if args.truth else None)
    periods = _periods(args.periods) if args.periods else _landing_periods(landing)
    if not periods:
        raise CliError(f"no delivery periods found under {landing}")
    _run(settings, periods)


def _run_checked(settings: Settings, periods: list[str]) -> None:
    """Run the periods in order; the first failing one ends the command with its one-line reasons."""
    from canbao.pipeline import run_periods

    for outcome in run_periods(settings, periods):
        if not outcome.success:
            reasons = "; ".join(outcome.failures[:3]) or "see the Dagster UI (make ui) for the run's log"
            raise CliError(f"period {outcome.period} failed: {reasons} (output: {outcome.log})")
        print(f"period {outcome.period}: done in {outcome.seconds:.1f}s")


def _run(settings: Settings, periods: list[str]) -> None:
    _run_checked(settings, periods)
    _print_outputs(settings)


def _print_outputs(settings: Settings) -> None:
    print("outputs:")
    print(f"  warehouse (DuckDB): {settings.warehouse}")
    print(f"  reports:            {settings.reports}")
    for rel in ("index.html", "data_docs/index.html", "dbt_docs/index.html", "linkage"):
        if (settings.reports / rel).exists():
            print(f"    {settings.reports / rel}")


def cmd_simulate_field(args: argparse.Namespace) -> None:
    from synthetic.field import simulate_field

    simulate_field(
        home=Path(args.home).resolve(),
        truth=Path(args.truth).resolve(),
        landing=Path(args.landing).resolve(),
        period=args.period,
        seed=args.seed,
    )
    print(f"field work and audits for {args.period} written to {args.landing}")


def cmd_demo(args: argparse.Namespace) -> None:
    """Generate the default city once (cached by its parameters), then run period by period with the
    simulated field work between periods."""
    data = Path(args.data).resolve()
    periods = _periods(args.periods)
    config = data / "truth" / "config.json"
    wanted = {"persons": args.persons, "seed": args.seed, "periods": periods}
    cached = config.exists() and all(json.loads(config.read_text()).get(k) == v for k, v in wanted.items())
    if cached:
        print(f"synthetic city already generated in {data} (same persons/seed/periods)")
    else:
        ns = argparse.Namespace(
            persons=args.persons, seed=args.seed, periods=args.periods, out=str(data), noise=None
        )
        cmd_generate(ns)
    settings = _settings(Path(args.home), data / "landing", data / "truth")
    try:
        from synthetic.field import simulate_field
    except ImportError:
        simulate_field = None
    for i, period in enumerate(periods):
        _run_checked(settings, [period])
        if simulate_field is not None and i + 1 < len(periods):
            simulate_field(home=settings.home, truth=data / "truth", landing=data / "landing", period=period)
            print(f"period {period}: field work and audit verdicts simulated")
    _print_outputs(settings)


def cmd_train(args: argparse.Namespace) -> None:
    from linkage import LinkageConfig, train_model

    settings = _settings(Path(args.home), Path(args.landing))
    out = Path(args.out).resolve()
    train_model(settings.warehouse, args.period, LinkageConfig(), out)
    print(f"model trained on {args.period}, saved to {out}")


def _say(msg: str) -> None:
    print(f"  {msg}", flush=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="canbao", description="canbao (参保): social insurance registration platform"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    g = sub.add_parser(
        "generate", help="write a synthetic city's deliveries (landing/) and ground truth (truth/)"
    )
    g.add_argument("--persons", type=int, default=50_000)
    g.add_argument("--seed", type=int, default=20150101)
    g.add_argument("--periods", default="2015-01:2015-03", help="YYYY-MM or YYYY-MM:YYYY-MM")
    g.add_argument("--out", required=True, help="output folder (gets landing/ and truth/)")
    g.add_argument("--noise", help="JSON/YAML file overriding the error rates")
    g.set_defaults(func=cmd_generate)

    r = sub.add_parser("run", help="run the monthly pipeline in-process for each period, in order")
    r.add_argument("--landing", required=True, help="landing folder: <source>/<YYYY-MM>/files")
    r.add_argument("--home", required=True, help="platform home: warehouse.duckdb, reports/, dagster/")
    r.add_argument("--periods", help="YYYY-MM or YYYY-MM:YYYY-MM (default: every period found in landing)")
    r.add_argument(
        "--truth", help="ground-truth folder, for evaluation only (default: <landing>/../truth if present)"
    )
    r.set_defaults(func=cmd_run)

    f = sub.add_parser(
        "simulate-field", help="answer the published worklists and audit samples from the truth"
    )
    f.add_argument("--home", required=True)
    f.add_argument("--truth", required=True)
    f.add_argument("--landing", required=True)
    f.add_argument("--period", required=True, help="the period whose worklists/samples are answered")
    f.add_argument("--seed", type=int, default=7)
    f.set_defaults(func=cmd_simulate_field)

    d = sub.add_parser("demo", help="generate the default city and run it with field work (make run)")
    d.add_argument("--persons", type=int, default=50_000)
    d.add_argument("--seed", type=int, default=20150101)
    d.add_argument("--periods", default="2015-01:2015-03")
    d.add_argument("--data", default="data/default")
    d.add_argument("--home", default="data/default/home")
    d.set_defaults(func=cmd_demo)

    t = sub.add_parser(
        "train", help="retrain the linkage model on a period already staged (explicit, not scheduled)"
    )
    t.add_argument("--home", required=True)
    t.add_argument("--landing", required=True)
    t.add_argument("--period", required=True)
    t.add_argument(
        "--out",
        default=str(Path(__file__).resolve().parent.parent / "linkage" / "models" / "person_model.json"),
    )
    t.set_defaults(func=cmd_train)
    return parser


# Known and accepted at definition time (docs/operations.md): partitioned asset checks are a Dagster preview, and
# the job mixes dbt's and Python assets' backfill policies. Said once per import, they would open every run.
KNOWN_WARNINGS = (
    "Specifying a partitions_def on an AssetCheckSpec",
    "Asset job monthly_pipeline materializes assets with varying BackfillPolicies",
)


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    for message in KNOWN_WARNINGS:
        warnings.filterwarnings("ignore", message=message)
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except CliError as exc:
        print(f"canbao: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        print("canbao: interrupted", file=sys.stderr)
        raise SystemExit(130) from None
    except Exception as exc:  # noqa: BLE001 - the CLI's promise: one line, not a traceback
        if os.environ.get("CANBAO_DEBUG"):
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"canbao: {type(exc).__name__}: {first}", file=sys.stderr)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
