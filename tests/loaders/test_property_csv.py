"""Property-based test of the CSV path: any table of valid Beijing points with arbitrary
text survives encoding, delimiter and coordinate-system round trips exactly."""

from __future__ import annotations

import string

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loaders.chinacrs import from_wgs84
from loaders.importer import ImportOptions, import_file

# Names: CJK, Latin, punctuation, quotes, delimiters, markup — but no control characters
# (those are stripped on import, by design) and not blank.
name_chars = st.sampled_from(
    list("北京国际饭店王府井大街朝阳区海淀")
    + list(string.ascii_letters + string.digits)
    + list(" ,;|\t\"'<>&/()（），、")
)
names = st.text(name_chars, min_size=1, max_size=20).map(str.strip).filter(bool)
rows = st.lists(
    st.tuples(names, st.floats(116.2, 116.6), st.floats(39.8, 40.05)), min_size=1, max_size=30
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=rows,
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
    sep=st.sampled_from([",", "\t", ";", "|"]),
    system=st.sampled_from(["wgs84", "gcj02", "bd09"]),
)
def test_csv_round_trip(tmp_path_factory, rows, encoding, sep, system):
    tmp = tmp_path_factory.mktemp("prop")
    df = pd.DataFrame(rows, columns=["名称", "lon", "lat"]).drop_duplicates("名称")
    x, y = from_wgs84(df["lon"].to_numpy(), df["lat"].to_numpy(), system)
    src = pd.DataFrame(
        {
            "编号": [f"R{i}" for i in range(len(df))],
            "名称": df["名称"],
            "类型": "酒店",
            "经度": x,
            "纬度": y,
        }
    )
    p = tmp / "in.csv"
    src.to_csv(p, index=False, sep=sep, encoding=encoding, float_format="%.10f")
    r = import_file(p, ImportOptions(layer="key-locations", crs=system))
    rep = r.report
    assert rep.delimiter == sep
    assert rep.rows_read == len(src)
    # every row is either kept or has a reason; kept rows are exact
    assert rep.rows_kept + rep.rows_dropped == rep.rows_read
    kept = r.frame.set_index("id")
    truth = df.assign(id=src["编号"].to_numpy()).set_index("id")
    inside = truth.index.isin(kept.index)
    dropped_ids = truth.index[~inside]
    reasons = r.preview.set_index(src["编号"].to_numpy())["reason"]
    assert all(reasons[i] for i in dropped_ids)
    k = truth[inside]
    assert (kept.loc[k.index, "name_zh"] == k["名称"]).all()
    np.testing.assert_allclose(kept.loc[k.index, "lon"], k["lon"], atol=2e-7)
    np.testing.assert_allclose(kept.loc[k.index, "lat"], k["lat"], atol=2e-7)
