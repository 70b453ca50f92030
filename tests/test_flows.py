"""Tests of routes.io.flows: the shipped flows and shares tables, their loaders, and the build."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from shared import SHARED, needs_shared

from routes.errors import DataError
from routes.io import flows as fl
from tools import flows as fb

RAW = SHARED / "flows" / "flows.csv"
needs_raw = needs_shared("flows", "flows.csv")

GOOD = (
    "series,direction,month,persons,method,source\n"
    "toy,north,2024-01,10,observed,test\n"
    "toy,north,2024-02,0,closed,test\n"
    "toy,south,2024-02,2.5,estimate,test\n"
)


@pytest.fixture(scope="module")
def flows() -> pd.DataFrame:
    return fl.load_flows()


@pytest.fixture(scope="module")
def shares() -> pd.DataFrame:
    return fl.load_shares()


def _write(tmp_path: Path, text: str, name: str = "flows.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# ------------------------------------------------------------------------------------------ shipped flows table
def test_schema_and_types(flows: pd.DataFrame) -> None:
    assert tuple(flows.columns) == fl.FLOWS_COLUMNS
    assert flows["persons"].dtype == float
    assert set(flows["direction"]) <= set(fl.DIRECTIONS)
    assert set(flows["method"]) <= fl.METHODS
    assert flows["month"].str.fullmatch(r"\d{4}-\d{2}").all()


def test_required_series_present(flows: pd.DataFrame) -> None:
    pairs = set(zip(flows["series"], flows["direction"], strict=True))
    assert {("darien", "north"), ("honduras-entries", "north"), ("reverse-panama", "south"), ("honduras-dtm", "south"),
            ("costa-rica-dtm", "south"), ("costa-rica-dtm", "north"), ("mexico-upm", "north")} <= pairs
    assert fl.series_names(flows) == sorted(set(flows["series"]))


def test_no_duplicates_nonnegative_contiguous(flows: pd.DataFrame) -> None:
    assert not flows.duplicated(["series", "direction", "month"]).any()
    assert (flows["persons"] >= 0).all()
    for (s, d), _ in flows.groupby(["series", "direction"]):
        idx = fl.monthly(flows, s, d).index
        assert len(idx) == (idx[-1] - idx[0]).n + 1, (s, d)


@pytest.mark.parametrize(("year", "total"), [(2019, 22_102), (2020, 6_465), (2021, 133_726), (2022, 248_284),
                                             (2023, 520_085), (2024, 302_203), (2025, 3_091)])
def test_darien_years_equal_published(flows: pd.DataFrame, year: int, total: int) -> None:
    s = fl.monthly(flows, "darien", "north", start=f"{year}-01", end=f"{year}-12")
    assert len(s) == 12
    assert s.sum() == pytest.approx(total, abs=0.05)


def test_darien_covid_closure_and_methods(flows: pd.DataFrame) -> None:
    d = flows[flows.series == "darien"].set_index("month")
    assert d.loc[["2020-04", "2020-05", "2020-07"], "method"].eq("closed").all()
    assert d.loc[["2020-04", "2020-05", "2020-07"], "persons"].eq(0).all()
    assert d.loc["2020-06", "persons"] == 182
    assert d.loc["2015-03", "method"] == "annual-spread"
    assert d.loc["2025-04", "method"] == "observed" and d.loc["2025-05", "method"] == "estimate"
    assert "3,091" in d.loc["2025-05", "source"]


@pytest.mark.parametrize(("series", "direction", "start", "end", "total"), [
    ("reverse-panama", "south", "2025-01", "2025-12", 22_833),
    ("honduras-entries", "north", "2025-01", "2025-12", 39_087),
    ("honduras-entries", "north", "2023-01", "2023-12", 545_043),
    ("honduras-dtm", "south", "2025-01", "2025-07", 18_291),
    ("costa-rica-dtm", "south", "2025-01", "2025-06", 12_912),
    ("costa-rica-dtm", "north", "2025-01", "2025-06", 3_612),
    ("mexico-upm", "north", "2025-01", "2025-12", 155_730),
])
def test_period_totals_equal_published(flows: pd.DataFrame, series: str, direction: str, start: str, end: str,
                                       total: int) -> None:
    assert fl.monthly(flows, series, direction, start=start, end=end).sum() == pytest.approx(total, abs=0.05)


def test_reverse_flow_published_months_kept(flows: pd.DataFrame) -> None:
    s = fl.monthly(flows, "reverse-panama", "south")
    assert str(s.index[0]) == "2024-11" and str(s.index[-1]) == "2026-01"
    assert s[pd.Period("2025-03", "M")] == 2804 and s[pd.Period("2025-04", "M")] == 2319
    assert s["2025-01":"2025-04"].sum() == 7757  # the published cumulative to ~1 May
    assert s["2024-11":"2024-12"].sum() == pytest.approx(12_308 - 11_810)
    assert 3013 not in s.to_numpy()  # the IOM April figure is a documented alternative, never summed
    apr = fl.load_flows().query("series == 'reverse-panama' and month == '2025-04'")["source"].item()
    assert "3,013" in apr and "alternative" in apr


def test_mexico_is_events_not_persons(flows: pd.DataFrame) -> None:
    assert set(flows.loc[flows.series == "mexico-upm", "method"]) <= {"events", "events-estimate"}
    assert not flows.loc[flows.series != "mexico-upm", "method"].str.startswith("events").any()


def test_monthly_bounds_and_index(flows: pd.DataFrame) -> None:
    s = fl.monthly(flows, "darien", "north", start=pd.Period("2023-07", "M"), end="2023-08")
    assert isinstance(s.index, pd.PeriodIndex) and s.index.freqstr.startswith("M")
    assert s.tolist() == [55_387.0, 81_946.0]
    assert fl.monthly(flows, "darien", "north", start="2030-01").empty


def test_monthly_unknown_series_suggests(flows: pd.DataFrame) -> None:
    with pytest.raises(DataError, match=r"no series 'darian'.*did you mean 'darien'"):
        fl.monthly(flows, "darian", "north")
    with pytest.raises(DataError, match="direction 'south'"):
        fl.monthly(flows, "darien", "south")
    with pytest.raises(DataError, match=r"start='2023-13'"):
        fl.monthly(flows, "darien", "north", start="2023-13")


def test_yearly_totals_match_monthly(flows: pd.DataFrame) -> None:
    t = fl.yearly_totals(flows)
    assert t["persons"].sum() == pytest.approx(flows["persons"].sum(), abs=1)
    assert t.loc[(t.series == "darien") & (t.year == 2023), "persons"].item() == 520_085


def test_loader_does_not_mutate_and_roundtrips(tmp_path: Path, flows: pd.DataFrame) -> None:
    before = flows.copy()
    p = tmp_path / "flows.csv"
    flows.to_csv(p, index=False)
    pd.testing.assert_frame_equal(fl.load_flows(p), before)
    pd.testing.assert_frame_equal(flows, before)


# --------------------------------------------------------------------------------------------------- bad input
def test_validate_typed_frame_roundtrip(flows: pd.DataFrame) -> None:
    before = flows.copy()
    pd.testing.assert_frame_equal(fl.validate_flows(flows.astype(str)), before)
    pd.testing.assert_frame_equal(flows, before)
    with pytest.raises(DataError, match=r"(?s)my table: 1 problem.*row 1 \(line 2\) column 'persons'"):
        fl.validate_flows(flows.head(1).astype(str).assign(persons="-1"), name="my table")


def test_good_minimal_file(tmp_path: Path) -> None:
    f = fl.load_flows(_write(tmp_path, GOOD))
    assert f["persons"].tolist() == [10.0, 0.0, 2.5]


@pytest.mark.parametrize(("bad", "pattern"), [
    ("toy,north,2024-03,-5,observed,test", r"row 4 \(line 5\) column 'persons'.*got '-5'"),
    ("toy,north,2024-03,many,observed,test", r"row 4 \(line 5\) column 'persons'.*got 'many'"),
    ("toy,north,2024-03,,observed,test", r"column 'persons'.*got ''"),
    ("toy,north,2024-03,nan,observed,test", r"column 'persons'.*got 'nan'"),
    ("toy,up,2024-03,1,observed,test", r"column 'direction': expected one of \['north', 'south'\], got 'up'"),
    ("toy,north,2024-3,1,observed,test", r"column 'month': expected a month 'YYYY-MM', got '2024-3'"),
    ("toy,north,2024-03,1,guess,test", r"column 'method'.*got 'guess'"),
    ("Toy Series,north,2024-03,1,observed,test", r"column 'series'.*slug.*got 'Toy Series'"),
    ("toy,north,2024-03,1,observed,", r"column 'source': expected a citation.*got ''"),
    ("toy,north,2024-02,7,observed,alternative", r"duplicate \('toy', 'north', '2024-02'\)"),
    ("toy,north,2024-05,1,observed,test", r"not contiguous, missing \['2024-03', '2024-04'\]"),
])
def test_bad_rows_name_file_row_column(tmp_path: Path, bad: str, pattern: str) -> None:
    p = _write(tmp_path, GOOD + bad + "\n")
    with pytest.raises(DataError, match=pattern) as exc:
        fl.load_flows(p)
    assert str(p) in str(exc.value) and "rebuild" in str(exc.value)


def test_all_problems_reported_at_once(tmp_path: Path) -> None:
    p = _write(tmp_path, GOOD + "toy,north,2024-03,-1,observed,x\ntoy,sideways,2024-03,1,observed,x\n")
    with pytest.raises(DataError) as exc:
        fl.load_flows(p)
    assert len(exc.value.problems) == 2


def test_missing_column_named(tmp_path: Path) -> None:
    p = _write(tmp_path, "series,direction,month,method,source\ntoy,north,2024-01,observed,x\n")
    with pytest.raises(DataError, match=r"missing required column\(s\) \['persons'\].*header must be"):
        fl.load_flows(p)


def test_empty_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not a readable CSV"):
        fl.load_flows(_write(tmp_path, ""))
    b = tmp_path / "flows.xlsx"
    b.write_bytes(b"PK\x03\x04\xff\xfe\x00binary")
    with pytest.raises(DataError, match="not UTF-8"):
        fl.load_flows(b)


def test_bom_is_accepted(tmp_path: Path) -> None:
    p = tmp_path / "bom.csv"
    p.write_bytes("\ufeff".encode() + GOOD.encode())
    assert len(fl.load_flows(p)) == 3


# --------------------------------------------------------------------------------------------------- shares
def test_shares_schema(shares: pd.DataFrame) -> None:
    assert tuple(shares.columns) == fl.SHARES_COLUMNS
    assert set(shares["method"]) <= fl.SHARE_METHODS
    assert ((shares.share_lo <= shares.share) & (shares.share <= shares.share_hi)).all()
    assert (shares.period_start <= shares.period_end).all()


def test_shares_sum_to_one_per_split_and_period(shares: pd.DataFrame) -> None:
    sums = shares.groupby(["series", "split", "period_start", "period_end"])["share"].sum()
    assert sums.between(0.998, 1.002).all(), sums[~sums.between(0.998, 1.002)]


def test_share_periods_do_not_overlap(shares: pd.DataFrame) -> None:
    for (_, _, _), g in shares.groupby(["series", "split", "branch"]):
        g = g.sort_values("period_start")
        assert (g["period_start"].iloc[1:].to_numpy() > g["period_end"].iloc[:-1].to_numpy()).all()


def test_shares_series_exist_in_flows(shares: pd.DataFrame, flows: pd.DataFrame) -> None:
    assert set(shares["series"]) <= set(flows["series"])


def test_documented_facts(shares: pd.DataFrame) -> None:
    def one(split: str, branch: str, start: str) -> pd.Series:
        r = shares[(shares.split == split) & (shares.branch == branch) & (shares.period_start == start)]
        assert len(r) == 1, (split, branch, start)
        return r.iloc[0]

    assert one("honduras-entry-point", "danli-trojes", "2022-01-01").share == 0.737
    assert one("honduras-entry-point", "choluteca", "2022-01-01").share == 0.237
    assert one("honduras-entry-point", "danli-trojes", "2023-01-01").share == 0.929
    assert one("honduras-entry-point", "danli-trojes", "2024-01-01").share == 0.972
    assert one("danli-trojes-office", "trojes", "2023-01-01").share == pytest.approx(
        86_688 / (86_688 + 77_503), abs=5e-4
    )
    assert one("colombia-entry-municipality", "acandi-capurgana", "2025-01-01").share == 0.984
    assert one("colombia-entry-municipality", "jurado", "2025-01-01").share == 0.0145
    assert one("sea-route", "pacific", "2025-01-01").share == pytest.approx(450 / 14_000, abs=5e-4)
    assert one("colombia-exit", "necocli-turbo", "2023-01-01").share == pytest.approx(445_380 / 539_959, abs=5e-4)


def test_darien_route_is_labelled_assumption(shares: pd.DataFrame) -> None:
    d = shares[shares.split == "darien-route"]
    assert (d["method"] == "assumption").all()
    assert d["source"].str.contains("ASSUMPTION").all()
    assert ((d.share_hi - d.share_lo) >= 0.02).all()  # wide ranges: no number exists
    # covers every month of the Darién flow series without gaps
    months = pd.period_range(d.period_start.min(), d.period_end.max(), freq="M")
    assert str(months[0]) == "2010-01" and str(months[-1]) == "2025-12"


def test_assumptions_say_so(shares: pd.DataFrame) -> None:
    a = shares[shares.method == "assumption"]
    assert a["source"].str.contains("ASSUMPTION").all()


@pytest.mark.parametrize(("bad", "pattern"), [
    ("s,x,a,2024-01-01,2024-12-31,1.2,0,1,observed,src", r"row 1 \(line 2\) column 'share'.*got '1.2'"),
    ("s,x,a,2024-01-01,2024-12-31,0.5,0.6,0.9,observed,src", r"share_lo <= share <= share_hi"),
    ("s,x,a,2024-12-31,2024-01-01,0.5,0.1,0.9,observed,src", r"period_start 2024-12-31 is after period_end"),
    ("s,x,a,2024-01-01,31/12/2024,0.5,0.1,0.9,observed,src", r"column 'period_end': expected an ISO date"),
    ("s,x,a,2024-01-01,2024-12-31,0.5,0.1,0.9,guess,src", r"column 'method'.*\['assumption', 'observed'\]"),
])
def test_bad_shares(tmp_path: Path, bad: str, pattern: str) -> None:
    p = _write(tmp_path, ",".join(fl.SHARES_COLUMNS) + "\n" + bad + "\n", "shares.csv")
    with pytest.raises(DataError, match=pattern):
        fl.load_shares(p)


# --------------------------------------------------------------------------------------------------- build
@needs_raw
def test_build_reproduces_shipped_table(flows: pd.DataFrame) -> None:
    a = fb.build_flows(RAW)
    pd.testing.assert_frame_equal(a, fb.build_flows(RAW))
    pd.testing.assert_frame_equal(a, flows)


@needs_raw
@pytest.mark.usefixtures("capsys")  # the command's output is captured, not printed
def test_build_command_writes_files(tmp_path: Path) -> None:
    doc = tmp_path / "FLOWS.md"
    doc.write_text(f"# doc\n\n{fb._MARK[0]}\nold\n{fb._MARK[1]}\ntail\n", encoding="utf-8")
    assert fb.write_flows(RAW.parents[1], tmp_path) == tmp_path / "flows.csv"
    first = (tmp_path / "flows.csv").read_bytes()
    text = doc.read_text(encoding="utf-8")
    assert "| darien | north | 2022 | 248,284.0 |" in text and "old" not in text and text.endswith("tail\n")
    fb.write_flows(RAW.parents[1], tmp_path)
    assert (tmp_path / "flows.csv").read_bytes() == first
    assert doc.read_text(encoding="utf-8") == text


@needs_raw
def test_build_fails_clearly_on_missing_row(tmp_path: Path) -> None:
    lines = RAW.read_text(encoding="utf-8").splitlines(keepends=True)
    p = _write(tmp_path, "".join(line for line in lines if ",2025-01-01,2025-12-31,22833," not in line), "raw.csv")
    with pytest.raises(DataError, match=r"expected one 'Panama reverse flow.*2025-01-01\.\.2025-12-31, found 0"):
        fb.build_flows(p)


# --------------------------------------------------------------------------------------------------- hand-written
# series
def test_san_andres_series_is_written_at_its_high_end(flows: pd.DataFrame) -> None:
    """sources/flows_extra.csv: every month of a period gets high / 12, and the source says the central and low."""
    extra = pd.read_csv(fb.EXTRA, dtype=str, keep_default_na=False)
    sa = flows[flows["series"] == "san-andres-sea"]
    assert set(sa["direction"]) == {"north"} and sa["month"].tolist() == [
        str(p) for p in pd.period_range("2022-07", "2025-12", freq="M")]
    for r in extra.itertuples():
        months = sa[(sa["month"] >= r.first_month) & (sa["month"] <= r.last_month)]
        assert months["persons"].round(3).eq(round(float(r.per_year_high) / 12, 3)).all()
        assert months["source"].str.contains(f"central {float(r.per_year_central):,.0f}").all()


@pytest.mark.parametrize(("row", "pattern"), [
    ("s,north,2024-01,2024-12,10,5,20,estimate,src", r"line 2: need 0 <= low <= central <= high"),
    ("s,north,2024-12,2024-01,1,2,3,estimate,src", r"line 2: need 0 <= low .* first_month <= last_month"),
    ("s,north,2024-01,2024-12,one,2,3,estimate,src", r"line 2: .*per_year_\* are numbers"),
])
def test_bad_extra_rows_are_named_by_line(tmp_path: Path, row: str, pattern: str) -> None:
    p = _write(tmp_path, ",".join(fb.EXTRA_COLUMNS) + "\n" + row + "\n", "flows_extra.csv")
    with pytest.raises(DataError, match=pattern):
        fb.extra_flows(p)
    with pytest.raises(DataError, match=r"missing column\(s\) \['source'\]"):
        fb.extra_flows(_write(tmp_path, ",".join(fb.EXTRA_COLUMNS[:-1]) + "\n", "bad.csv"))


@needs_raw
def test_build_without_the_extra_table_has_no_san_andres_rows() -> None:
    assert "san-andres-sea" not in set(fb.build_flows(RAW, None)["series"])


def test_san_andres_branch_factors_carry_the_central_and_low() -> None:
    """The series is written at its high end (sources/flows_extra.csv); each destination branch of a period multiplies
    it by central / high, from low / high to 1, so the exposure is the central estimate with the documented range."""
    from tools.exposure import read_branches

    extra = pd.read_csv(fb.EXTRA, dtype=str, keep_default_na=False)
    branches = read_branches()
    sa = branches[(branches["series"] == "san-andres-sea") & (branches["split"] == "sa-destination")]
    assert len(sa) == 3 * len(extra)
    for r in extra.itertuples():
        rows = sa[(sa["period_start"] == r.first_month) & (sa["period_end"] == r.last_month)]
        low, central, high = (float(v) for v in (r.per_year_low, r.per_year_central, r.per_year_high))
        assert len(rows) == 3, r.first_month
        assert rows["factor"].astype(float).round(4).eq(round(central / high, 4)).all()
        assert rows["factor_lo"].astype(float).round(4).eq(round(low / high, 4)).all()
        assert rows["factor_hi"].astype(float).eq(1.0).all()
